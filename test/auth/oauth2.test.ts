// OAuth2 / OpenID Connect sign-in on every engine against a real OIDC provider on loopback: the
// auth-methods shape, the SDK's code flow (sign-up, links, email linking), PKCE and replay failures,
// MFA, discovery, id_token checks, superusers and write-only client secrets.
import { createHash, generateKeyPairSync, createPrivateKey, sign, createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { startOidcProvider, type OidcPeer } from '../helpers/oidc.js';
import { sdkClient, sdkFailure } from '../helpers/sdk.js';
import { countOf, expectError, rowsOf, signUp } from '../records/fixtures.js';

let oidc: OidcPeer;
// A token endpoint that answers with whatever id_token a test sets: for the id_token checks.
let fakeTokens: Server;
let fakeTokenURL = '';
let nextIdToken = '';

beforeAll(async () => {
  oidc = await startOidcProvider();
  fakeTokens = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ access_token: 'opaque', token_type: 'Bearer', expires_in: 60, id_token: nextIdToken }));
    });
  });
  await new Promise<void>((r) => fakeTokens.listen(0, '127.0.0.1', r));
  fakeTokenURL = `http://127.0.0.1:${(fakeTokens.address() as AddressInfo).port}/token`;
});
afterAll(async () => {
  await oidc?.close();
  fakeTokens?.closeAllConnections();
  await new Promise((r) => fakeTokens?.close(r));
});

const s256 = (v: string) => createHash('sha256').update(v).digest('base64url');

interface ProviderInfo { name: string; authURL: string; codeVerifier: string; state: string }

