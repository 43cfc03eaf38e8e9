// TOTP (Mainspring's addition) on every engine: enroll, confirm with a code from an authenticator
// (computed here with `otpauth`), then every first factor asks for it; recovery codes work once;
// turning it off needs a code.
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { expectError, signUp, type SignedInUser } from '../records/fixtures.js';

const codeFor = (secret: string) => new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate();

for (const engine of availableEngines()) {
  describe(`${engine.name}: TOTP`, () => {
    let t: TestApp;

    const password = (user: SignedInUser, mfaId?: string) => t.post('/api/collections/users/auth-with-password', { identity: user.email, password: user.password, mfaId });
    const withTotp = (mfaId: unknown, code: unknown) => t.post('/api/collections/users/auth-with-totp', { mfaId, code });
    const enrolled = async (user: SignedInUser) => {
      const enroll = await t.post('/api/collections/users/totp/enroll', undefined, { token: user.token });
      expect(enroll.status).toBe(200);
      const confirm = await t.post('/api/collections/users/totp/confirm', { code: codeFor(enroll.body.secret) }, { token: user.token });
      expect(confirm.status).toBe(200);
      return { secret: enroll.body.secret as string, recoveryCodes: confirm.body.recoveryCodes as string[] };
    };

    beforeAll(async () => {
      t = await startTestApp({ engine });
    });
    afterAll(() => t?.close());

    it('enrolls with an otpauth URL and confirms with a code, giving ten recovery codes', async () => {
      const alice = await signUp(t, 'alice@example.com');
      const enroll = await t.post('/api/collections/users/totp/enroll', undefined, { token: alice.token });
      expect(enroll.status).toBe(200);
      expect(enroll.body.otpauthUrl).toMatch(/^otpauth:\/\/totp\/.*secret=[A-Z2-7]+/);
      expect(enroll.body.otpauthUrl).toContain('alice%40example.com');
      const wrong = await t.post('/api/collections/users/totp/confirm', { code: '000000' === codeFor(enroll.body.secret) ? '111111' : '000000' }, { token: alice.token });
      expectError(wrong, 400);
      expect(wrong.body.data.code.code).toBe('validation_invalid_code');
      // Until confirmed, signing in is unchanged.
      expect((await password(alice)).status).toBe(200);
      const confirm = await t.post('/api/collections/users/totp/confirm', { code: codeFor(enroll.body.secret) }, { token: alice.token });
      expect(confirm.status).toBe(200);
      expect(confirm.body.recoveryCodes).toHaveLength(10);
      expect(new Set(confirm.body.recoveryCodes).size).toBe(10);
      // A second enrollment is refused while one is on.
      expectError(await t.post('/api/collections/users/totp/enroll', undefined, { token: alice.token }), 400);
    });

    it('caps wrong codes per record across MFA sessions: a fresh password sign-in buys no new guesses', async () => {
      const gina = await signUp(t, 'gina@example.com');
      const { secret } = await enrolled(gina);
      const wrongCode = () => (codeFor(secret) === '000000' ? '111111' : '000000');
      let guesses = 0;
      // Ten wrong codes spread over several MFA sessions, some sent with mfaId in the query as the SDK may.
      for (let session = 0; session < 4 && guesses < 10; session++) {
        const mfaId = (await password(gina)).body.mfaId as string;
        for (let i = 0; i < 3 && guesses < 10; i++, guesses++) {
          const res = i % 2 === 0 ? await withTotp(mfaId, wrongCode()) : await t.post(`/api/collections/users/auth-with-totp?mfaId=${mfaId}`, { code: wrongCode() });
          expectError(res, 400);
        }
      }
      const mfaId = (await password(gina)).body.mfaId as string;
      const refused = await withTotp(mfaId, codeFor(secret));
      expectError(refused, 429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(800);
      // That MFA session is gone, and the cap holds for the next one too.
      expectError(await withTotp(mfaId, codeFor(secret)), 400);
      expectError(await withTotp((await password(gina)).body.mfaId, codeFor(secret)), 429);
    });

    it('makes every first factor ask for TOTP, and completes with a code', async () => {
      const bob = await signUp(t, 'bob@example.com');
      const { secret } = await enrolled(bob);
      const first = await password(bob);
      expect(first.status).toBe(401);
      expect(first.body.mfaId).toMatch(/^[a-z0-9]{15}$/);
      // The password again is not a second factor here: TOTP is.
      expectError(await password(bob, first.body.mfaId), 400);
      const wrong = await withTotp(first.body.mfaId, '12345');
      expectError(wrong, 400);
      const done = await withTotp(first.body.mfaId, codeFor(secret));
      expect(done.status).toBe(200);
      expect(done.body.record.email).toBe('bob@example.com');
      expectError(await withTotp(first.body.mfaId, codeFor(secret)), 400);
    });

    it('accepts each recovery code once, and turns off with a code', async () => {
      const carol = await signUp(t, 'carol@example.com');
      const { secret, recoveryCodes } = await enrolled(carol);
      const first = await password(carol);
      expect((await withTotp(first.body.mfaId, recoveryCodes[0])).status).toBe(200);
      const again = await password(carol);
      expectError(await withTotp(again.body.mfaId, recoveryCodes[0]), 400);
      expect((await withTotp(again.body.mfaId, recoveryCodes[1])).status).toBe(200);

      expectError(await t.delete('/api/collections/users/totp', { token: carol.token, body: { code: 'nope' } }), 400);
      expect((await t.delete('/api/collections/users/totp', { token: carol.token, body: { code: codeFor(secret) } })).status).toBe(204);
      expect((await password(carol)).status).toBe(200);
    });

    it('refuses guests and bad input', async () => {
      const dave = await signUp(t, 'dave@example.com');
      expectError(await t.post('/api/collections/users/totp/enroll'), 401);
      expectError(await t.post('/api/collections/_superusers/totp/enroll', undefined, { token: dave.token }), 403);
      expect((await t.post('/api/collections/users/totp/confirm', {}, { token: dave.token })).body.data.code.code).toBe('validation_required');
      expect((await withTotp(undefined, '123456')).body.data.mfaId.code).toBe('validation_required');
      expectError(await withTotp('nosuchmfa000000', '123456'), 400);
    });
  });
}
