// Email change on every engine, as PocketBase does it: a signed-in record asks for a new address,
// the link goes to that address, and confirming it with the current password moves the record,
// ends every session and spends the link.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { sdkClient } from '../helpers/sdk.js';
import { expectError, signIn, signUp } from '../records/fixtures.js';

const TOKEN_IN_LINK = /confirm-email-change\/([A-Za-z0-9_.-]+)/;

for (const engine of availableEngines()) {
  describe(`${engine.name}: email change`, () => {
    let t: TestApp;
    let su: string;

    const mailsTo = async (to: string) => ((await t.get('/api/mails?perPage=200', { token: su })).body.items as { to: string; subject: string; html: string }[]).filter((m) => m.to === to);
    const ask = (newEmail: unknown, token?: string) => t.post('/api/collections/users/request-email-change', { newEmail }, { token });
    const confirm = (body: Record<string, unknown>) => t.post('/api/collections/users/confirm-email-change', body);

    beforeAll(async () => {
      t = await startTestApp({ engine });
      su = await t.superuserToken();
    });
    afterAll(() => t?.close());

    it('mails the new address and moves the record with the current password', async () => {
      const alice = await signUp(t, 'alice@example.com');
      expect((await ask('alice.new@example.com', alice.token)).status).toBe(204);
      expect(await mailsTo('alice@example.com')).toEqual([]);
      const [mail] = await mailsTo('alice.new@example.com');
      expect(mail!.subject).toBe('Confirm your new Mainspring email address');
      const token = TOKEN_IN_LINK.exec(mail!.html)![1]!;

      const wrong = await confirm({ token, password: 'not-the-password' });
      expectError(wrong, 400);
      expect(wrong.body.data.password.code).toBe('validation_invalid_password');
      expect((await confirm({ token, password: alice.password })).status).toBe(204);

      const record = (await t.get(`/api/collections/users/records/${alice.id}`, { token: su })).body;
      expect(record).toMatchObject({ email: 'alice.new@example.com', verified: true });
      expect((await t.post('/api/collections/users/auth-refresh', undefined, { token: alice.token })).status).toBe(401);
      expect(await signIn(t, 'alice.new@example.com', alice.password)).toMatch(/^ey/);
      expectError(await confirm({ token, password: alice.password }), 400);
    });

    it('refuses guests, taken and malformed addresses, and bad tokens', async () => {
      const bob = await signUp(t, 'bob@example.com');
      await signUp(t, 'taken@example.com');
      expectError(await ask('x@example.com'), 401);
      const taken = await ask('Taken@example.com', bob.token);
      expectError(taken, 400);
      expect(taken.body.data.newEmail.code).toBe('validation_email_exists');
      expect((await ask('nope', bob.token)).body.data.newEmail.code).toBe('validation_is_email');
      expect((await ask(undefined, bob.token)).body.data.newEmail.code).toBe('validation_required');
      expectError(await t.post('/api/collections/_superusers/request-email-change', { newEmail: 'y@example.com' }, { token: bob.token }), 403);
      for (const token of ['nope', bob.token]) {
        const res = await confirm({ token, password: bob.password });
        expectError(res, 400);
        expect(res.body.data.token.code).toBe('validation_invalid_token');
      }
      expect((await confirm({ token: 'x' })).body.data.password.code).toBe('validation_required');
      expect((await t.get(`/api/collections/users/records/${bob.id}`, { token: su })).body.email).toBe('bob@example.com');
    });

    it('works through the PocketBase SDK', async () => {
      const carol = await signUp(t, 'carol@example.com');
      const pb = sdkClient(t.url);
      pb.authStore.save(carol.token);
      expect(await pb.collection('users').requestEmailChange('carol.new@example.com')).toBe(true);
      const token = TOKEN_IN_LINK.exec((await mailsTo('carol.new@example.com'))[0]!.html)![1]!;
      expect(await pb.collection('users').confirmEmailChange(token, carol.password)).toBe(true);
      expect(await signIn(t, 'carol.new@example.com', carol.password)).toMatch(/^ey/);
    });
  });
}
