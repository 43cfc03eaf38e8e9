// Each provider family's reading of its provider's answers, against a loopback stand-in serving
// the documented response shapes (nothing leaves the machine).
import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundClient } from '../../../outbound/index.js';
import { createIdTokenVerifier } from '../id-token.js';
import { PROVIDERS } from './registry.js';
import type { ResolvedProvider, TokenSet } from './types.js';

const appleKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ANSWERS: Record<string, unknown> = {
  '/google/me': { sub: 'g1', name: 'Gina', email: 'gina@example.com', email_verified: true, picture: 'https://img/g.png' },
  '/github/user': { id: 42, login: 'octo', name: 'Octo Cat', email: null, avatar_url: 'https://img/o.png' },
  '/github/user/emails': [{ email: 'old@example.com', primary: false, verified: true }, { email: 'octo@example.com', primary: true, verified: true }],
  '/microsoft/me': { id: 'm1', displayName: 'Max', mail: 'max@example.com', userPrincipalName: 'max@tenant' },
  '/gitlab/user': { id: 7, name: 'Gil', username: 'gil', email: 'gil@example.com', confirmed_at: '2024-01-01T00:00:00Z', avatar_url: 'https://img/gl.png' },
  '/discord/me': { id: '99', username: 'dis', global_name: 'Dis Cord', email: 'dis@example.com', verified: false, avatar: 'abc' },
  '/facebook/me': { id: 'f1', name: 'Fay', email: 'fay@example.com', picture: { data: { url: 'https://img/f.png' } } },
  '/oidc/me': { sub: 'o1', name: 'Olly', preferred_username: 'olly', email: 'olly@example.com', email_verified: 'true', picture: '' },
  '/apple/keys': { keys: [{ ...appleKey.publicKey.export({ format: 'jwk' }), kid: 'a1', use: 'sig' }] },
};

let server: Server;
let base = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    const answer = ANSWERS[req.url ?? ''];
    res.statusCode = answer === undefined ? 404 : req.headers.authorization === 'Bearer at' || req.url === '/apple/keys' ? 200 : 401;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(res.statusCode === 200 ? answer : { error: 'nope' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function appleIdToken(): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${part({ alg: 'ES256', kid: 'a1' })}.${part({ iss: 'https://appleid.apple.com', aud: 'client', sub: 'a.1', email: 'ann@privaterelay.appleid.com', email_verified: 'true', iat: now, exp: now + 60 })}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: appleKey.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

describe('provider families', () => {
  const http = createOutboundClient({ allowPrivate: true });
  const idTokens = createIdTokenVerifier(http);
  const resolved = (name: string, userInfoPath: string): ResolvedProvider => {
    const family = PROVIDERS[name]!;
    return {
      name, displayName: family.displayName, clientId: 'client', clientSecret: 'secret', authURL: family.authURL, tokenURL: family.tokenURL,
      userInfoURL: userInfoPath === '' ? '' : base + userInfoPath, scopes: family.scopes, pkce: family.pkce, authParams: family.authParams ?? {},
      tokenAuth: 'client_secret_post', jwksURL: name === 'apple' ? `${base}/apple/keys` : '', issuers: family.issuers ?? [], extra: {},
    };
  };
  const tokens = (idToken = ''): TokenSet => ({ accessToken: 'at', refreshToken: '', expiry: null, idToken });

  it.each([
    ['google', '/google/me', { id: 'g1', name: 'Gina', email: 'gina@example.com', emailVerified: true, avatarURL: 'https://img/g.png' }],
    ['github', '/github/user', { id: '42', username: 'octo', name: 'Octo Cat', email: 'octo@example.com', emailVerified: true, avatarURL: 'https://img/o.png' }],
    ['microsoft', '/microsoft/me', { id: 'm1', name: 'Max', email: 'max@example.com', emailVerified: false }],
    ['gitlab', '/gitlab/user', { id: '7', username: 'gil', email: 'gil@example.com', emailVerified: true, avatarURL: 'https://img/gl.png' }],
    ['discord', '/discord/me', { id: '99', name: 'Dis Cord', username: 'dis', emailVerified: false, avatarURL: 'https://cdn.discordapp.com/avatars/99/abc.png' }],
    ['facebook', '/facebook/me', { id: 'f1', name: 'Fay', email: 'fay@example.com', emailVerified: true, avatarURL: 'https://img/f.png' }],
    ['oidc', '/oidc/me', { id: 'o1', name: 'Olly', username: 'olly', email: 'olly@example.com', emailVerified: true }],
  ])('%s', async (name, path, expected) => {
    const user = await PROVIDERS[name]!.fetchUser(tokens(), { provider: resolved(name, path), http, idTokens });
    expect(user).toMatchObject(expected);
  });

  it('apple reads the verified id_token', async () => {
    const user = await PROVIDERS.apple!.fetchUser(tokens(appleIdToken()), { provider: resolved('apple', ''), http, idTokens });
    expect(user).toMatchObject({ id: 'a.1', email: 'ann@privaterelay.appleid.com', emailVerified: true });
    await expect(PROVIDERS.apple!.fetchUser(tokens(), { provider: resolved('apple', ''), http, idTokens })).rejects.toThrow(/id_token/);
  });

  it('fails on a provider error answer', async () => {
    await expect(PROVIDERS.google!.fetchUser({ ...tokens(), accessToken: 'wrong' }, { provider: resolved('google', '/google/me'), http, idTokens })).rejects.toThrow(/401/);
  });
});
