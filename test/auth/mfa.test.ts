// MFA on every engine, as PocketBase does it: with `mfa.enabled` a first factor answers 401 with an
// `mfaId`, and a second, different factor sent with it (in time, once, for the same record) signs in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientResponseError } from 'pocketbase';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { sdkClient } from '../helpers/sdk.js';
import { expectError, signUp } from '../records/fixtures.js';

const CODE = /<strong>(\d+)<\/strong>/;

for (const engine of availableEngines()) {
  describe(`${engine.name}: MFA`, () => {
    let t: TestApp;
    let su: string;

    const password = (email: string, pass: string, mfaId?: string) => t.post('/api/collections/users/auth-with-password', { identity: email, password: pass, mfaId });
    const otpFor = async (email: string) => {
      const otpId = (await t.post('/api/collections/users/request-otp', { email })).body.otpId as string;
      const mails = (await t.get('/api/mails?perPage=200', { token: su })).body.items as { to: string; html: string }[];
      return { otpId, code: CODE.exec(mails.find((m) => m.to === email)!.html)![1]! };
    };
    const withOtp = (otpId: string, code: string, mfaId?: string) => t.post('/api/collections/users/auth-with-otp', { otpId, password: code, mfaId });

    beforeAll(async () => {
      t = await startTestApp({ engine });
      su = await t.superuserToken();
      const users = (await t.get('/api/collections/users', { token: su })).body;
      // Accounts first: signing up stays open while MFA is on, only signing in changes.
      await signUp(t, 'alice@example.com');
      await signUp(t, 'bob@example.com');
      await signUp(t, 'carol@example.com');
      const res = await t.patch('/api/collections/users', { mfa: { ...users.mfa, enabled: true }, otp: { ...users.otp, enabled: true } }, { token: su });
      expect(res.status).toBe(200);
    });
    afterAll(() => t?.close());

    it('asks for a second factor after the password, and signs in with the OTP', async () => {
      const first = await password('alice@example.com', 'secret-pass-123');
      expect(first.status).toBe(401);
      expect(first.body).toMatchObject({ status: 401, data: {} });
      expect(first.body.mfaId).toMatch(/^[a-z0-9]{15}$/);
      expect(first.body.token).toBeUndefined();

      const { otpId, code } = await otpFor('alice@example.com');
      const second = await withOtp(otpId, code, first.body.mfaId);
      expect(second.status).toBe(200);
      expect(second.body.record.email).toBe('alice@example.com');
      // An MFA session completes once.
      const again = await otpFor('alice@example.com');
      const reused = await withOtp(again.otpId, again.code, first.body.mfaId);
      expectError(reused, 400);
      expect(reused.body.data.mfaId.code).toBe('validation_invalid_mfa');
    });

    it('refuses the same factor twice, another record\'s mfaId and a wrong password', async () => {
      const first = await password('bob@example.com', 'secret-pass-123');
      expectError(await password('bob@example.com', 'secret-pass-123', first.body.mfaId), 400);
      const alicesFirst = await password('alice@example.com', 'secret-pass-123');
      const bobOtp = await otpFor('bob@example.com');
      expectError(await withOtp(bobOtp.otpId, bobOtp.code, alicesFirst.body.mfaId), 400);
      // A wrong password opens nothing.
      const wrong = await password('bob@example.com', 'not-the-password');
      expectError(wrong, 400);
      expect(wrong.body.mfaId).toBeUndefined();
    });

    it('accepts the OTP first and the password second', async () => {
      const { otpId, code } = await otpFor('carol@example.com');
      const first = await withOtp(otpId, code);
      expect(first.status).toBe(401);
      expect(first.body.mfaId).toMatch(/^[a-z0-9]{15}$/);
      const second = await password('carol@example.com', 'secret-pass-123', first.body.mfaId);
      expect(second.status).toBe(200);
      expect(second.body.token).toMatch(/^ey/);
    });

    it('applies only to the records mfa.rule matches', async () => {
      const users = (await t.get('/api/collections/users', { token: su })).body;
      expect((await t.patch('/api/collections/users', { mfa: { ...users.mfa, rule: "email ~ 'alice'" } }, { token: su })).status).toBe(200);
      try {
        expect((await password('bob@example.com', 'secret-pass-123')).status).toBe(200);
        expect((await password('alice@example.com', 'secret-pass-123')).status).toBe(401);
      } finally {
        expect((await t.patch('/api/collections/users', { mfa: { ...users.mfa, rule: '' } }, { token: su })).status).toBe(200);
      }
    });

    it('works through the PocketBase SDK', async () => {
      const pb = sdkClient(t.url);
      let mfaId = '';
      try {
        await pb.collection('users').authWithPassword('alice@example.com', 'secret-pass-123');
        throw new Error('expected MFA');
      } catch (err) {
        expect(err).toBeInstanceOf(ClientResponseError);
        mfaId = (err as ClientResponseError).response.mfaId as string;
      }
      const { otpId } = await pb.collection('users').requestOTP('alice@example.com');
      const mails = (await t.get('/api/mails?perPage=200', { token: su })).body.items as { to: string; html: string }[];
      const code = CODE.exec(mails.find((m) => m.to === 'alice@example.com')!.html)![1]!;
      const auth = await pb.collection('users').authWithOTP(otpId, code, { mfaId });
      expect(auth.record.email).toBe('alice@example.com');
    });
  });
}
