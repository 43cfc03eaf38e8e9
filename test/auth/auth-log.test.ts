// The auth log on every engine: sign-ins, failures (known and unknown identities), refreshes,
// sign-outs and credential changes, listed for superusers only with the usual list parameters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { expectError, signUp } from '../records/fixtures.js';

interface Entry { id: string; created: string; collectionId: string; recordId: string; identity: string; event: string; outcome: string; ip: string; userAgent: string }

for (const engine of availableEngines()) {
  describe(`${engine.name}: auth log`, () => {
    let t: TestApp;
    let su: string;

    const entries = async (filter: string) =>
      (await t.get(`/api/auth-log?perPage=200&filter=${encodeURIComponent(filter)}`, { token: su })).body.items as Entry[];
    const signInAs = (identity: string, password: string) =>
      t.post('/api/collections/users/auth-with-password', { identity, password }, { headers: { 'user-agent': 'LogTest/1.0' } });

    beforeAll(async () => {
      t = await startTestApp({ engine });
      su = await t.superuserToken();
    });
    afterAll(() => t?.close());

    it('records sign-ins, failures, refreshes and sign-outs with who and from where', async () => {
      const alice = await signUp(t, 'alice@example.com');
      const token = (await signInAs('alice@example.com', alice.password)).body.token as string;
      expect((await signInAs('alice@example.com', 'wrong-password')).status).toBe(400);
      expect((await signInAs('ghost@example.com', 'whatever-pass')).status).toBe(400);
      expect((await t.post('/api/collections/users/auth-refresh', undefined, { token })).status).toBe(200);
      expect((await t.delete('/api/collections/users/sessions', { token })).status).toBe(204);

      const mine = await entries(`recordId = '${alice.id}'`);
      const events = mine.map((e) => `${e.event}:${e.outcome}`);
      expect(events).toEqual(expect.arrayContaining(['signin:success', 'signin_failed:failure', 'refresh:success', 'signout:success']));
      const signin = mine.find((e) => e.event === 'signin' && e.userAgent === 'LogTest/1.0')!;
      expect(signin).toMatchObject({ collectionId: '_pb_users_auth_', identity: 'alice@example.com', ip: '127.0.0.1' });
      expect(Object.keys(signin).sort()).toEqual(['collectionId', 'created', 'event', 'id', 'identity', 'ip', 'outcome', 'recordId', 'userAgent']);

      const ghost = await entries("identity = 'ghost@example.com'");
      expect(ghost).toHaveLength(1);
      expect(ghost[0]).toMatchObject({ event: 'signin_failed', outcome: 'failure', recordId: '' });
      // Newest first by default; a sort and paging are accepted as on every list.
      const sorted = await t.get('/api/auth-log?sort=created&perPage=2', { token: su });
      expect(sorted.body).toMatchObject({ page: 1, perPage: 2 });
      expect(sorted.body.items).toHaveLength(2);
    });

    it('never stores a password', async () => {
      const bob = await signUp(t, 'bob@example.com');
      await signInAs('bob@example.com', 'a-very-secret-guess');
      const all = JSON.stringify(await entries(`recordId = '${bob.id}'`));
      expect(all).not.toContain('a-very-secret-guess');
      expect(all).not.toContain(bob.password);
    });

    it('is for superusers only, and refuses bad filters', async () => {
      const carol = await signUp(t, 'carol@example.com');
      expectError(await t.get('/api/auth-log'), 401);
      expectError(await t.get('/api/auth-log', { token: carol.token }), 403);
      expectError(await t.get(`/api/auth-log?filter=${encodeURIComponent('nosuch = 1')}`, { token: su }), 400);
      expectError(await t.get(`/api/auth-log?filter=${encodeURIComponent("identity = 'x' ||")}`, { token: su }), 400);
    });
  });
}
