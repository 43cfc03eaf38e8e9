import { describe, expect, it } from 'vitest';
import { createArgon2Hasher, DEFAULT_ARGON2_PARAMS, MAX_PASSWORD_BYTES, parseArgon2Hash } from './passwords.js';

// Small parameters keep these fast; the defaults are checked by the sign-in tests.
const SMALL = { memoryCost: 1024, timeCost: 1, parallelism: 1 } as const;

describe('argon2id hasher', () => {
  it('keeps at least OWASP\'s baseline by default', () => {
    expect(DEFAULT_ARGON2_PARAMS).toEqual({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    expect(createArgon2Hasher().params).toEqual(DEFAULT_ARGON2_PARAMS);
  });

  it('hashes with its own parameters and verifies', async () => {
    const hasher = createArgon2Hasher(SMALL);
    const hash = await hasher.hash('correct horse');
    expect(parseArgon2Hash(hash)).toEqual({ type: 'argon2id', version: 19, params: SMALL });
    expect(await hasher.verify(hash, 'correct horse')).toBe(true);
    expect(await hasher.verify(hash, 'correct horsE')).toBe(false);
    expect(await hasher.verify('', 'correct horse')).toBe(false);
    expect(await hasher.verify('not a hash', 'correct horse')).toBe(false);
  });

  it('asks for a rehash when any parameter differs, or the hash is not argon2id', async () => {
    const hasher = createArgon2Hasher(SMALL);
    const own = await hasher.hash('pw');
    expect(hasher.needsRehash(own)).toBe(false);
    for (const other of [{ ...SMALL, memoryCost: 2048 }, { ...SMALL, timeCost: 2 }, { ...SMALL, parallelism: 2 }]) {
      expect(hasher.needsRehash(await createArgon2Hasher(other).hash('pw')), JSON.stringify(other)).toBe(true);
    }
    expect(hasher.needsRehash(own.replace('$argon2id$', '$argon2i$'))).toBe(true);
    expect(hasher.needsRehash(own.replace('$v=19$', '$v=16$'))).toBe(true);
    expect(hasher.needsRehash('$2a$10$abcdefghijklmnopqrstuuNpNdO8YQF8h1b2c3d4e5f6g7h8i9j0k')).toBe(true);
    expect(hasher.needsRehash('')).toBe(true);
  });

  it('reads the PHC parameters in any order and refuses malformed strings', () => {
    expect(parseArgon2Hash('$argon2id$v=19$t=3,p=4,m=65536$c2FsdA$aGFzaA')).toEqual({
      type: 'argon2id', version: 19, params: { memoryCost: 65536, timeCost: 3, parallelism: 4 },
    });
    for (const bad of ['', 'plain', '$argon2id$v=19$m=1,t=1$s$h', '$argon2id$v=19$m=1,t=1,p=1,x=2$s$h', '$argon2id$19$m=1,t=1,p=1$s$h']) {
      expect(parseArgon2Hash(bad), bad).toBeNull();
    }
  });

  it('refuses input over the byte ceiling before hashing', async () => {
    const hasher = createArgon2Hasher(SMALL);
    await expect(hasher.hash('é'.repeat(MAX_PASSWORD_BYTES / 2 + 1))).rejects.toThrow(RangeError);
    const hash = await hasher.hash('é'.repeat(MAX_PASSWORD_BYTES / 2));
    expect(await hasher.verify(hash, 'é'.repeat(MAX_PASSWORD_BYTES / 2))).toBe(true);
  });

  it('refuses parameters argon2 cannot use', () => {
    for (const bad of [{ ...SMALL, timeCost: 0 }, { ...SMALL, parallelism: 0 }, { ...SMALL, memoryCost: 4 }, { ...SMALL, memoryCost: 1.5 }]) {
      expect(() => createArgon2Hasher(bad), JSON.stringify(bad)).toThrow(RangeError);
    }
  });
});
