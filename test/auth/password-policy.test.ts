// Password rules on every engine: the field's length limits and its `rejectCommon` option on
// create, update and reset, a byte ceiling checked before any hashing, Unicode passwords, and the
// transparent rehash of hashes made with other Argon2 parameters when their owner signs in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArgon2Hasher, DEFAULT_ARGON2_PARAMS, parseArgon2Hash } from '../../src/auth/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { countOf, expectError, rowById, signIn } from '../records/fixtures.js';

const WEAKER = { memoryCost: 8192, timeCost: 1, parallelism: 1 } as const;
const TOKEN_IN_LINK = /confirm-password-reset\/([A-Za-z0-9_.-]+)/;

for (const engine of availableEngines()) {
  describe(`${engine.name}: password policy`, () => {
    let t: TestApp;
    let su: string;

    /** A new auth collection whose password field has `options` (merged over the scaffolded ones). */
    async function authCollection(name: string, options: Record<string, unknown>): Promise<void> {
      const created = await t.post('/api/collections', { name, type: 'auth' }, { token: su });
      expect(created.status, created.text).toBe(200);
      await setPasswordOptions(name, options);
    }

    async function setPasswordOptions(name: string, options: Record<string, unknown>) {
      const current = (await t.get(`/api/collections/${name}`, { token: su })).body;
      const fields = (current.fields as Record<string, unknown>[]).map((f) => (f.name === 'password' ? { ...f, ...options } : f));
      return t.patch(`/api/collections/${name}`, { fields }, { token: su });
    }

    const create = (collection: string, email: string, password: string) =>
      t.post(`/api/collections/${collection}/records`, { email, password, passwordConfirm: password }, { token: su });
    const signInTo = (collection: string, identity: string, password: string) =>
      t.post(`/api/collections/${collection}/auth-with-password`, { identity, password });
    const storedHash = async (table: string, id: string) => String((await rowById(t, table, id))!.password);

    beforeAll(async () => {
      t = await startTestApp({ engine });
      su = await t.superuserToken();
      await authCollection('strict', { rejectCommon: true });
      await authCollection('roomy', { min: 4, max: 2000 });
    });
    afterAll(() => t?.close());

    it('enforces the minimum length in characters', async () => {
      const short = await create('users', 'short@example.com', 'seven77');
      expectError(short, 400);
      expect(short.body.data.password.code).toBe('validation_min_text_constraint');
      expect((await create('users', 'eight@example.com', 'eight888')).status).toBe(200);
      // Characters, not bytes: seven 4-byte characters are too few, eight are enough.
      expect((await create('users', 'emoji7@example.com', '🔑'.repeat(7))).body.data.password.code).toBe('validation_min_text_constraint');
      expect((await create('users', 'emoji8@example.com', '🔑'.repeat(8))).status).toBe(200);
      expect(short.body.data.password.params).toEqual({ min: 8 });
    });

    it('takes common passwords unless rejectCommon is on', async () => {
      // Off by default, as in PocketBase.
      expect((await create('users', 'plain@example.com', 'password')).status).toBe(200);
      const users = (await t.get('/api/collections/users', { token: su })).body;
      expect(users.fields.find((f: { name: string }) => f.name === 'password').rejectCommon).toBe(false);

      const before = await countOf(t, 'strict');
      for (const common of ['password', 'PassWord', 'ｐａｓｓｗｏｒｄ', 'baseball', 'iloveyou', '12345678']) {
        const res = await create('strict', `c${before}@example.com`, common);
        expectError(res, 400);
        expect(res.body.data.password.code, common).toBe('validation_password_common');
        expect(res.body.data.password.message).toMatch(/common/);
      }
      expect(await countOf(t, 'strict')).toBe(before);
      expect((await create('strict', 'fine@example.com', 'a horse called mainspring')).status).toBe(200);
    });

    it('checks rejectCommon on update, not on sign-in', async () => {
      // A record that got a common password before the option was turned on can still sign in.
      await authCollection('later', {});
      const created = await create('later', 'old@example.com', 'football');
      expect(created.status).toBe(200);
      expect((await setPasswordOptions('later', { rejectCommon: true })).status).toBe(200);
      expect((await signInTo('later', 'old@example.com', 'football')).status).toBe(200);
      const hash = await storedHash('later', created.body.id);
      const change = (password: string) => t.patch(`/api/collections/later/records/${created.body.id}`, { password, passwordConfirm: password }, { token: su });
      const refused = await change('Superman');
      expectError(refused, 400);
      expect(refused.body.data.password.code).toBe('validation_password_common');
      expect(await storedHash('later', created.body.id)).toBe(hash);
      expect((await change('not in any list, surely')).status).toBe(200);
    });

    it('validates the rejectCommon option like other field options', async () => {
      const bad = await setPasswordOptions('strict', { rejectCommon: 'yes' });
      expectError(bad, 400);
      const index = (await t.get('/api/collections/strict', { token: su })).body.fields.findIndex((f: { name: string }) => f.name === 'password');
      expect(bad.body.data.fields[index].rejectCommon.code).toBe('validation_invalid_value');
      expect((await t.get('/api/collections/strict', { token: su })).body.fields[index].rejectCommon).toBe(true);
    });

    it('refuses a common password on the reset path and keeps the link usable', async () => {
      const email = 'reset@example.com';
      expect((await create('strict', email, 'my own long passphrase')).status).toBe(200);
      expect((await t.post('/api/collections/strict/request-password-reset', { email })).status).toBe(204);
      const mails = (await t.get('/api/mails?perPage=200', { token: su })).body.items as { to: string; html: string }[];
      const token = TOKEN_IN_LINK.exec(mails.find((m) => m.to === email)!.html)![1]!;
      const confirm = (password: string) => t.post('/api/collections/strict/confirm-password-reset', { token, password, passwordConfirm: password });

      const common = await confirm('qwertyuiop');
      expectError(common, 400);
      expect(common.body.data.password.code).toBe('validation_password_common');
      expect((await signInTo('strict', email, 'my own long passphrase')).status).toBe(200);
      expect((await confirm('another long passphrase')).status).toBe(204);
      expect((await signInTo('strict', email, 'another long passphrase')).status).toBe(200);
    });

    it('refuses an oversized password with a 400 before hashing it', async () => {
      // The default max is 71 characters.
      const long = await create('users', 'long@example.com', 'x'.repeat(72));
      expectError(long, 400);
      expect(long.body.data.password.code).toBe('validation_max_text_constraint');
      // A field `max` above the byte ceiling does not lift it: 600 characters, 1200 bytes. A hash
      // attempt would have failed with a 500; the 400 comes from validation, before any hashing.
      const before = await countOf(t, 'roomy');
      const huge = await create('roomy', 'huge@example.com', 'é'.repeat(600));
      expectError(huge, 400);
      expect(huge.body.data.password).toMatchObject({ code: 'validation_max_text_constraint', params: { max: 1024 } });
      expect(await countOf(t, 'roomy')).toBe(before);
      expect((await create('roomy', 'big@example.com', 'é'.repeat(512))).status).toBe(200);
      expect((await signInTo('roomy', 'big@example.com', 'é'.repeat(512))).status).toBe(200);
      // Sign-in never hashes oversized input either: the same answer as a wrong password.
      expectError(await signInTo('roomy', 'big@example.com', 'é'.repeat(600)), 400);
    });

    it('signs in with Unicode passwords exactly as they were set', async () => {
      const cases = ['pässwörd-ünïcödé', 'пароль-надёжный', '密码很安全的密码', 'emoji 🔑 ключ 鍵 κλειδί'];
      for (const [i, password] of cases.entries()) {
        const email = `unicode${i}@example.com`;
        expect((await create('strict', email, password)).status, password).toBe(200);
        expect((await signInTo('strict', email, password)).status, password).toBe(200);
        expect((await signInTo('strict', email, password.slice(0, -1))).status, password).toBe(400);
      }
    });

    it('rehashes an outdated hash on sign-in without ending sessions', async () => {
      const password = 'rehash-me-please';
      const created = await create('users', 'rehash@example.com', password);
      const id = created.body.id as string;
      const oldToken = await signIn(t, 'rehash@example.com', password);
      const weak = await createArgon2Hasher(WEAKER).hash(password);
      await t.app.database.db.updateTable('users').set({ password: weak }).where('id', '=', id).execute();
      const { tokenKey } = (await rowById(t, 'users', id))!;
      const sessions = await countOf(t, '_sessions');

      expect((await signInTo('users', 'rehash@example.com', password)).status).toBe(200);
      const rehashed = await storedHash('users', id);
      expect(rehashed).not.toBe(weak);
      expect(parseArgon2Hash(rehashed)).toEqual({ type: 'argon2id', version: 19, params: DEFAULT_ARGON2_PARAMS });
      // Not a password change: the tokenKey and the older session stay.
      expect((await rowById(t, 'users', id))!.tokenKey).toBe(tokenKey);
      expect(await countOf(t, '_sessions')).toBe(sessions + 1);
      expect((await t.post('/api/collections/users/auth-refresh', undefined, { token: oldToken })).status).toBe(200);
      // A current hash is left alone.
      expect((await signInTo('users', 'rehash@example.com', password)).status).toBe(200);
      expect(await storedHash('users', id)).toBe(rehashed);
      expectError(await signInTo('users', 'rehash@example.com', 'not-the-password'), 400);
    });

    it('does not rehash on a failed sign-in', async () => {
      const created = await create('users', 'norehash@example.com', 'right-password-1');
      const weak = await createArgon2Hasher(WEAKER).hash('right-password-1');
      await t.app.database.db.updateTable('users').set({ password: weak }).where('id', '=', created.body.id).execute();
      expectError(await signInTo('users', 'norehash@example.com', 'wrong-password-1'), 400);
      expect(await storedHash('users', created.body.id)).toBe(weak);
    });

    it('rehashes superusers and on confirm-email-change too', async () => {
      const superuser = await t.app.records.findByField(t.app.registry.get('_superusers')!, 'email', t.superuserEmail);
      const weak = await createArgon2Hasher(WEAKER).hash(t.superuserPassword);
      await t.app.database.db.updateTable('_superusers').set({ password: weak }).where('id', '=', superuser!.id).execute();
      expect((await signInTo('_superusers', t.superuserEmail, t.superuserPassword)).status).toBe(200);
      expect(parseArgon2Hash(await storedHash('_superusers', superuser!.id))!.params).toEqual(DEFAULT_ARGON2_PARAMS);
      expect((await t.get('/api/collections/users', { token: su })).status).toBe(200);

      const created = await create('users', 'mover@example.com', 'moving-pass-123');
      const token = await signIn(t, 'mover@example.com', 'moving-pass-123');
      await t.app.database.db.updateTable('users').set({ password: await createArgon2Hasher(WEAKER).hash('moving-pass-123') }).where('id', '=', created.body.id).execute();
      expect((await t.post('/api/collections/users/request-email-change', { newEmail: 'moved@example.com' }, { token })).status).toBe(204);
      const mails = (await t.get('/api/mails?perPage=200', { token: su })).body.items as { to: string; html: string }[];
      const link = /confirm-email-change\/([A-Za-z0-9_.-]+)/.exec(mails.find((m) => m.to === 'moved@example.com')!.html)![1]!;
      expect((await t.post('/api/collections/users/confirm-email-change', { token: link, password: 'moving-pass-123' })).status).toBe(204);
      expect(parseArgon2Hash(await storedHash('users', created.body.id))!.params).toEqual(DEFAULT_ARGON2_PARAMS);
      expect(await signIn(t, 'moved@example.com', 'moving-pass-123')).toMatch(/^ey/);
    });
  });
}
