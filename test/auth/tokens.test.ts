import PocketBase from 'pocketbase';
// Auth tokens over plain HTTP (API.md §2, §6): the JWT's claims and lifetime, every unusable token
// acting as a guest, refresh, revocation (password change, delete, session removal, new secret)
// and the auth-with-password errors.
import { createHmac } from 'node:crypto';
import { createSigner, type Algorithm } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../src/core/secret-box.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';

const PASSWORD = 'user-password-123';
const FAILED = 'Failed to authenticate.';

interface Claims {
  readonly id: string;
  readonly collectionId: string;
  readonly type: string;
  readonly refreshable: boolean;
  readonly sid: string;
  readonly exp: number;
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const part = (token: string, i: 0 | 1): Record<string, unknown> => JSON.parse(Buffer.from(token.split('.')[i]!, 'base64url').toString('utf8'));
const claimsOf = (token: string): Claims => part(token, 1) as unknown as Claims;
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

function sign(key: string, payload: Claims, algorithm: Algorithm = 'HS256'): string {
  return createSigner({ key, algorithm, noTimestamp: true })({ ...payload });
}

for (const engine of availableEngines()) {
  describe(`${engine.name}: auth tokens`, () => {
    let t: TestApp;
    let su: string;

    /** The real HMAC key of a record's auth tokens: its tokenKey + the collection's (opened) secret. */
    async function keyOf(collection: string, recordId: string): Promise<string> {
      const c = t.app.registry.get(collection)!;
      const record = await t.app.records.findStored(c, recordId);
      return String(record?.tokenKey) + createSecretBox(t.app.config.secret).open(c.auth!.authToken.secret);
    }

    async function createUser(email: string, extra: Record<string, unknown> = {}): Promise<string> {
      const res = await t.post('/api/collections/users/records', { email, password: PASSWORD, passwordConfirm: PASSWORD, ...extra });
      expect(res.status, res.text).toBe(200);
      return res.body.id as string;
    }

    async function signIn(identity: string, password = PASSWORD, collection = 'users'): Promise<{ token: string; record: Record<string, unknown> }> {
      const res = await t.post(`/api/collections/${collection}/auth-with-password`, { identity, password });
      expect(res.status, res.text).toBe(200);
      return res.body;
    }

    /** 401 for a guest, 403 for a signed-in non-superuser, 200 for a superuser. */
    const callerStatus = async (token: string): Promise<number> => (await t.get('/api/collections', { token })).status;
    const refreshStatus = async (token: string, collection = 'users'): Promise<number> =>
      (await t.post(`/api/collections/${collection}/auth-refresh`, undefined, { token })).status;

    beforeAll(async () => {
      t = await startTestApp({ engine });
      su = await t.superuserToken();
      const notes = await t.post('/api/collections', { name: 'notes', type: 'base', fields: [{ name: 'title', type: 'text' }] }, { token: su });
      expect(notes.status, notes.text).toBe(200);
      await createUser('alice@example.com', { name: 'Alice' });
    });
    afterAll(() => t?.close());

    describe('token shape', () => {
      it.each([
        { collection: '_superusers', duration: 86400 },
        { collection: 'users', duration: 432000 },
      ])('$collection: an HS256 JWT with id, collectionId, type, refreshable, sid and exp = now + $duration', async ({ collection, duration }) => {
        const identity = collection === 'users' ? 'alice@example.com' : t.superuserEmail;
        const before = nowSeconds();
        const { token, record } = await signIn(identity, collection === 'users' ? PASSWORD : t.superuserPassword, collection);
        const after = nowSeconds();

        expect(part(token, 0)).toEqual({ alg: 'HS256', typ: 'JWT' });
        const claims = claimsOf(token);
        expect(Object.keys(claims).sort()).toEqual(['collectionId', 'exp', 'id', 'refreshable', 'sid', 'type']);
        expect(claims).toMatchObject({ id: record.id, collectionId: record.collectionId, type: 'auth', refreshable: true });
        expect(claims.sid).toMatch(/^[a-z0-9]{15}$/);
        expect(claims.exp).toBeGreaterThanOrEqual(before + duration);
        expect(claims.exp).toBeLessThanOrEqual(after + duration);

        const view = await t.get(`/api/collections/${collection}`, { token: su });
        expect(view.body.authToken).toEqual({ duration, idleTimeout: 0, maxAge: 0 });
        const session = await t.app.database.db.selectFrom('_sessions').selectAll().where('id', '=', claims.sid).executeTakeFirst();
        expect(session).toMatchObject({ collectionId: record.collectionId, recordId: record.id });
      });

      it.each([
        { form: 'raw', header: (tk: string) => tk },
        { form: 'Bearer', header: (tk: string) => `Bearer ${tk}` },
        { form: 'lower-case bearer', header: (tk: string) => `bearer ${tk}` },
        { form: 'BEARER with extra spaces', header: (tk: string) => `BEARER   ${tk}` },
      ])('accepts the $form Authorization header', async ({ header }) => {
        expect(await callerStatus(header(su))).toBe(200);
      });
    });

    describe('unusable tokens act as a guest', () => {
      const cases = [
        'forged payload (exp pushed out, old signature)',
        'flipped signature byte',
        'alg none',
        'HS512 with the real key',
        'RS256 header over an HMAC signature with the real key',
        'HS256 with a wrong key',
        'HS256 with only the collection secret',
        'expired (real key)',
        'another record\'s session id',
        'type other than auth',
        'collectionId of a base collection',
        'garbage string',
        'three dotted garbage parts',
        'Bearer with nothing after it',
        'session row deleted',
      ] as const;
      const bad = {} as Record<(typeof cases)[number], string>;

      beforeAll(async () => {
        const superusers = t.app.registry.get('_superusers')!;
        const real = claimsOf(su);
        const key = await keyOf('_superusers', real.id);
        const [header, , signature] = su.split('.') as [string, string, string];
        const flipped = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);

        bad['forged payload (exp pushed out, old signature)'] = `${header}.${b64({ ...real, exp: real.exp + 1000 })}.${signature}`;
        bad['flipped signature byte'] = `${header}.${su.split('.')[1]}.${flipped}`;
        bad['alg none'] = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(real)}.`;
        bad['HS512 with the real key'] = sign(key, real, 'HS512');
        // Algorithm confusion: a header naming an asymmetric algorithm, signed with the HMAC key.
        const rsHead = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(real)}`;
        bad['RS256 header over an HMAC signature with the real key'] = `${rsHead}.${createHmac('sha256', key).update(rsHead).digest('base64url')}`;
        bad['HS256 with a wrong key'] = sign('wrong-key-wrong-key-wrong-key-wrong-key', real);
        bad['HS256 with only the collection secret'] = sign(createSecretBox(t.app.config.secret).open(superusers.auth!.authToken.secret), real);
        bad['expired (real key)'] = sign(key, { ...real, exp: nowSeconds() - 5 });
        const alice = await signIn('alice@example.com');
        bad['another record\'s session id'] = sign(key, { ...real, sid: claimsOf(alice.token).sid });
        bad['type other than auth'] = sign(key, { ...real, type: 'file' });
        bad['collectionId of a base collection'] = sign(key, { ...real, collectionId: t.app.registry.get('notes')!.id });
        bad['garbage string'] = 'not-a-token';
        bad['three dotted garbage parts'] = 'aaa.bbb.ccc';
        bad['Bearer with nothing after it'] = 'Bearer';
        // A token never used before (so nothing is cached) whose session row is removed out of band.
        const fresh = await signIn(t.superuserEmail, t.superuserPassword, '_superusers');
        await t.app.database.db.deleteFrom('_sessions').where('id', '=', claimsOf(fresh.token).sid).execute();
        bad['session row deleted'] = fresh.token;
      });

      it.each(cases)('%s', async (name) => {
        const token = bad[name];
        expect(await callerStatus(token)).toBe(401);
        expect(await refreshStatus(token, '_superusers')).toBe(401);
        // Public routes still answer: a bad token is never an error by itself.
        expect((await t.get('/api/health', { token })).status).toBe(200);
        const list = await t.get('/api/collections/users/records', { token });
        expect(list.status).toBe(200);
        expect(list.body.items).toEqual([]);
      });

      it('keeps the genuine token working', async () => {
        expect(await callerStatus(su)).toBe(200);
      });
    });

    describe('auth-refresh', () => {
      it('answers 401 without a token and 403 with another collection\'s token', async () => {
        const none = await t.post('/api/collections/users/auth-refresh');
        expect(none.status).toBe(401);
        expect(none.body).toMatchObject({ status: 401, data: {} });
        const other = await t.post('/api/collections/users/auth-refresh', undefined, { token: su });
        expect(other.status).toBe(403);
        expect(other.body).toMatchObject({ status: 403, data: {} });
      });

      it('answers 404 on a non-auth or unknown collection', async () => {
        const { token } = await signIn('alice@example.com');
        for (const c of ['notes', 'nope']) {
          const res = await t.post(`/api/collections/${c}/auth-refresh`, undefined, { token });
          expect(res.status).toBe(404);
          expect(res.body).toEqual({ status: 404, message: 'Missing or invalid auth collection context.', data: {} });
        }
      });

      it('keeps the session, extends exp, and leaves the older token valid', async () => {
        const { token, record } = await signIn('alice@example.com');
        const claims = claimsOf(token);
        // An older token of the same session, about to expire: refresh must hand back a later exp.
        const older = sign(await keyOf('users', record.id as string), { ...claims, exp: nowSeconds() + 60 });
        const res = await t.post('/api/collections/users/auth-refresh', undefined, { token: older });
        expect(res.status, res.text).toBe(200);
        const fresh = claimsOf(res.body.token);
        expect(res.body.token).not.toBe(older);
        expect(fresh).toMatchObject({ id: claims.id, collectionId: claims.collectionId, sid: claims.sid, type: 'auth', refreshable: true });
        expect(fresh.exp).toBeGreaterThanOrEqual(nowSeconds() + 432000 - 5);
        expect(res.body.record).toMatchObject({ id: record.id, email: 'alice@example.com' });
        expect(res.body.record).not.toHaveProperty('password');
        expect(res.body.record).not.toHaveProperty('tokenKey');
        for (const tk of [token, older, res.body.token as string]) expect(await refreshStatus(tk)).toBe(200);
        const rows = await t.app.database.db.selectFrom('_sessions').select('id').where('id', '=', claims.sid).execute();
        expect(rows).toHaveLength(1);
      });
    });

    describe('revocation', () => {
      it('a password change by a superuser makes the old token a guest at once', async () => {
        const id = await createUser('pw-change@example.com');
        const { token } = await signIn('pw-change@example.com');
        expect(await refreshStatus(token)).toBe(200); // now cached
        const res = await t.patch(`/api/collections/users/records/${id}`, { password: 'another-pass-456', passwordConfirm: 'another-pass-456' }, { token: su });
        expect(res.status, res.text).toBe(200);
        expect(await refreshStatus(token)).toBe(401);
        expect((await t.get(`/api/collections/users/records/${id}`, { token })).status).toBe(404);
        const old = await t.post('/api/collections/users/auth-with-password', { identity: 'pw-change@example.com', password: PASSWORD });
        expect(old.status).toBe(400);
        const renewed = await signIn('pw-change@example.com', 'another-pass-456');
        expect(await refreshStatus(renewed.token)).toBe(200);
      });

      it('deleting the user makes its token a guest and removes its sessions', async () => {
        const id = await createUser('to-delete@example.com');
        const { token } = await signIn('to-delete@example.com');
        expect(await refreshStatus(token)).toBe(200);
        expect((await t.delete(`/api/collections/users/records/${id}`, { token: su })).status).toBe(204);
        expect(await refreshStatus(token)).toBe(401);
        const rows = await t.app.database.db.selectFrom('_sessions').select('id').where('recordId', '=', id).execute();
        expect(rows).toEqual([]);
      });

      it('a revoked session stops its cached token at once, and only that session', async () => {
        await createUser('revoke@example.com');
        const first = await signIn('revoke@example.com');
        const second = await signIn('revoke@example.com');
        expect(await refreshStatus(first.token)).toBe(200);
        expect(await refreshStatus(second.token)).toBe(200);
        await t.app.auth.revokeSession(claimsOf(first.token).sid);
        expect(await refreshStatus(first.token)).toBe(401);
        expect(await refreshStatus(second.token)).toBe(200);
      });

      it('a new collection token secret makes every cached token of the collection a guest', async () => {
        await createUser('secret@example.com');
        const { token } = await signIn('secret@example.com');
        expect(await refreshStatus(token)).toBe(200);
        const res = await t.patch('/api/collections/users', { authToken: { secret: 'n'.repeat(50) } }, { token: su });
        expect(res.status, res.text).toBe(200);
        expect(res.body.authToken).not.toHaveProperty('secret');
        expect(await refreshStatus(token)).toBe(401);
        expect(await refreshStatus((await signIn('secret@example.com')).token)).toBe(200);
        expect(await callerStatus(su)).toBe(200); // other collections are untouched
      });

      it('a new auth collection honours its authToken.duration, and deleting it makes its tokens guests', async () => {
        const members = await t.post('/api/collections', { name: 'members', type: 'auth', authToken: { duration: 120 } }, { token: su });
        expect(members.status, members.text).toBe(200);
        const member = await t.post('/api/collections/members/records', { email: 'm@example.com', password: PASSWORD, passwordConfirm: PASSWORD }, { token: su });
        expect(member.status, member.text).toBe(200);
        const before = nowSeconds();
        const { token } = await signIn('m@example.com', PASSWORD, 'members');
        expect(claimsOf(token).exp).toBeGreaterThanOrEqual(before + 120);
        expect(claimsOf(token).exp).toBeLessThanOrEqual(nowSeconds() + 120);
        expect(await callerStatus(token)).toBe(403); // signed in, not a superuser
        expect((await t.delete('/api/collections/members', { token: su })).status).toBe(204);
        expect(await callerStatus(token)).toBe(401);
      });
    });

    describe('auth-with-password', () => {
      it.each([
        { name: 'a wrong password', body: { identity: 'alice@example.com', password: 'wrong-password' } },
        { name: 'an unknown identity', body: { identity: 'nobody@example.com', password: PASSWORD } },
        { name: 'a non-email identity with only email allowed', body: { identity: 'alice', password: PASSWORD } },
      ])('$name → 400 "Failed to authenticate." with no data', async ({ body }) => {
        const res = await t.post('/api/collections/users/auth-with-password', body);
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ status: 400, message: FAILED, data: {} });
      });

      it.each([
        { name: 'missing identity', body: { password: PASSWORD }, codes: { identity: 'validation_required' } },
        { name: 'missing password', body: { identity: 'alice@example.com' }, codes: { password: 'validation_required' } },
        { name: 'empty body', body: {}, codes: { identity: 'validation_required', password: 'validation_required' } },
        { name: 'non-string values', body: { identity: 12, password: true }, codes: { identity: 'validation_invalid_value' } },
        { name: 'identityField not allowed', body: { identity: 'Alice', password: PASSWORD, identityField: 'name' }, codes: { identityField: 'validation_in_invalid' } },
      ])('$name → 400 with field codes', async ({ body, codes }) => {
        const res = await t.post('/api/collections/users/auth-with-password', body);
        expect(res.status).toBe(400);
        expect(res.body.status).toBe(400);
        const got = Object.fromEntries(Object.entries(res.body.data as Record<string, { code: string }>).map(([k, v]) => [k, v.code]));
        expect(got).toEqual(codes);
      });

      it.each(['notes', 'nope'])('on %s (not an auth collection) → 404', async (collection) => {
        const res = await t.post(`/api/collections/${collection}/auth-with-password`, { identity: 'alice@example.com', password: PASSWORD });
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ status: 404, message: 'Missing or invalid auth collection context.', data: {} });
      });

      it.each([
        { name: 'exact email', identity: 'alice@example.com', identityField: undefined },
        { name: 'email in another case', identity: 'ALICE@Example.COM', identityField: undefined },
        { name: 'explicit identityField email', identity: 'Alice@example.com', identityField: 'email' },
      ])('signs in with $name; the record shows email, never password or tokenKey', async ({ identity, identityField }) => {
        const res = await t.post('/api/collections/users/auth-with-password', { identity, password: PASSWORD, identityField });
        expect(res.status, res.text).toBe(200);
        expect(Object.keys(res.body).sort()).toEqual(['record', 'token']);
        const record = res.body.record as Record<string, unknown>;
        expect(record).toMatchObject({ collectionName: 'users', collectionId: '_pb_users_auth_', email: 'alice@example.com', emailVisibility: false, name: 'Alice' });
        expect(record).not.toHaveProperty('password');
        expect(record).not.toHaveProperty('tokenKey');
        expect(res.text).not.toContain('$argon2');
      });
    });
  });
}

describe('auth-methods', () => {
  const sqlite = availableEngines().find((e) => e.name === 'sqlite')!;
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp({ engine: sqlite }); });
  afterAll(() => t?.close());

  it('lists the password method as the SDK reads it', async () => {
    const pb = new PocketBase(t.url);
    pb.autoCancellation(false);
    const methods = await pb.collection('users').listAuthMethods();
    expect(methods.password).toEqual({ enabled: true, identityFields: ['email'] });
    expect(methods.oauth2.enabled).toBe(false);
    expect(methods.mfa.enabled).toBe(false);
    expect(methods.otp.enabled).toBe(false);
  });

  it('answers 404 for a collection that is not an auth collection', async () => {
    const token = await t.superuserToken();
    await t.post('/api/collections', { name: 'things', fields: [{ name: 'x', type: 'text' }] }, { token });
    const res = await t.get('/api/collections/things/auth-methods');
    expect(res.status).toBe(404);
    expect(res.body.message).toBe('Missing or invalid auth collection context.');
  });
});