for (const engine of availableEngines()) {
  describe(`${engine.name}: OAuth2 / OpenID Connect`, () => {
    let t: TestApp;
    let su: string;
    // Accounts are per engine, so each engine's run starts from unknown identities.
    const sub = (name: string) => `${engine.name}-${name}`;
    const account = (name: string, email: string, emailVerified = true) => {
      oidc.addAccount({ sub: sub(name), email, emailVerified, name: `${name} (provider)`, username: name });
      return sub(name);
    };
    const oidcProvider = () => ({
      name: 'oidc', clientId: oidc.clientId, clientSecret: oidc.clientSecret,
      authURL: `${oidc.issuer}/auth`, tokenURL: `${oidc.issuer}/token`, userInfoURL: `${oidc.issuer}/me`, pkce: true,
    });
    const methods = async (collection = 'users') => (await t.get(`/api/collections/${collection}/auth-methods`)).body;
    const providerOf = async (name: string, collection = 'users'): Promise<ProviderInfo> =>
      ((await methods(collection)).oauth2.providers as ProviderInfo[]).find((p) => p.name === name)!;
    /** Runs the browser part of the flow: a fresh provider entry from auth-methods and the code for `accountSub`. */
    const begin = async (accountSub: string, name = 'oidc', collection = 'users') => {
      const provider = await providerOf(name, collection);
      const { code, state } = await oidc.authorize(provider.authURL, accountSub);
      expect(state).toBe(provider.state);
      return { provider, code };
    };
    const withCode = (body: Record<string, unknown>, collection = 'users', query = '') =>
      t.post(`/api/collections/${collection}/auth-with-oauth2${query}`, { redirectURL: oidc.redirectUri, ...body });
    const writes = async () => ({
      users: await countOf(t, 'users'), links: await countOf(t, '_externalAuths'), sessions: await countOf(t, '_sessions'),
      superusers: await countOf(t, '_superusers'),
    });
    const setOAuth2 = async (collection: string, oauth2: Record<string, unknown>) => {
      const res = await t.patch(`/api/collections/${collection}`, { oauth2 }, { token: su });
      expect(res.status, res.text).toBe(200);
      return res;
    };

    beforeAll(async () => {
      t = await startTestApp({ engine, env: { MS_OUTBOUND_ALLOW_PRIVATE: '1' } });
      su = await t.superuserToken();
      await setOAuth2('users', {
        enabled: true,
        mappedFields: { name: 'name' },
        providers: [
          oidcProvider(),
          // Endpoints from `{issuer}/.well-known/openid-configuration` (Mainspring's addition).
          { name: 'oidc2', clientId: oidc.clientId, clientSecret: oidc.clientSecret, displayName: 'Discovered', extra: { issuer: oidc.issuer } },
          // No userinfo: the identity is the id_token the (test) token endpoint hands out.
          {
            name: 'oidc3', clientId: oidc.clientId, clientSecret: oidc.clientSecret, authURL: `${oidc.issuer}/auth`, tokenURL: fakeTokenURL,
            extra: { jwksURL: oidc.jwksURL, issuers: [oidc.issuer] },
          },
          { name: 'github', clientId: 'gh-client', clientSecret: 'gh-secret-value', enabled: false },
        ],
      });
    });
    afterAll(() => t?.close());

    it('lists each provider with state and PKCE values; authURL ends in redirect_uri=', async () => {
      const body = await methods();
      expect(body.oauth2.enabled).toBe(true);
      // The switched-off provider is not offered.
      expect(body.oauth2.providers.map((p: ProviderInfo) => p.name)).toEqual(['oidc', 'oidc2', 'oidc3']);
      const [p] = body.oauth2.providers;
      expect(Object.keys(p).sort()).toEqual(['authURL', 'authUrl', 'codeChallenge', 'codeChallengeMethod', 'codeVerifier', 'displayName', 'name', 'state']);
      expect(p.authURL.endsWith('&redirect_uri=')).toBe(true);
      expect(p.authUrl).toBe(p.authURL);
      expect(p.codeChallengeMethod).toBe('S256');
      expect(p.codeVerifier.length).toBeGreaterThanOrEqual(43);
      expect(p.codeChallenge).toBe(s256(p.codeVerifier));
      const url = new URL(p.authURL);
      expect(url.origin + url.pathname).toBe(`${oidc.issuer}/auth`);
      expect(Object.fromEntries(url.searchParams)).toMatchObject({
        client_id: oidc.clientId, response_type: 'code', code_challenge: p.codeChallenge, code_challenge_method: 'S256', state: p.state, redirect_uri: '',
      });
      expect(body.authProviders).toEqual(body.oauth2.providers);
      // Every call hands out fresh values.
      const again = await methods();
      expect(again.oauth2.providers[0].state).not.toBe(p.state);
      expect(again.oauth2.providers[0].codeVerifier).not.toBe(p.codeVerifier);
      // The discovered provider's URL comes from the issuer's document.
      expect(body.oauth2.providers[1].displayName).toBe('Discovered');
      expect(body.oauth2.providers[1].authURL.startsWith(`${oidc.issuer}/auth?`)).toBe(true);
    });

    it('signs up a new user through the SDK code flow, then signs in again through the link', async () => {
      const alice = account('alice', 'alice@example.com');
      const { provider, code } = await begin(alice);
      const pb = sdkClient(t.url);
      const auth = await pb.collection('users').authWithOAuth2Code('oidc', code, provider.codeVerifier, oidc.redirectUri, { emailVisibility: true });
      expect(auth.meta).toMatchObject({ id: alice, email: 'alice@example.com', name: 'alice (provider)', username: 'alice', isNew: true });
      expect(auth.meta!.accessToken).toEqual(expect.any(String));
      expect(auth.meta!.rawUser).toMatchObject({ sub: alice, email_verified: true });
      // createData and the mapped name fill the record; the provider vouched for the email.
      expect(auth.record).toMatchObject({ email: 'alice@example.com', verified: true, emailVisibility: true, name: 'alice (provider)' });
      expect(pb.authStore.isValid).toBe(true);
      const links = (await rowsOf(t, '_externalAuths')).filter((r) => r.providerId === alice);
      expect(links).toMatchObject([{ collectionRef: '_pb_users_auth_', recordRef: auth.record.id, provider: 'oidc' }]);

      const second = await begin(alice);
      const again = await withCode({ provider: 'oidc', code: second.code, codeVerifier: second.provider.codeVerifier });
      expect(again.status, again.text).toBe(200);
      expect(again.body.record.id).toBe(auth.record.id);
      expect(again.body.meta.isNew).toBe(false);
      expect((await rowsOf(t, '_externalAuths')).filter((r) => r.providerId === alice)).toHaveLength(1);

      // The SDK's own helpers for links work unchanged (the `_externalAuths` collection).
      const listed = await pb.collection('users').listExternalAuths(auth.record.id);
      expect(listed).toMatchObject([{ provider: 'oidc', providerId: alice, recordRef: auth.record.id }]);
      const stranger = sdkClient(t.url);
      await stranger.collection('users').authWithPassword((await signUp(t, 'stranger@example.com')).email, 'secret-pass-123');
      expect(await stranger.collection('users').listExternalAuths(auth.record.id)).toEqual([]);
      expect(await pb.collection('users').unlinkExternalAuth(auth.record.id, 'oidc')).toBe(true);
      expect(await pb.collection('users').listExternalAuths(auth.record.id)).toEqual([]);

      const log = (await t.get(`/api/auth-log?filter=${encodeURIComponent(`event = "oauth2" && recordId = "${auth.record.id}"`)}`, { token: su })).body.items;
      expect(log.map((e: { outcome: string }) => e.outcome)).toEqual(['success', 'success']);
    });

    it('links a verified email to an existing password user; an unverified one links nothing', async () => {
      const bob = await signUp(t, 'bob@example.com');
      const { provider, code } = await begin(account('bob', 'bob@example.com'));
      const res = await withCode({ provider: 'oidc', code, codeVerifier: provider.codeVerifier });
      expect(res.status, res.text).toBe(200);
      expect(res.body.record.id).toBe(bob.id);
      expect(res.body.meta.isNew).toBe(false);
      expect(res.body.record.verified).toBe(true);
      expect((await rowsOf(t, '_externalAuths')).filter((r) => r.recordRef === bob.id)).toHaveLength(1);
      // Whoever registered the unverified address may not be its owner: the password it set and its
      // sessions end, while the OAuth2 token works (PocketBase does the same).
      expectError(await t.post('/api/collections/users/auth-with-password', { identity: bob.email, password: bob.password }), 400);
      expectError(await t.get('/api/collections/users/sessions', { token: bob.token }), 401);
      expect((await t.get('/api/collections/users/sessions', { token: res.body.token })).status).toBe(200);

      const carol = await signUp(t, 'carol@example.com');
      const before = await writes();
      const mallory = await begin(account('mallory', 'carol@example.com', false));
      const taken = await withCode({ provider: 'oidc', code: mallory.code, codeVerifier: mallory.provider.codeVerifier });
      // Not linked to carol: a sign-up is tried and the address is taken.
      expectError(taken, 400);
      expect((await rowsOf(t, '_externalAuths')).filter((r) => r.recordRef === carol.id)).toHaveLength(0);
      expect(await writes()).toEqual(before);
    });

    it('keeps a verified password user\'s password when a provider links to it by email', async () => {
      const vera = await signUp(t, 'vera@example.com');
      expect((await t.patch(`/api/collections/users/records/${vera.id}`, { verified: true }, { token: su })).status).toBe(200);
      const { provider, code } = await begin(account('vera', 'vera@example.com'));
      expect((await withCode({ provider: 'oidc', code, codeVerifier: provider.codeVerifier })).status).toBe(200);
      expect((await t.post('/api/collections/users/auth-with-password', { identity: vera.email, password: vera.password })).status).toBe(200);
    });

    it('drops the links of whoever registered an address when its owner proves it through a provider', async () => {
      // Mallory uses the second provider, so Wendy's link does not simply replace hers (one link per provider and record).
      // Mallory signs up through an identity with no email, naming the victim's address herself.
      const { provider, code } = await begin(account('mallory-noemail', ''), 'oidc2');
      const squat = await withCode({ provider: 'oidc2', code, codeVerifier: provider.codeVerifier, createData: { email: 'wendy@example.com' } });
      expect(squat.status, squat.text).toBe(200);
      expect(squat.body.record).toMatchObject({ email: 'wendy@example.com', verified: false });
      // Wendy signs in with a provider that has verified the address: the record is hers now, Mallory's link is gone.
      const wendy = await begin(account('wendy', 'wendy@example.com'));
      const claimed = await withCode({ provider: 'oidc', code: wendy.code, codeVerifier: wendy.provider.codeVerifier });
      expect(claimed.status, claimed.text).toBe(200);
      expect(claimed.body.record).toMatchObject({ id: squat.body.record.id, verified: true });
      expectError(await t.get('/api/collections/users/sessions', { token: squat.body.token }), 401);
      const again = await begin(sub('mallory-noemail'), 'oidc2');
      const back = await withCode({ provider: 'oidc2', code: again.code, codeVerifier: again.provider.codeVerifier, createData: { email: 'mallory2@example.com' } });
      expect(back.status, back.text).toBe(200);
      expect(back.body.record.id).not.toBe(squat.body.record.id);
    });

    it('signs up with the provider\'s email, never one from createData', async () => {
      const { provider, code } = await begin(account('eve', 'eve@example.com'));
      const res = await withCode({ provider: 'oidc', code, codeVerifier: provider.codeVerifier, createData: { email: 'victim@example.com', name: 'Eve' } });
      expect(res.status, res.text).toBe(200);
      expect(res.body.record).toMatchObject({ email: 'eve@example.com', name: 'Eve' });
    });

    it('links to the signed-in caller', async () => {
      const dan = await signUp(t, 'dan@example.com');
      const { provider, code } = await begin(account('dan-elsewhere', 'dan.other@example.net'));
      const res = await withCode({ provider: 'oidc', code, codeVerifier: provider.codeVerifier }, 'users', '');
      expect(res.status).toBe(200);
      // Without a caller, that identity became a new account; with one, it links to the caller.
      expect(res.body.meta.isNew).toBe(true);
      const next = await begin(account('dan2', 'dan.third@example.net'));
      const linked = await t.post('/api/collections/users/auth-with-oauth2', {
        provider: 'oidc', code: next.code, codeVerifier: next.provider.codeVerifier, redirectURL: oidc.redirectUri,
      }, { token: dan.token });
      expect(linked.status, linked.text).toBe(200);
      expect(linked.body.record.id).toBe(dan.id);
      expect((await rowsOf(t, '_externalAuths')).filter((r) => r.recordRef === dan.id)).toMatchObject([{ providerId: sub('dan2') }]);
    });

    it('refuses a wrong or missing code verifier and a replayed code, writing nothing', async () => {
      const erin = account('erin', 'erin@example.com');
      const before = await writes();
      const wrong = await begin(erin);
      expectError(await withCode({ provider: 'oidc', code: wrong.code, codeVerifier: 'x'.repeat(43) }), 400, { message: 'Failed to authenticate.', data: {} });
      const missing = await begin(erin);
      expectError(await withCode({ provider: 'oidc', code: missing.code }), 400, { message: 'Failed to authenticate.', data: {} });
      expect(await writes()).toEqual(before);

      const { provider, code } = await begin(erin);
      expect((await withCode({ provider: 'oidc', code, codeVerifier: provider.codeVerifier })).status).toBe(200);
      const after = await writes();
      expectError(await withCode({ provider: 'oidc', code, codeVerifier: provider.codeVerifier }), 400, { message: 'Failed to authenticate.' });
      expect(await writes()).toEqual(after);
      const failures = (await t.get(`/api/auth-log?filter=${encodeURIComponent('event = "oauth2" && outcome = "failure"')}&perPage=100`, { token: su })).body.items;
      expect(failures.length).toBeGreaterThanOrEqual(3);
    });

    it.each([
      { name: 'an unknown provider', body: { provider: 'nosuch', code: 'c', codeVerifier: 'v' }, code: 'validation_invalid_provider' },
      { name: 'a switched-off provider', body: { provider: 'github', code: 'c', codeVerifier: 'v' }, code: 'validation_invalid_provider' },
      { name: 'no code', body: { provider: 'oidc', codeVerifier: 'v' }, code: undefined },
    ])('answers 400 for $name', async ({ body, code }) => {
      const res = await withCode(body);
      expectError(res, 400);
      if (code) expect(res.body.data.provider.code).toBe(code);
    });

    it('signs in through the discovered generic OIDC provider', async () => {
      const { provider, code } = await begin(account('frank', 'frank@example.com'), 'oidc2');
      const res = await withCode({ provider: 'oidc2', code, codeVerifier: provider.codeVerifier });
      expect(res.status, res.text).toBe(200);
      expect(res.body.meta).toMatchObject({ id: sub('frank'), email: 'frank@example.com', isNew: true });
      expect((await rowsOf(t, '_externalAuths')).filter((r) => r.providerId === sub('frank'))).toMatchObject([{ provider: 'oidc2' }]);
      // Deleting the record deletes its links in the same transaction.
      expect((await t.delete(`/api/collections/users/records/${res.body.record.id}`, { token: su })).status).toBe(204);
      expect((await rowsOf(t, '_externalAuths')).filter((r) => r.providerId === sub('frank'))).toEqual([]);
    });

    describe('id_token checks (identity from the id_token alone)', () => {
      const now = () => Math.floor(Date.now() / 1000);
      const claims = (extra: Record<string, unknown> = {}) => ({
        iss: oidc.issuer, aud: oidc.clientId, sub: sub('grace'), email: 'grace@example.com', email_verified: true, iat: now(), exp: now() + 300, ...extra,
      });
      const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const otherKey = createPrivateKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
      const signedWith = (header: Record<string, unknown>, body: Record<string, unknown>, signer: (input: string) => string) => {
        const input = `${part(header)}.${part(body)}`;
        return `${input}.${signer(input)}`;
      };
      const attempt = async (idToken: string) => {
        nextIdToken = idToken;
        const provider = await providerOf('oidc3');
        return withCode({ provider: 'oidc3', code: 'any-code', codeVerifier: provider.codeVerifier });
      };

      it.each([
        { name: 'alg none', token: () => `${part({ alg: 'none', typ: 'JWT' })}.${part(claims())}.` },
        { name: 'alg none with a signature part', token: () => signedWith({ alg: 'none' }, claims(), () => 'AAAA') },
        { name: 'HS256 signed with the client secret', token: () => signedWith({ alg: 'HS256', kid: 'test-key' }, claims(), (i) => createHmac('sha256', oidc.clientSecret).update(i).digest('base64url')) },
        { name: 'another key under the provider kid', token: () => signedWith({ alg: 'RS256', kid: 'test-key' }, claims(), (i) => sign('sha256', Buffer.from(i), otherKey).toString('base64url')) },
        { name: 'a tampered payload', token: () => { const [h, , s] = oidc.signIdToken(claims()).split('.'); return `${h}.${part(claims({ sub: 'admin' }))}.${s}`; } },
        { name: 'another audience', token: () => oidc.signIdToken(claims({ aud: 'someone-else' })) },
        { name: 'another issuer', token: () => oidc.signIdToken(claims({ iss: 'https://evil.example' })) },
        { name: 'an expired token', token: () => oidc.signIdToken(claims({ exp: now() - 3600, iat: now() - 7200 })) },
        { name: 'garbage', token: () => 'not-a-jwt' },
      ])('refuses $name with 400 and writes nothing', async ({ token }) => {
        const before = await writes();
        expectError(await attempt(token()), 400, { message: 'Failed to authenticate.' });
        expect(await writes()).toEqual(before);
      });

      it('accepts a token the provider signed', async () => {
        const res = await attempt(oidc.signIdToken(claims()));
        expect(res.status, res.text).toBe(200);
        expect(res.body.meta).toMatchObject({ id: sub('grace'), email: 'grace@example.com', isNew: true });
      });
    });

    it('needs a second factor after OAuth2 with MFA on, and OAuth2 can be the second factor', async () => {
      const heidi = await signUp(t, 'heidi@example.com');
      // Verified, so linking by email keeps her password (an unverified record's is replaced).
      expect((await t.patch(`/api/collections/users/records/${heidi.id}`, { verified: true }, { token: su })).status).toBe(200);
      const heidiSub = account('heidi', 'heidi@example.com');
      // Link first, with MFA still off.
      const link = await begin(heidiSub);
      expect((await withCode({ provider: 'oidc', code: link.code, codeVerifier: link.provider.codeVerifier })).status).toBe(200);
      const users = (await t.get('/api/collections/users', { token: su })).body;
      expect((await t.patch('/api/collections/users', { mfa: { ...users.mfa, enabled: true } }, { token: su })).status).toBe(200);
      try {
        const first = await begin(heidiSub);
        const pb = sdkClient(t.url);
        const err = await sdkFailure(pb.collection('users').authWithOAuth2Code('oidc', first.code, first.provider.codeVerifier, oidc.redirectUri));
        expect(err.status).toBe(401);
        const mfaId = err.response.mfaId as string;
        expect(mfaId).toMatch(/^[a-z0-9]{15}$/);
        const done = await pb.collection('users').authWithPassword('heidi@example.com', heidi.password, { mfaId });
        expect(done.record.id).toBe(heidi.id);

        // Password first, OAuth2 second (the SDK sends mfaId as a query parameter).
        const pw = await t.post('/api/collections/users/auth-with-password', { identity: 'heidi@example.com', password: heidi.password });
        expect(pw.status).toBe(401);
        const second = await begin(heidiSub);
        const res = await withCode({ provider: 'oidc', code: second.code, codeVerifier: second.provider.codeVerifier }, 'users', `?mfaId=${pw.body.mfaId}`);
        expect(res.status, res.text).toBe(200);
        expect(res.body.record.id).toBe(heidi.id);
      } finally {
        await t.patch('/api/collections/users', { mfa: { ...users.mfa, enabled: false } }, { token: su });
      }
    });

    it('does not let anyone sign up as a superuser through OAuth2', async () => {
      await setOAuth2('_superusers', { enabled: true, providers: [oidcProvider()] });
      const before = await writes();
      const { provider, code } = await begin(account('ivan', 'ivan@example.com'), 'oidc', '_superusers');
      expectError(await withCode({ provider: 'oidc', code, codeVerifier: provider.codeVerifier }, '_superusers'), 400, { message: 'Failed to authenticate.' });
      expect(await writes()).toEqual(before);
    });

    it('never shows a client secret, and keeps it when a provider comes back without one', async () => {
      const replies = [
        await t.get('/api/collections/users', { token: su }),
        await t.get('/api/collections?perPage=200', { token: su }),
        await t.get('/api/collections/users/auth-methods'),
        await t.get('/api/collections/meta/scaffolds', { token: su }),
      ];
      const users = replies[0]!.body;
      for (const p of users.oauth2.providers) expect(p).not.toHaveProperty('clientSecret');
      // The dashboard sends back what it read, without the secret: the stored one stays.
      const patched = await setOAuth2('users', { ...users.oauth2, providers: users.oauth2.providers });
      replies.push(patched);
      const { provider, code } = await begin(account('judy', 'judy@example.com'));
      const signedIn = await withCode({ provider: 'oidc', code, codeVerifier: provider.codeVerifier });
      expect(signedIn.status, signedIn.text).toBe(200);
      replies.push(signedIn);
      for (const res of replies) {
        expect(res.text).not.toContain(oidc.clientSecret);
        expect(res.text).not.toContain('gh-secret-value');
      }
      // Stored sealed, not in plain text.
      const stored = JSON.stringify(await rowsOf(t, '_collections'));
      expect(stored).not.toContain(oidc.clientSecret);
      expect(stored).not.toContain('gh-secret-value');
      // A provider without any secret is refused.
      const res = await t.patch('/api/collections/users', { oauth2: { providers: [{ name: 'google', clientId: 'x' }] } }, { token: su });
      expectError(res, 400);
      expect(res.body.data.oauth2.providers['0'].clientSecret.code).toBe('validation_required');
    });
  });
}
