// No account enumeration on every engine: unknown and known identities get the same answers from
// every credential route, and cost the server the same argon2 work, so their timing matches too.
// The work is counted, not timed: the real hasher is wrapped to count each argon2 verification.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createArgon2Hasher, type Argon2Hasher } from '../../src/auth/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { signUp } from '../records/fixtures.js';

/** The real hasher, counting the argon2 verifications it runs (real or the timing equaliser). */
function countingHasher(): { hasher: Argon2Hasher; verifications: () => number; reset: () => void } {
  const real = createArgon2Hasher();
  let count = 0;
  const hasher: Argon2Hasher = {
    ...real,
    async verify(hash, plain) {
      count++;
      return real.verify(hash, plain);
    },
    async dummyVerify(plain) {
      count++;
      await real.dummyVerify(plain);
    },
  };
  return { hasher, verifications: () => count, reset: () => { count = 0; } };
}

for (const engine of availableEngines()) {
  describe(`${engine.name}: no account enumeration`, () => {
    let t: TestApp;
    const counter = countingHasher();
    beforeAll(async () => {
      t = await startTestApp({ engine, appOptions: { passwords: counter.hasher } });
      await signUp(t, 'known@example.com');
      await t.patch('/api/collections/users', { otp: { enabled: true } }, { token: await t.superuserToken() });
    });
    afterAll(() => t?.close());
    beforeEach(() => counter.reset());

    it('password sign-in: the same 400, and one argon2 verification, for a wrong password and an unknown identity', async () => {
      const known = await t.post('/api/collections/users/auth-with-password', { identity: 'known@example.com', password: 'wrong-password' });
      expect(counter.verifications()).toBe(1);
      const unknown = await t.post('/api/collections/users/auth-with-password', { identity: 'nobody@example.com', password: 'wrong-password' });
      expect(counter.verifications()).toBe(2);
      const username = await t.post('/api/collections/users/auth-with-password', { identity: 'nobody', password: 'wrong-password' });
      expect(counter.verifications()).toBe(3);
      // An oversized password is refused before any hashing, for known and unknown identities alike.
      counter.reset();
      const huge = 'é'.repeat(600);
      const knownHuge = await t.post('/api/collections/users/auth-with-password', { identity: 'known@example.com', password: huge });
      const unknownHuge = await t.post('/api/collections/users/auth-with-password', { identity: 'nobody@example.com', password: huge });
      expect(counter.verifications()).toBe(2);
      expect(knownHuge.body).toEqual(unknownHuge.body);
      for (const res of [known, unknown, username]) expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: { status: 400, message: 'Failed to authenticate.', data: {} } });
    });

    it('the mailing routes answer alike for known and unknown emails', async () => {
      for (const route of ['request-verification', 'request-password-reset']) {
        const known = await t.post(`/api/collections/users/${route}`, { email: 'known@example.com' });
        const unknown = await t.post(`/api/collections/users/${route}`, { email: 'nobody@example.com' });
        expect([known.status, known.text]).toEqual([204, '']);
        expect([unknown.status, unknown.text]).toEqual([204, '']);
      }
      const known = await t.post('/api/collections/users/request-otp', { email: 'known@example.com' });
      const unknown = await t.post('/api/collections/users/request-otp', { email: 'nobody@example.com' });
      expect(Object.keys(known.body)).toEqual(['otpId']);
      expect(Object.keys(unknown.body)).toEqual(['otpId']);
      expect(unknown.body.otpId).toMatch(/^[a-z0-9]{15}$/);
      // An unknown otpId is tried against a hash too, and fails as a wrong code does.
      counter.reset();
      const wrongCode = await t.post('/api/collections/users/auth-with-otp', { otpId: known.body.otpId, password: '00000000' });
      const noSuchOtp = await t.post('/api/collections/users/auth-with-otp', { otpId: unknown.body.otpId, password: '00000000' });
      expect(counter.verifications()).toBe(2);
      expect(noSuchOtp.body).toEqual(wrongCode.body);
    });
  });
}
