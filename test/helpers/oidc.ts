// Test-file helper: a real OpenID Connect provider (npm `oidc-provider` 8) on a loopback port, with
// one registered client (secret, PKCE S256), an account store, and a way to sign in over plain HTTP
// (a small cookie jar follows the authorization URL through a minimal interaction handler and
// captures the `code` from the redirect to the client).
import { createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { TestApp } from './app.js';

export interface OidcAccount {
  readonly sub: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly name?: string;
  readonly username?: string;
}

export interface OidcPeer {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The redirect URI registered for the client (nothing listens there: the code is read from the redirect). */
  readonly redirectUri: string;
  readonly jwksURL: string;
  /** Signs claims with the provider's own key (RS256, its `kid`): for tests that hand out id_tokens themselves. */
  signIdToken(claims: Record<string, unknown>): string;
  addAccount(account: OidcAccount): void;
  /**
   * Opens `authURL` (as `auth-methods` gives it, ending in `redirect_uri=`), signs in as `sub`, grants
   * consent and returns the `code` and `state` the provider redirects back with.
   */
  authorize(authURL: string, sub: string): Promise<{ code: string; state: string }>;
  /**
   * Opens a complete authorization URL (its `redirect_uri` already set, as the SDK's popup flow
   * builds it), signs in as `sub` and returns where the provider sends the browser back to.
   */
  signInAt(url: string, sub: string): Promise<URL>;
  /** Who the next sign-in at the provider is, when a real browser (not `authorize`/`signInAt`) drives it. */
  willSignInAs(sub: string): void;
  close(): Promise<void>;
}

/** Cookies by name, sent on every request to the provider (its cookies are path-scoped; extra ones are harmless). */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export interface OidcOptions {
  /** More redirect URIs to register for the client (e.g. a server's `/api/oauth2-redirect`). */
  readonly redirectUris?: readonly string[];
}

export async function startOidcProvider(options: OidcOptions = {}): Promise<OidcPeer> {
  const accounts = new Map<string, OidcAccount>();
  const clientId = 'mainspring-test';
  const clientSecret = randomBytes(24).toString('hex');
  const redirectUri = 'http://127.0.0.1:5173/oauth2-callback';
  // Who the next interaction signs in as (tests run one flow at a time).
  let nextAccount = '';

  let provider: Provider | null = null;
  const server: Server = createServer((req, res) => {
    if (!provider) {
      res.statusCode = 503;
      res.end();
      return;
    }
    if (req.url?.startsWith('/interaction/')) {
      void interact(provider, req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
      return;
    }
    provider.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function interact(p: Provider, req: Parameters<Provider['interactionDetails']>[0], res: Parameters<Provider['interactionDetails']>[1]): Promise<void> {
    const details = await p.interactionDetails(req, res);
    const grant = new p.Grant({ accountId: nextAccount, clientId });
    grant.addOIDCScope(String(details.params.scope ?? 'openid'));
    const grantId = await grant.save();
    // Login and consent in one step: the account is known and consent is given for what was asked.
    await p.interactionFinished(req, res, { login: { accountId: nextAccount }, consent: { grantId } }, { mergeWithLastSubmission: false });
  }

  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  provider = new Provider(issuer, {
    clients: [{
      client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri, ...(options.redirectUris ?? [])],
      grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post',
    }],
    pkce: { methods: ['S256'], required: () => true },
    jwks: { keys: [{ ...signingKey, kid: 'test-key', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
    features: { devInteractions: { enabled: false } },
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx: unknown, sub: string) => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub, email: account.email, email_verified: account.emailVerified,
          ...(account.name ? { name: account.name } : {}), ...(account.username ? { preferred_username: account.username } : {}),
        }),
      };
    },
  });
  // Quiet: the provider reports expected failures (bad verifiers, replayed codes) as events.
  provider.on('server_error', () => undefined);

  /** Follows the provider's redirects as a browser would, until one leaves the provider. */
  async function followToClient(start: string, sub: string): Promise<URL> {
    nextAccount = sub;
    const jar = new CookieJar();
    let url = start;
    for (let hop = 0; hop < 10; hop++) {
      const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
      jar.store(res);
      const location = res.headers.get('location');
      await res.arrayBuffer();
      if (!location) throw new Error(`the provider stopped at ${url}: ${res.status}`);
      const next = new URL(location, url);
      if (next.origin !== issuer) return next;
      url = next.href;
    }
    throw new Error('too many redirects');
  }

  return {
    issuer, clientId, clientSecret, redirectUri, jwksURL: `${issuer}/jwks`,
    signIdToken(claims) {
      const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const input = `${part({ alg: 'RS256', typ: 'JWT', kid: 'test-key' })}.${part(claims)}`;
      const key = createPrivateKey({ key: signingKey, format: 'jwk' });
      return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
    },
    addAccount(account) {
      accounts.set(account.sub, account);
    },
    async authorize(authURL, sub) {
      const next = await followToClient(authURL + encodeURIComponent(redirectUri), sub);
      if (!next.href.startsWith(redirectUri)) throw new Error(`redirected elsewhere: ${next.href}`);
      const code = next.searchParams.get('code');
      if (!code) throw new Error(`no code in the redirect: ${next.href}`);
      return { code, state: next.searchParams.get('state') ?? '' };
    },
    signInAt: (url, sub) => followToClient(url, sub),
    willSignInAs(sub) {
      nextAccount = sub;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A provider for the SDK's popup flow against `t`: it knows the server's `/api/oauth2-redirect`
 * (so it starts once the server's port is known) and is the `oidc` provider of `users`, found by
 * discovery from its issuer.
 */
export async function startOidcForPopups(t: TestApp): Promise<OidcPeer> {
  const oidc = await startOidcProvider({ redirectUris: [`${t.url}/api/oauth2-redirect`] });
  const res = await t.patch('/api/collections/users', {
    oauth2: {
      enabled: true,
      mappedFields: { name: 'name' },
      providers: [{ name: 'oidc', clientId: oidc.clientId, clientSecret: oidc.clientSecret, displayName: 'Test SSO', pkce: true, extra: { issuer: oidc.issuer } }],
    },
  }, { token: await t.superuserToken() });
  if (res.status !== 200) {
    await oidc.close();
    throw new Error(`configuring the oidc provider: ${res.status} ${res.text}`);
  }
  return oidc;
}
