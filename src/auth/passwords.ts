// Password hashing with Argon2id. Input is capped before hashing so a huge password cannot be used
// to burn CPU, and unknown identities still cost one verification (no timing oracle).
import argon2 from 'argon2';
import type { PasswordHasher } from '../records/index.js';

/** OWASP's Argon2id baseline: 19 MiB, 2 passes, 1 lane. TODO(#6): tune per machine and rehash on sign-in. */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
/** Longer input is refused before any hashing work (field validation caps passwords far below this). */
export const MAX_PASSWORD_BYTES = 1024;

export function createArgon2Hasher(): PasswordHasher & { dummyVerify(plain: string): Promise<void> } {
  let dummyHash: Promise<string> | null = null;
  return {
    async hash(plain) {
      if (Buffer.byteLength(plain) > MAX_PASSWORD_BYTES) throw new RangeError('password too long');
      return argon2.hash(plain, OPTIONS);
    },
    async verify(hash, plain) {
      if (hash === '' || Buffer.byteLength(plain) > MAX_PASSWORD_BYTES) return false;
      try {
        return await argon2.verify(hash, plain);
      } catch {
        return false;
      }
    },
    /** Spends the same time as a real verification, for identities that do not exist. */
    async dummyVerify(plain) {
      dummyHash ??= argon2.hash('mainspring-timing-equaliser', OPTIONS);
      const hash = await dummyHash;
      await argon2.verify(hash, plain.slice(0, MAX_PASSWORD_BYTES)).catch(() => false);
    },
  };
}
