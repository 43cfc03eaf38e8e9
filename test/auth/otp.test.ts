// OTP sign-in on every engine, as PocketBase does it: `request-otp` mails a code and answers an otpId
// even for unknown emails; `auth-with-otp` signs in once with the right code, marks the email
// verified, and refuses wrong, expired, reused and foreign codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { sdkClient } from '../helpers/sdk.js';
import { expectError, signUp, sleep } from '../records/fixtures.js';

const CODE = /<strong>(\d+)<\/strong>/;

for (const engine of availableEngines()) {
  describe(`${engine.name}: OTP sign-in`, () => {
    let t: TestApp;
    let su: string;
    let users: Record<string, unknown>;

    const setOtp = (otp: Record<string, unknown>) => t.patch('/api/collections/users', { otp: { ...(users.otp as object), ...otp } }, { token: su });
    const codeFor = async (to: string) => {
      const mails = (await t.get('/api/mails?perPage=200', { token: su })).body.items as { to: string; html: string }[];
      return CODE.exec(mails.find((m) => m.to === to)!.html)![1]!;
    };
    const requestOtp = (email: unknown) => t.post('/api/collections/users/request-otp', { email });
    const authWithOtp = (otpId: unknown, password: unknown) => t.post('/api/collections/users/auth-with-otp', { otpId, password });

    beforeAll(async () => {
      t = await startTestApp({ engine });
      su = await t.superuserToken();
      users = (await t.get('/api/collections/users', { token: su })).body;
      expect((await setOtp({ enabled: true })).status).toBe(200);
    });
    afterAll(() => t?.close());

    it('signs in once with the mailed code and marks the email verified', async () => {
      const alice = await signUp(t, 'alice@example.com');
      const requested = await requestOtp('alice@example.com');
      expect(requested.status).toBe(200);
      const otpId = requested.body.otpId as string;
      expect(otpId).toMatch(/^[a-z0-9]{15}$/);
      const code = await codeFor('alice@example.com');
      expect(code).toMatch(/^\d{8}$/);

      const res = await authWithOtp(otpId, code);
      expect(res.status).toBe(200);
      expect(res.body.record).toMatchObject({ id: alice.id, verified: true });
      expect((await t.post('/api/collections/users/auth-refresh', undefined, { token: res.body.token })).status).toBe(200);
      expectError(await authWithOtp(otpId, code), 400);
    });

    it('answers unknown emails with an otpId that signs nobody in', async () => {
      const res = await requestOtp('ghost@example.com');
      expect(res.status).toBe(200);
      expect(res.body.otpId).toMatch(/^[a-z0-9]{15}$/);
      expectError(await authWithOtp(res.body.otpId, '12345678'), 400);
    });

    it('answers 429 with Retry-After after five wrong codes, even for the right one', async () => {
      await signUp(t, 'bob@example.com');
      const otpId = (await requestOtp('bob@example.com')).body.otpId as string;
      const code = await codeFor('bob@example.com');
      const wrong = code === '00000000' ? '11111111' : '00000000';
      for (let i = 0; i < 5; i++) expectError(await authWithOtp(otpId, wrong), 400);
      const refused = await authWithOtp(otpId, code);
      expectError(refused, 429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expectError(await authWithOtp(otpId, wrong), 429);
    });

    it('counts parallel tries of one code before checking them: five get an answer, the rest 429', async () => {
      await signUp(t, 'racer@example.com');
      const otpId = (await requestOtp('racer@example.com')).body.otpId as string;
      const code = await codeFor('racer@example.com');
      const wrong = code === '00000000' ? '11111111' : '00000000';
      const answers = await Promise.all(Array.from({ length: 9 }, () => authWithOtp(otpId, wrong)));
      expect(answers.map((a) => a.status).sort()).toEqual([400, 400, 400, 400, 400, 429, 429, 429, 429]);
    });

    it('refuses expired codes and bad input', async () => {
      await signUp(t, 'carol@example.com');
      expect((await setOtp({ enabled: true, duration: 1 })).status).toBe(200);
      try {
        const otpId = (await requestOtp('carol@example.com')).body.otpId as string;
        const code = await codeFor('carol@example.com');
        await sleep(1_200);
        expectError(await authWithOtp(otpId, code), 400);
      } finally {
        expect((await setOtp({ enabled: true, duration: 180 })).status).toBe(200);
      }
      const blank = await authWithOtp(undefined, undefined);
      expectError(blank, 400);
      expect(Object.keys(blank.body.data).sort()).toEqual(['otpId', 'password']);
      expect((await requestOtp('not-an-email')).body.data.email.code).toBe('validation_is_email');
      expectError(await authWithOtp('x'.repeat(5000), '1'), 400);
    });

    it('works through the PocketBase SDK, and not when OTP is off', async () => {
      await signUp(t, 'dave@example.com');
      const pb = sdkClient(t.url);
      const { otpId } = await pb.collection('users').requestOTP('dave@example.com');
      const auth = await pb.collection('users').authWithOTP(otpId, await codeFor('dave@example.com'));
      expect(auth.record.email).toBe('dave@example.com');
      expect(pb.authStore.isValid).toBe(true);

      expect((await setOtp({ enabled: false })).status).toBe(200);
      try {
        expectError(await requestOtp('dave@example.com'), 403);
      } finally {
        expect((await setOtp({ enabled: true })).status).toBe(200);
      }
    });
  });
}
