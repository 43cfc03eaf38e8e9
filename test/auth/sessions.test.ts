// The sessions API (Mainspring's addition, CONTRACT.md) on every engine: a signed-in record lists and
// ends its own sessions, superusers those of any record; an ended session's token is a guest at once,
// and a new password ends every session, the current one included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { createCollection, expectError, signUp, sleep, type SignedInUser } from '../records/fixtures.js';

const SESSION_KEYS = ['collectionId', 'created', 'current', 'expires', 'id', 'ip', 'lastSeen', 'record', 'userAgent'];

for (const engine of availableEngines()) {
  describe(`${engine.name}: sessions API`, () => {
    let t: TestApp;
    let su: string;
    let bob: SignedInUser;

    const signIn = async (email: string, password: string, userAgent: string): Promise<string> => {
      const res = await t.post('/api/collections/users/auth-with-password', { identity: email, password }, { headers: { 'user-agent': userAgent } });
      expect(res.status).toBe(200);
      return res.body.token as string;
    };
    const sessionsOf = (token?: string, query = '') => t.get(`/api/collections/users/sessions${query}`, { token });
    const isSignedIn = async (token: string, collection = 'users') => (await t.post(`/api/collections/${collection}/auth-refresh`, undefined, { token })).status === 200;

    beforeAll(async () => {
      t = await startTestApp({ engine });
      su = await t.superuserToken();
      bob = await signUp(t, 'bob@example.com');
      await createCollection(t, {
        name: 'diary', listRule: 'owner = @request.auth.id', viewRule: 'owner = @request.auth.id', createRule: null, updateRule: null, deleteRule: null,
        fields: [{ name: 'owner', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1 }],
      });
    });
    afterAll(() => t?.close());

    it('lists the caller\'s own sessions, marking the current one', async () => {
      const alice = await signUp(t, 'alice1@example.com');
      const laptop = await signIn(alice.email, alice.password, 'Laptop/1.0');
      await signIn(alice.email, alice.password, 'Phone/2.0');

      const res = await sessionsOf(laptop);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ page: 1, totalItems: 3, totalPages: 1 });
      for (const item of res.body.items) {
        expect(Object.keys(item).sort()).toEqual(SESSION_KEYS);
        expect(item).toMatchObject({ collectionId: '_pb_users_auth_', record: alice.id });
      }
      expect(res.body.items.filter((s: { current: boolean }) => s.current).map((s: { userAgent: string }) => s.userAgent)).toEqual(['Laptop/1.0']);
      expect(res.body.items.map((s: { ip: string }) => s.ip)).toContain('127.0.0.1');

      const phones = await sessionsOf(laptop, `?filter=${encodeURIComponent("userAgent ~ 'Phone'")}`);
      expect(phones.body.items.map((s: { userAgent: string }) => s.userAgent)).toEqual(['Phone/2.0']);
      expectError(await sessionsOf(laptop, `?filter=${encodeURIComponent('nosuchfield = 1')}`), 400);

      // Bob sees only his own.
      const bobs = await sessionsOf(bob.token);
      expect(bobs.body.items.every((s: { record: string }) => s.record === bob.id)).toBe(true);
    });

    it('refuses guests, other records and forged tokens', async () => {
      const alice = await signUp(t, 'alice2@example.com');
      expectError(await sessionsOf(), 401);
      expectError(await sessionsOf(`${alice.token.slice(0, -3)}abc`), 401);
      expectError(await sessionsOf(bob.token, `?record=${alice.id}`), 403);
      expectError(await t.delete(`/api/collections/users/sessions?record=${alice.id}`, { token: bob.token }), 403);
      expectError(await t.get('/api/collections/nosuch/sessions', { token: bob.token }), 404);
      expectError(await t.get('/api/collections/diary/sessions', { token: bob.token }), 404);
    });

    it('ends one session: its token is a guest at once, the others keep working', async () => {
      const alice = await signUp(t, 'alice3@example.com');
      const laptop = await signIn(alice.email, alice.password, 'Laptop/1.0');
      const phone = await signIn(alice.email, alice.password, 'Phone/2.0');
      const diary = (await t.post('/api/collections/diary/records', { owner: alice.id }, { token: su })).body.id as string;
      expect((await t.get(`/api/collections/diary/records/${diary}`, { token: phone })).status).toBe(200);

      const phoneSession = (await sessionsOf(phone)).body.items.find((s: { current: boolean }) => s.current).id as string;
      // Another record cannot end it, and it cannot be guessed through another collection.
      expectError(await t.delete(`/api/collections/users/sessions/${phoneSession}`, { token: bob.token }), 404);
      expectError(await t.delete(`/api/collections/users/sessions/nosuchsession00`, { token: laptop }), 404);
      expect(await isSignedIn(phone)).toBe(true);

      expect((await t.delete(`/api/collections/users/sessions/${phoneSession}`, { token: laptop })).status).toBe(204);
      expect(await isSignedIn(phone)).toBe(false);
      expect((await t.get(`/api/collections/diary/records/${diary}`, { token: phone })).status).toBe(404);
      expect(await isSignedIn(laptop)).toBe(true);
      expect((await sessionsOf(laptop)).body.items.map((s: { id: string }) => s.id)).not.toContain(phoneSession);
    });

    it('signs out everywhere else, keeping the current session', async () => {
      const alice = await signUp(t, 'alice4@example.com');
      const laptop = await signIn(alice.email, alice.password, 'Laptop/1.0');
      const phone = await signIn(alice.email, alice.password, 'Phone/2.0');
      expect((await t.delete('/api/collections/users/sessions', { token: laptop })).status).toBe(204);
      expect(await isSignedIn(laptop)).toBe(true);
      expect(await isSignedIn(phone)).toBe(false);
      expect(await isSignedIn(alice.token)).toBe(false);
      expect((await sessionsOf(laptop)).body.items).toHaveLength(1);
      expect(await isSignedIn(bob.token)).toBe(true);
    });

    it('lets superusers list and end any record\'s sessions', async () => {
      const alice = await signUp(t, 'alice5@example.com');
      const laptop = await signIn(alice.email, alice.password, 'Laptop/1.0');
      const listed = await sessionsOf(su, `?record=${alice.id}`);
      expect(listed.status).toBe(200);
      expect(listed.body.totalItems).toBe(2);
      expect(listed.body.items.every((s: { current: boolean }) => !s.current)).toBe(true);
      const own = await t.get('/api/collections/_superusers/sessions', { token: su });
      expect(own.body.items.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
      const missing = await sessionsOf(su);
      expectError(missing, 400);
      expect(missing.body.data.record.code).toBe('validation_required');

      expect((await t.delete(`/api/collections/users/sessions?record=${alice.id}`, { token: su })).status).toBe(204);
      expect(await isSignedIn(laptop)).toBe(false);
      expect(await isSignedIn(alice.token)).toBe(false);
      expect(await isSignedIn(su, '_superusers')).toBe(true);
    });

    it('ends a session left unused longer than authToken.idleTimeout, and keeps a busy one', async () => {
      const users = (await t.get('/api/collections/users', { token: su })).body;
      const set = (idleTimeout: number) => t.patch('/api/collections/users', { authToken: { ...users.authToken, idleTimeout } }, { token: su });
      expect((await set(2)).status).toBe(200);
      try {
        const alice = await signUp(t, 'alice7@example.com');
        const busy = await signIn(alice.email, alice.password, 'Busy/1.0');
        const idle = await signIn(alice.email, alice.password, 'Idle/1.0');
        for (let i = 0; i < 3; i++) {
          expect(await isSignedIn(busy)).toBe(true);
          await sleep(1_100);
        }
        // Three requests 1.1 s apart kept the busy session alive past 2 s; the idle one, never used, is over.
        expect(await isSignedIn(busy)).toBe(true);
        expect(await isSignedIn(idle)).toBe(false);
        await sleep(2_200);
        expect(await isSignedIn(busy)).toBe(false);
      } finally {
        expect((await set(0)).status).toBe(200);
      }
    });

    it('ends every session when the password changes, the current one included', async () => {
      const alice = await signUp(t, 'alice6@example.com');
      const laptop = await signIn(alice.email, alice.password, 'Laptop/1.0');
      const changed = await t.patch(`/api/collections/users/records/${alice.id}`,
        { oldPassword: alice.password, password: 'a-new-password-456', passwordConfirm: 'a-new-password-456' }, { token: laptop });
      expect(changed.status).toBe(200);
      expect(await isSignedIn(laptop)).toBe(false);
      expect(await isSignedIn(alice.token)).toBe(false);
      const fresh = await signIn(alice.email, 'a-new-password-456', 'Laptop/1.0');
      expect((await sessionsOf(fresh)).body.items).toHaveLength(1);
    });
  });
}
