// Turns a collection's provider entry into the endpoints and keys a sign-in uses: the entry's own
// values over its family's defaults, and for generic OIDC with `extra.issuer`, the discovery document.
import { LRUCache } from 'lru-cache';
import type { SecretBox } from '../../core/secret-box.js';
import type { OutboundClient } from '../../outbound/index.js';
import { getObject, isObject, ProviderError } from './http.js';
import { providerFamily } from './providers/registry.js';
import type { ProviderFamily, ResolvedProvider } from './providers/types.js';

/** A provider entry as a collection keeps it (API.md §3), the client secret sealed. */
export type ProviderEntry = Readonly<Record<string, unknown>>;

export interface ProviderResolver {
  /** The family and the resolved provider; a ProviderError when discovery fails. */
  resolve(entry: ProviderEntry): Promise<{ family: ProviderFamily; provider: ResolvedProvider }>;
}

interface Discovery {
  readonly issuer: string;
  readonly authURL: string;
  readonly tokenURL: string;
  readonly userInfoURL: string;
  readonly jwksURL: string;
  readonly tokenAuthMethods: readonly string[];
}

const DISCOVERY_TTL_MS = 60 * 60_000;
const WELL_KNOWN = '/.well-known/openid-configuration';

const str = (entry: Readonly<Record<string, unknown>>, key: string): string => (typeof entry[key] === 'string' ? (entry[key] as string).trim() : '');

export function createProviderResolver(http: OutboundClient, secrets: SecretBox): ProviderResolver {
  const discoveries = new LRUCache<string, Discovery>({ max: 100, ttl: DISCOVERY_TTL_MS });

  async function discover(issuer: string): Promise<Discovery> {
    const cached = discoveries.get(issuer);
    if (cached) return cached;
    const doc = await getObject(http, issuer.replace(/\/+$/, '') + WELL_KNOWN);
    // OpenID Connect Discovery §4.3: the document must name exactly the issuer it was fetched for.
    if (str(doc, 'issuer').replace(/\/+$/, '') !== issuer.replace(/\/+$/, '')) throw new ProviderError('The discovery document names another issuer.');
    const found: Discovery = {
      issuer: str(doc, 'issuer'),
      authURL: str(doc, 'authorization_endpoint'),
      tokenURL: str(doc, 'token_endpoint'),
      userInfoURL: str(doc, 'userinfo_endpoint'),
      jwksURL: str(doc, 'jwks_uri'),
      tokenAuthMethods: Array.isArray(doc.token_endpoint_auth_methods_supported) ? doc.token_endpoint_auth_methods_supported.filter((m): m is string => typeof m === 'string') : [],
    };
    if (found.authURL === '' || found.tokenURL === '') throw new ProviderError('The discovery document lacks endpoints.');
    discoveries.set(issuer, found);
    return found;
  }

  return {
    async resolve(entry) {
      const name = str(entry, 'name');
      const family = providerFamily(name);
      if (!family) throw new ProviderError(`Unknown provider ${name}.`);
      const extra = isObject(entry.extra) ? entry.extra : {};
      const issuer = str(extra, 'issuer');
      const discovered = family.discoverable && issuer !== '' ? await discover(issuer) : null;
      const pick = (key: 'authURL' | 'tokenURL' | 'userInfoURL'): string => str(entry, key) || discovered?.[key] || family[key];
      const extraIssuers = Array.isArray(extra.issuers) ? extra.issuers.filter((i): i is string => typeof i === 'string' && i !== '') : [];
      const issuers = [...(family.issuers ?? []), ...(discovered ? [discovered.issuer] : issuer !== '' ? [issuer] : []), ...extraIssuers];
      // NOTE: OIDC's default is client_secret_basic; post is used unless the provider says it only takes basic.
      const methods = discovered?.tokenAuthMethods ?? [];
      const tokenAuth = str(extra, 'tokenAuthMethod') === 'client_secret_basic' || (methods.length > 0 && !methods.includes('client_secret_post') && methods.includes('client_secret_basic'))
        ? 'client_secret_basic' : 'client_secret_post';
      const provider: ResolvedProvider = {
        name,
        displayName: str(entry, 'displayName') || family.displayName,
        clientId: str(entry, 'clientId'),
        clientSecret: secrets.open(str(entry, 'clientSecret')),
        authURL: pick('authURL'),
        tokenURL: pick('tokenURL'),
        userInfoURL: pick('userInfoURL'),
        scopes: family.scopes,
        pkce: typeof entry.pkce === 'boolean' ? entry.pkce : family.pkce,
        authParams: family.authParams ?? {},
        tokenAuth,
        jwksURL: str(extra, 'jwksURL') || discovered?.jwksURL || family.jwksURL || '',
        issuers,
        extra,
      };
      if (provider.authURL === '' || provider.tokenURL === '') throw new ProviderError(`Provider ${name} has no authorization or token URL.`);
      return { family, provider };
    },
  };
}
