// Provider resolution against a loopback discovery document, and the authorization URL it yields.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../core/secret-box.js';
import { createOutboundClient } from '../../outbound/index.js';
import { s256, startAuth } from './pkce.js';
import { createProviderResolver } from './resolve.js';

let server: Server;
let base = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    const issuer = req.url?.startsWith('/liar/') ? 'https://elsewhere.example' : `${base}/good`;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({
      issuer, authorization_endpoint: `${base}/good/authorize`, token_endpoint: `${base}/good/token`,
      userinfo_endpoint: `${base}/good/userinfo`, jwks_uri: `${base}/good/jwks`, token_endpoint_auth_methods_supported: ['client_secret_basic'],
    }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('provider resolution', () => {
  const secrets = createSecretBox('resolve-test-secret');
  const resolver = createProviderResolver(createOutboundClient({ allowPrivate: true }), secrets);

  it('fills a generic OIDC provider from its discovery document, and opens the sealed secret', async () => {
    const { provider } = await resolver.resolve({ name: 'oidc2', clientId: 'c', clientSecret: secrets.seal('s3cret'), extra: { issuer: `${base}/good` } });
    expect(provider).toMatchObject({
      authURL: `${base}/good/authorize`, tokenURL: `${base}/good/token`, userInfoURL: `${base}/good/userinfo`, jwksURL: `${base}/good/jwks`,
      issuers: [`${base}/good`], clientSecret: 's3cret', tokenAuth: 'client_secret_basic', pkce: true,
    });
  });

  it('refuses a discovery document that names another issuer, and an unknown provider', async () => {
    await expect(resolver.resolve({ name: 'oidc', clientId: 'c', clientSecret: 's', extra: { issuer: `${base}/liar` } })).rejects.toThrow(/another issuer/);
    await expect(resolver.resolve({ name: 'myspace', clientId: 'c', clientSecret: 's' })).rejects.toThrow(/Unknown provider/);
  });

  it('refuses discovery on a private address unless allowed', async () => {
    const guarded = createProviderResolver(createOutboundClient({ allowPrivate: false }), secrets);
    await expect(guarded.resolve({ name: 'oidc', clientId: 'c', clientSecret: 's', extra: { issuer: `${base}/good` } })).rejects.toThrow(/Refused/);
  });

  it('builds authorization URLs: PKCE S256 by default, Apple posts the form, pkce:false sends no challenge', async () => {
    const { provider: apple } = await resolver.resolve({ name: 'apple', clientId: 'com.example', clientSecret: 's' });
    const start = startAuth(apple);
    expect(start.authURL.endsWith('&redirect_uri=')).toBe(true);
    const params = new URL(start.authURL).searchParams;
    expect(Object.fromEntries(params)).toMatchObject({ response_mode: 'form_post', code_challenge: s256(start.codeVerifier), code_challenge_method: 'S256', state: start.state });
    const { provider: plain } = await resolver.resolve({ name: 'google', clientId: 'g', clientSecret: 's', pkce: false });
    const noPkce = startAuth(plain);
    expect(noPkce).toMatchObject({ codeVerifier: '', codeChallenge: '', codeChallengeMethod: '' });
    expect(new URL(noPkce.authURL).searchParams.has('code_challenge')).toBe(false);
  });
});
