// Password reset on every engine, as PocketBase does it: the mailed token sets a new password once,
// ends every session, proves the email (verified), and answers alike for unknown emails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { sdkClient } from '../helpers/sdk.js';
import { expectError, signIn, signUp } from '../records/fixtures.js';

const TOKEN_IN_LINK = /confirm-password-reset\/([A-Za-z0-9_.-]+)/;

for (const engine of availableEngines()) {
  describe(`${engine.name}: password reset`, () => {
    let t: TestApp;
    let su: string;

    const mailsTo = async (to: string) => ((await t.get('/api/mails?perPage=200', { token: su })).body.items as { to: string; subject: string; html: string }[]).filter((m) => m.to === to);
    const tokenFor = async (email: string) => {
      expect((await t.post('/api/collections/users/request-password-reset', { email })).status).toBe(204);
      return TOKEN_IN_LINK.exec((await mailsTo(email.toLowerCase()))[0]!.html)![1]!;
    };
    const confirm = (body: Record<string, unknown>) => t.post('/api/collections/users/confirm-password-reset', body);
    const signInStatus = (email: string, password: string) => t.post('/api/collections/users/auth-with-password', { identity: email, password }).then((r) => r.status);

    beforeAll(async () => {
      t = await startTestApp({ engine });
      su = await t.superuserToken();
    });
    afterAll(() => t?.close());

    it('sets the new password once and ends every session', async () => {
      const alice = await signUp(t, 'alice@example.com');
      const token = await tokenFor('Alice@example.com');
      expect((await mailsTo('alice@example.com'))[0]!.subject).toBe('Reset your Mainspring password');

      expect((await confirm({ token, password: 'brand-new-pass-1', passwordConfirm: 'brand-new-pass-1' })).status).toBe(204);
      expect(await signInStatus(alice.email, alice.password)).toBe(400);
      expect(await signInStatus(alice.email, 'brand-new-pass-1')).toBe(200);
      // The old session is over, the email is proven, and the link is spent.
      expect((await t.post('/api/collections/users/auth-refresh', undefined, { token: alice.token })).status).toBe(401);
      expect((await t.get(`/api/collections/users/records/${alice.id}`, { token: su })).body.verified).toBe(true);
      const again = await confirm({ token, password: 'another-pass-22', passwordConfirm: 'another-pass-22' });
      expectError(again, 400);
      expect(again.body.data.token.code).toBe('validation_invalid_token');
      expect(await signInStatus(alice.email, 'brand-new-pass-1')).toBe(200);
    });

    it('refuses bad passwords and tokens, changing nothing', async () => {
      const bob = await signUp(t, 'bob@example.com');
      const token = await tokenFor('bob@example.com');
      const short = await confirm({ token, password: 'short', passwordConfirm: 'short' });
      expectError(short, 400);
      expect(Object.keys(short.body.data)).toContain('password');
      const mismatch = await confirm({ token, password: 'long-enough-pass', passwordConfirm: 'something-else' });
      expectError(mismatch, 400);
      expect(Object.keys(mismatch.body.data)).toContain('passwordConfirm');
      const blank = await confirm({ token });
      expect(blank.body.data.password.code).toBe('validation_required');
      for (const bad of ['nope', bob.token, `${token.slice(0, -4)}AAAA`]) {
        const res = await confirm({ token: bad, password: 'long-enough-pass', passwordConfirm: 'long-enough-pass' });
        expectError(res, 400);
        expect(res.body.data.token.code).toBe('validation_invalid_token');
      }
      expect(await signInStatus(bob.email, bob.password)).toBe(200);
    });

    it('answers unknown emails alike and mails nobody', async () => {
      expect((await t.post('/api/collections/users/request-password-reset', { email: 'nobody@example.com' })).status).toBe(204);
      expect(await mailsTo('nobody@example.com')).toEqual([]);
      expectError(await t.post('/api/collections/users/request-password-reset', { email: 'not-an-email' }), 400);
    });

    it('works through the PocketBase SDK', async () => {
      await signUp(t, 'carol@example.com');
      const pb = sdkClient(t.url);
      expect(await pb.collection('users').requestPasswordReset('carol@example.com')).toBe(true);
      const token = TOKEN_IN_LINK.exec((await mailsTo('carol@example.com'))[0]!.html)![1]!;
      expect(await pb.collection('users').confirmPasswordReset(token, 'carols-new-pass', 'carols-new-pass')).toBe(true);
      expect(await signIn(t, 'carol@example.com', 'carols-new-pass')).toMatch(/^ey/);
    });
  });
}
