// Email verification on every engine, as PocketBase does it: `request-verification` mails a link with
// a stateless token (kept by the dev mail catcher, read back through `/api/mails`), answers alike for
// unknown and already verified emails, and `confirm-verification` accepts only a good, current token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { sdkClient, sdkFailure } from '../helpers/sdk.js';
import { expectError, signUp } from '../records/fixtures.js';

const TOKEN_IN_LINK = /confirm-verification\/([A-Za-z0-9_.-]+)/;

for (const engine of availableEngines()) {
  describe(`${engine.name}: email verification`, () => {
    let t: TestApp;
    let su: string;

    const mails = async () => (await t.get('/api/mails?perPage=200', { token: su })).body.items as { id: string; to: string; subject: string; html: string; text: string }[];
    const mailsTo = async (to: string) => (await mails()).filter((m) => m.to === to);
    const request = (email: unknown) => t.post('/api/collections/users/request-verification', { email });
    const confirm = (token: unknown) => t.post('/api/collections/users/confirm-verification', { token });
    const isVerified = async (id: string) => (await t.get(`/api/collections/users/records/${id}`, { token: su })).body.verified as boolean;

    beforeAll(async () => {
      t = await startTestApp({ engine });
      su = await t.superuserToken();
    });
    afterAll(() => t?.close());

    it('mails a link whose token verifies the record once', async () => {
      const alice = await signUp(t, 'alice@example.com');
      expect((await request('Alice@Example.com')).status).toBe(204);
      const [mail] = await mailsTo('alice@example.com');
      expect(mail!.subject).toBe('Confirm your Mainspring email address');
      const token = TOKEN_IN_LINK.exec(mail!.html)![1]!;
      expect(mail!.text).toContain(token);
      expect((await t.get(`/api/mails/${mail!.id}`, { token: su })).body).toMatchObject({ id: mail!.id, to: 'alice@example.com', subject: mail!.subject });

      expect(await isVerified(alice.id)).toBe(false);
      expect((await confirm(token)).status).toBe(204);
      expect(await isVerified(alice.id)).toBe(true);
      // Confirming again changes nothing and is not an error, as in PocketBase.
      expect((await confirm(token)).status).toBe(204);
      // A verified record gets no new mail.
      expect((await request('alice@example.com')).status).toBe(204);
      expect(await mailsTo('alice@example.com')).toHaveLength(1);
    });

    it('answers unknown emails as it answers known ones, and mails nobody', async () => {
      const before = (await mails()).length;
      expect((await request('nobody@example.com')).status).toBe(204);
      expect((await mails()).length).toBe(before);
    });

    it('refuses bad input with field errors', async () => {
      for (const [body, code] of [[undefined, 'validation_required'], ['', 'validation_required'], ['not-an-email', 'validation_is_email'], [42, 'validation_required']] as const) {
        const res = await request(body);
        expectError(res, 400);
        expect(res.body.data.email.code).toBe(code);
      }
      expectError(await t.post('/api/collections/users/request-verification', '{bad json', { headers: { 'content-type': 'application/json' } }), 400);
      expectError(await t.post('/api/collections/nosuch/request-verification', { email: 'a@example.com' }), 404);
      const missing = await confirm(undefined);
      expectError(missing, 400);
      expect(missing.body.data.token.code).toBe('validation_required');
    });

    it('refuses forged, foreign and stale tokens', async () => {
      const bob = await signUp(t, 'bob@example.com');
      await request('bob@example.com');
      const token = TOKEN_IN_LINK.exec((await mailsTo('bob@example.com'))[0]!.html)![1]!;
      const [head, payload] = token.split('.');
      const forged = [
        'garbage',
        `${head}.${payload}.${'A'.repeat(43)}`,
        `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`,
        bob.token, // an auth token is not a verification token
      ];
      for (const bad of forged) {
        const res = await confirm(bad);
        expectError(res, 400);
        expect(res.body.data.token.code).toBe('validation_invalid_token');
      }
      // The same token on another auth collection is refused.
      expectError(await t.post('/api/collections/_superusers/confirm-verification', { token }), 400);
      // A changed email makes the old link useless.
      expect((await t.patch(`/api/collections/users/records/${bob.id}`, { email: 'bob2@example.com' }, { token: su })).status).toBe(200);
      expectError(await confirm(token), 400);
      expect(await isVerified(bob.id)).toBe(false);
    });

    it('works through the PocketBase SDK', async () => {
      const carol = await signUp(t, 'carol@example.com');
      const pb = sdkClient(t.url);
      expect(await pb.collection('users').requestVerification('carol@example.com')).toBe(true);
      const token = TOKEN_IN_LINK.exec((await mailsTo('carol@example.com'))[0]!.html)![1]!;
      expect(await pb.collection('users').confirmVerification(token)).toBe(true);
      expect(await isVerified(carol.id)).toBe(true);
      expect((await sdkFailure(pb.collection('users').confirmVerification('nope'))).status).toBe(400);
    });

    it('shows caught mails to superusers only', async () => {
      const dave = await signUp(t, 'dave@example.com');
      expectError(await t.get('/api/mails'), 401);
      expectError(await t.get('/api/mails', { token: dave.token }), 403);
      expectError(await t.get('/api/mails/nosuchmail000000', { token: su }), 404);
      expectError(await t.get('/api/mails/..%2F..%2Fdata', { token: su }), 404);
      const page = await t.get('/api/mails?perPage=1', { token: su });
      expect(page.body).toMatchObject({ page: 1, perPage: 1 });
      expect(page.body.items).toHaveLength(1);
    });
  });
}
