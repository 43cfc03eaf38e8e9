// Auth collection records on every engine: the password form, secrets that never leave the server,
// who sees `email`, what a user may change about themselves, and tokens revoked by a password change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestResponse } from '../helpers/app.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { codesOf, countOf, createCollection, expectError, rowById, signIn, signUp, type SignedInUser } from './fixtures.js';

const SECRET_KEYS = ['password', 'tokenKey', 'passwordConfirm', 'oldPassword'];

/** No reply body, at any depth, carries a password, token key or a hash. */
function expectNoSecrets(res: TestResponse): void {
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (value === null || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      expect(SECRET_KEYS, `reply leaks ${key}`).not.toContain(key);
      walk(inner);
    }
  };
  walk(res.body);
  expect(res.text).not.toContain('$argon2');
}

for (const engine of availableEngines()) {
  describe(`${engine.name}: auth collection records`, () => {
    let t: TestApp;
    let su: string;
    let alice: SignedInUser;
    let bob: SignedInUser;
    beforeAll(async () => {
      t = await startTestApp({ engine });
      su = await t.superuserToken();
      // Let users see each other, so email visibility is what is being tested.
      const opened = await t.patch('/api/collections/users', { listRule: '', viewRule: '' }, { token: su });
      if (opened.status !== 200) throw new Error(opened.text);
      alice = await signUp(t, 'alice@example.com', 'alice-pass-123');
      bob = await signUp(t, 'bob@example.com', 'bob-pass-1234');
    });
    afterAll(() => t?.close());

    it.each([
      { body: { email: 'new1@example.com' }, codes: { password: 'validation_required' } },
      { body: { email: 'new2@example.com', password: 'long-enough-1' }, codes: { passwordConfirm: 'validation_required' } },
      { body: { email: 'new3@example.com', password: 'long-enough-1', passwordConfirm: 'different-123' }, codes: { passwordConfirm: 'validation_values_mismatch' } },
      { body: { email: 'new4@example.com', password: 'short', passwordConfirm: 'short' }, codes: { password: 'validation_min_text_constraint' } },
      { body: { email: 'not-an-email', password: 'long-enough-1', passwordConfirm: 'long-enough-1' }, codes: { email: 'validation_is_email' } },
      { body: { email: 'alice@example.com', password: 'long-enough-1', passwordConfirm: 'long-enough-1' }, codes: { email: 'validation_not_unique' } },
    ])('create $body → 400 $codes, nothing written', async ({ body, codes }) => {
      const before = await countOf(t, 'users');
      const res = await t.post('/api/collections/users/records', body);
      expectError(res, 400, { message: 'Failed to create record.' });
      expect(codesOf(res)).toEqual(codes);
      expect(await countOf(t, 'users')).toBe(before);
    });

    it('create stores a hash, never the plain password, and replies without secrets', async () => {
      const res = await t.post('/api/collections/users/records', { email: 'carol@example.com', password: 'carol-pass-123', passwordConfirm: 'carol-pass-123', tokenKey: 'chosen' });
      expect(res.status, res.text).toBe(200);
      expectNoSecrets(res);
      expect(res.body).toMatchObject({ emailVisibility: false, verified: false, collectionName: 'users' });
      // As in PocketBase, a guest's reply omits the email of a record without emailVisibility.
      expect(res.body).not.toHaveProperty('email');
      const row = await rowById(t, 'users', res.body.id);
      expect(String(row!.password)).toMatch(/^\$argon2id\$/);
      expect(row!.tokenKey).not.toBe('chosen');
      expect(String(row!.tokenKey).length).toBeGreaterThanOrEqual(30);
      expect(Object.keys(row!)).not.toContain('passwordConfirm');
    });

    it('a guest cannot sign up already verified', async () => {
      const res = await t.post('/api/collections/users/records', { email: 'dave@example.com', password: 'dave-pass-123', passwordConfirm: 'dave-pass-123', verified: true });
      if (res.status === 200) expect(res.body.verified).toBe(false);
      else expectError(res, 400);
      const rows = await t.app.database.db.selectFrom('users').selectAll().where('email', '=', 'dave@example.com').execute();
      expect(rows.every((r) => !t.app.database.dialect.boolFromDb(r.verified))).toBe(true);
    });

    it('no reply ever carries password or tokenKey', async () => {
      const replies = [
        await t.get('/api/collections/users/records'),
        await t.get('/api/collections/users/records', { token: su }),
        await t.get('/api/collections/users/records', { token: alice.token }),
        await t.get(`/api/collections/users/records/${alice.id}`, { token: alice.token }),
        await t.get(`/api/collections/users/records/${alice.id}`, { token: su }),
        await t.get('/api/collections/users/records?fields=*,password,tokenKey', { token: su }),
        await t.patch(`/api/collections/users/records/${alice.id}`, { name: 'Alice' }, { token: alice.token }),
        await t.post('/api/collections/users/auth-with-password', { identity: 'alice@example.com', password: 'alice-pass-123' }),
        await t.get('/api/collections/_superusers/records', { token: su }),
      ];
      for (const res of replies) {
        expect(res.status, res.text).toBe(200);
        expectNoSecrets(res);
      }
    });

    it('password and tokenKey cannot be filtered or sorted on by anyone', async () => {
      for (const token of [undefined, alice.token, su]) {
        expectError(await t.get(`/api/collections/users/records?filter=${encodeURIComponent("password != ''")}`, { token }), 400);
        expectError(await t.get(`/api/collections/users/records?filter=${encodeURIComponent("tokenKey != ''")}`, { token: token === su ? undefined : token }), 400);
        expectError(await t.get('/api/collections/users/records?sort=password', { token }), 400);
      }
    });

    it('email is hidden from others unless emailVisibility, shown to the owner and superusers', async () => {
      const emailOf = async (id: string, token?: string): Promise<unknown> => (await t.get(`/api/collections/users/records/${id}`, { token })).body.email;
      expect(await emailOf(alice.id, bob.token)).toBeUndefined();
      expect(await emailOf(alice.id)).toBeUndefined();
      expect(await emailOf(alice.id, alice.token)).toBe('alice@example.com');
      expect(await emailOf(alice.id, su)).toBe('alice@example.com');
      const guestList = await t.get('/api/collections/users/records');
      expect(guestList.body.items.length).toBeGreaterThan(1);
      expect(guestList.body.items.every((i: object) => !('email' in i))).toBe(true);

      const shown = await t.patch(`/api/collections/users/records/${alice.id}`, { emailVisibility: true }, { token: alice.token });
      expect(shown.status).toBe(200);
      expect(await emailOf(alice.id, bob.token)).toBe('alice@example.com');
      expect(await emailOf(alice.id)).toBe('alice@example.com');
      await t.patch(`/api/collections/users/records/${alice.id}`, { emailVisibility: false }, { token: alice.token });
      expect(await emailOf(alice.id, bob.token)).toBeUndefined();
    });

    it.each([
      { body: { password: 'new-pass-12345', passwordConfirm: 'new-pass-12345' }, codes: { oldPassword: 'validation_invalid_old_password' } },
      { body: { password: 'new-pass-12345', passwordConfirm: 'new-pass-12345', oldPassword: 'wrong-old-pass' }, codes: { oldPassword: 'validation_invalid_old_password' } },
      { body: { password: 'new-pass-12345', passwordConfirm: 'nope-nope-123', oldPassword: 'bob-pass-1234' }, codes: { passwordConfirm: 'validation_values_mismatch' } },
      { body: { email: 'bob2@example.com' }, codes: { email: 'validation_values_mismatch' } },
      { body: { verified: true }, codes: { verified: 'validation_values_mismatch' } },
    ])('a user changing $body on themselves → 400 $codes, nothing changed', async ({ body, codes }) => {
      const before = await rowById(t, 'users', bob.id);
      const res = await t.patch(`/api/collections/users/records/${bob.id}`, body, { token: bob.token });
      expectError(res, 400, { message: 'Failed to update record.' });
      expect(codesOf(res)).toEqual(codes);
      expect(await rowById(t, 'users', bob.id)).toEqual(before);
      // The token still works: nothing rotated.
      expect((await t.post('/api/collections/users/auth-refresh', undefined, { token: bob.token })).status).toBe(200);
    });

    it('a user cannot set their own tokenKey', async () => {
      const before = await rowById(t, 'users', bob.id);
      const res = await t.patch(`/api/collections/users/records/${bob.id}`, { tokenKey: 'mine-now' }, { token: bob.token });
      expect(res.status).toBe(200);
      expect((await rowById(t, 'users', bob.id))!.tokenKey).toBe(before!.tokenKey);
    });

    it('a password change with oldPassword succeeds and turns old tokens into guests', async () => {
      const user = await signUp(t, 'erin@example.com', 'erin-pass-123');
      const before = await rowById(t, 'users', user.id);
      const res = await t.patch(`/api/collections/users/records/${user.id}`,
        { password: 'erin-new-pass-1', passwordConfirm: 'erin-new-pass-1', oldPassword: 'erin-pass-123' }, { token: user.token });
      expect(res.status, res.text).toBe(200);
      expectNoSecrets(res);
      const after = await rowById(t, 'users', user.id);
      expect(after!.password).not.toBe(before!.password);
      expect(after!.tokenKey).not.toBe(before!.tokenKey);

      // The old token is a guest now: 401 where a caller is needed, guest view elsewhere.
      expect((await t.post('/api/collections/users/auth-refresh', undefined, { token: user.token })).status).toBe(401);
      const asOld = await t.get(`/api/collections/users/records/${user.id}`, { token: user.token });
      expect(asOld.status).toBe(200);
      expect(asOld.body.email).toBeUndefined();
      expectError(await t.patch(`/api/collections/users/records/${user.id}`, { name: 'x' }, { token: user.token }), 404);

      await expect(signIn(t, 'erin@example.com', 'erin-pass-123')).rejects.toThrow();
      const fresh = await signIn(t, 'erin@example.com', 'erin-new-pass-1');
      const mine = await t.get(`/api/collections/users/records/${user.id}`, { token: fresh });
      expect(mine.body.email).toBe('erin@example.com');
    });

    it('superusers may set email, verified and password without oldPassword; tokens rotate', async () => {
      const user = await signUp(t, 'fay@example.com', 'fay-pass-1234');
      const res = await t.patch(`/api/collections/users/records/${user.id}`,
        { email: 'fay2@example.com', verified: true, password: 'fay-new-pass-1', passwordConfirm: 'fay-new-pass-1' }, { token: su });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ email: 'fay2@example.com', verified: true });
      expectNoSecrets(res);
      const row = await rowById(t, 'users', user.id);
      expect(row!.email).toBe('fay2@example.com');
      expect(t.app.database.dialect.boolFromDb(row!.verified)).toBe(true);
      expect((await t.post('/api/collections/users/auth-refresh', undefined, { token: user.token })).status).toBe(401);
      expect(typeof (await signIn(t, 'fay2@example.com', 'fay-new-pass-1'))).toBe('string');
    });

    it('a user deleting their own record ends their sessions', async () => {
      const user = await signUp(t, 'hal@example.com', 'hal-pass-1234');
      const sessions = () => t.app.database.db.selectFrom('_sessions').selectAll().where('recordId', '=', user.id).execute();
      expect((await sessions()).length).toBeGreaterThan(0);
      expectError(await t.delete(`/api/collections/users/records/${user.id}`, { token: bob.token }), 404);
      expect((await t.delete(`/api/collections/users/records/${user.id}`, { token: user.token })).status).toBe(204);
      expect(await rowById(t, 'users', user.id)).toBeUndefined();
      expect(await sessions()).toEqual([]);
      expect((await t.post('/api/collections/users/auth-refresh', undefined, { token: user.token })).status).toBe(401);
      await expect(signIn(t, 'hal@example.com', 'hal-pass-1234')).rejects.toThrow();
    });

    it('a superuser email-only change also revokes the user\'s tokens', async () => {
      const user = await signUp(t, 'gus@example.com', 'gus-pass-1234');
      const res = await t.patch(`/api/collections/users/records/${user.id}`, { email: 'gus2@example.com' }, { token: su });
      expect(res.status).toBe(200);
      expect((await t.post('/api/collections/users/auth-refresh', undefined, { token: user.token })).status).toBe(401);
    });

    it('password fields outside the auth password are stored hashed and never shown', async () => {
      await createCollection(t, {
        name: 'vault', listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '',
        fields: [{ name: 'title', type: 'text' }, { name: 'pin', type: 'password', min: 4 }],
      });
      const short = await t.post('/api/collections/vault/records', { title: 'x', pin: '12' });
      expectError(short, 400);
      expect(codesOf(short)).toEqual({ pin: 'validation_min_text_constraint' });

      const made = await t.post('/api/collections/vault/records', { title: 'x', pin: 'pin-1234' });
      expect(made.status, made.text).toBe(200);
      expect(made.body).not.toHaveProperty('pin');
      const stored = String((await rowById(t, 'vault', made.body.id))!.pin);
      expect(stored).toMatch(/^\$argon2id\$/);
      expect(stored).not.toContain('pin-1234');

      const kept = await t.patch(`/api/collections/vault/records/${made.body.id}`, { title: 'y' });
      expect(kept.status).toBe(200);
      expect((await rowById(t, 'vault', made.body.id))!.pin).toBe(stored);
      const changed = await t.patch(`/api/collections/vault/records/${made.body.id}`, { pin: 'pin-5678' });
      expect(changed.status).toBe(200);
      const restored = String((await rowById(t, 'vault', made.body.id))!.pin);
      expect(restored).toMatch(/^\$argon2id\$/);
      expect(restored).not.toBe(stored);
      for (const token of [undefined, su]) {
        const res = await t.get(`/api/collections/vault/records/${made.body.id}`, { token });
        expect(res.body).not.toHaveProperty('pin');
        expect(res.text).not.toContain('$argon2');
        expectError(await t.get(`/api/collections/vault/records?filter=${encodeURIComponent("pin != ''")}`, { token }), 400);
      }
    });

    it('an extra password field on an auth collection does not disturb passwordConfirm', async () => {
      const users = await t.get('/api/collections/users', { token: su });
      const added = await t.patch('/api/collections/users', { fields: [...users.body.fields, { name: 'pin2', type: 'password' }] }, { token: su });
      expect(added.status, added.text).toBe(200);
      const res = await t.post('/api/collections/users/records', { email: 'ivy@example.com', password: 'ivy-pass-1234', passwordConfirm: 'ivy-pass-1234', pin2: 'other-secret' });
      expect(res.status, res.text).toBe(200);
      expectNoSecrets(res);
      expect(res.body).not.toHaveProperty('pin2');
      const row = await rowById(t, 'users', res.body.id);
      expect(String(row!.password)).toMatch(/^\$argon2id\$/);
      expect(String(row!.pin2)).toMatch(/^\$argon2id\$/);
      expect(typeof (await signIn(t, 'ivy@example.com', 'ivy-pass-1234'))).toBe('string');
      await expect(signIn(t, 'ivy@example.com', 'other-secret')).rejects.toThrow();
    });
  });
}
