// Password hashing with Argon2id. Input is capped before hashing so a huge password cannot be used
// to burn CPU, and unknown identities still cost one verification (no timing oracle).
import argon2 from 'argon2';
import { PASSWORD_MAX_BYTES } from '../collections/index.js';
import type { PasswordHasher } from '../records/index.js';

/** Argon2id cost parameters, as stored in each hash's PHC string (`m`, `t`, `p`). */
export interface Argon2Params {
  /** Memory in KiB. */
  readonly memoryCost: number;
  /** Passes over the memory. */
  readonly timeCost: number;
  /** Lanes. */
  readonly parallelism: number;
}

/**
 * OWASP's Argon2id baseline (19 MiB, 2 passes, 1 lane): about 20–40 ms a hash on a current server
 * core. Fixed rather than measured at start, because every node must hash alike: with per-node
 * parameters, each sign-in on another node would rehash the password back and forth.
 */
export const DEFAULT_ARGON2_PARAMS: Argon2Params = Object.freeze({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });

/** Argon2 1.3, the version node-argon2 writes (`v=19`). */
const ARGON2_VERSION = 0x13;

/** Longer input is refused before any hashing work (the password field refuses it first, with a 400). */
export const MAX_PASSWORD_BYTES = PASSWORD_MAX_BYTES;

export interface Argon2Hasher extends PasswordHasher {
  /** The parameters new hashes are made with. */
  readonly params: Argon2Params;
  /** Spends the same time as a real verification, for identities that do not exist. */
  dummyVerify(plain: string): Promise<void>;
  /** Whether a stored hash was made otherwise than `hash` would make it now (other parameters, not Argon2id). */
  needsRehash(hash: string): boolean;
}

/** The bounds argon2 itself enforces, plus a ceiling of 4 GiB so a typo cannot exhaust the machine. */
function checkParams(params: Argon2Params): void {
  const { memoryCost, timeCost, parallelism } = params;
  const isInt = (n: number, min: number, max: number): boolean => Number.isSafeInteger(n) && n >= min && n <= max;
  if (!isInt(parallelism, 1, 255)) throw new RangeError('argon2 parallelism must be an integer from 1 to 255');
  if (!isInt(timeCost, 1, 1000)) throw new RangeError('argon2 timeCost must be an integer from 1 to 1000');
  if (!isInt(memoryCost, 8 * parallelism, 4 * 1024 * 1024)) throw new RangeError('argon2 memoryCost must be an integer from 8 × parallelism to 4194304 KiB');
}

/** The type and cost parameters of a PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), or null. */
export function parseArgon2Hash(hash: string): { type: string; version: number; params: Argon2Params } | null {
  const parts = hash.split('$');
  if (parts.length !== 6 || parts[0] !== '' || !/^v=\d+$/.test(parts[2]!)) return null;
  const values = new Map<string, number>();
  for (const pair of parts[3]!.split(',')) {
    const m = /^([mtp])=(\d{1,10})$/.exec(pair);
    if (!m) return null;
    values.set(m[1]!, Number(m[2]));
  }
  const [memoryCost, timeCost, parallelism] = [values.get('m'), values.get('t'), values.get('p')];
  if (memoryCost === undefined || timeCost === undefined || parallelism === undefined) return null;
  return { type: parts[1]!, version: Number(parts[2]!.slice(2)), params: { memoryCost, timeCost, parallelism } };
}

export function createArgon2Hasher(params: Argon2Params = DEFAULT_ARGON2_PARAMS): Argon2Hasher {
  checkParams(params);
  const options = { type: argon2.argon2id, memoryCost: params.memoryCost, timeCost: params.timeCost, parallelism: params.parallelism } as const;
  let dummyHash: Promise<string> | null = null;
  return {
    params: Object.freeze({ ...params }),
    async hash(plain) {
      if (Buffer.byteLength(plain) > MAX_PASSWORD_BYTES) throw new RangeError('password too long');
      return argon2.hash(plain, options);
    },
    async verify(hash, plain) {
      if (hash === '' || Buffer.byteLength(plain) > MAX_PASSWORD_BYTES) return false;
      try {
        return await argon2.verify(hash, plain);
      } catch {
        return false;
      }
    },
    async dummyVerify(plain) {
      // Exactly as verify: an oversized password is refused before any hashing.
      if (Buffer.byteLength(plain) > MAX_PASSWORD_BYTES) return;
      dummyHash ??= argon2.hash('mainspring-timing-equaliser', options);
      const hash = await dummyHash;
      await argon2.verify(hash, plain).catch(() => false);
    },
    needsRehash(hash) {
      const parsed = parseArgon2Hash(hash);
      if (!parsed || parsed.type !== 'argon2id' || parsed.version !== ARGON2_VERSION) return true;
      return parsed.params.memoryCost !== params.memoryCost || parsed.params.timeCost !== params.timeCost || parsed.params.parallelism !== params.parallelism;
    },
  };
}
