// The `oauth2` part of `auth-methods`: each configured provider with a fresh state and PKCE pair.
import type { Collection } from '../../collections/index.js';
import type { Logger } from '../../core/logger.js';
import { startAuth } from './pkce.js';
import type { ProviderEntry, ProviderResolver } from './resolve.js';

/** One provider as `auth-methods` lists it (PocketBase's shape, with the legacy `authUrl`). */
export interface ProviderInfo {
  readonly name: string;
  readonly displayName: string;
  readonly state: string;
  readonly authURL: string;
  readonly authUrl: string;
  readonly codeVerifier: string;
  readonly codeChallenge: string;
  readonly codeChallengeMethod: string;
}

/** The providers of a collection that sign-in may use: listed, and not switched off one by one. */
export function activeProviders(collection: Collection): ProviderEntry[] {
  const oauth2 = collection.auth?.oauth2;
  if (!oauth2?.enabled) return [];
  return oauth2.providers.filter((p) => p.enabled !== false);
}

export function createOAuth2Methods(resolver: ProviderResolver, log: Logger) {
  return async (collection: Collection): Promise<{ enabled: boolean; providers: ProviderInfo[] }> => {
    const providers: ProviderInfo[] = [];
    for (const entry of activeProviders(collection)) {
      try {
        const { provider } = await resolver.resolve(entry);
        const start = startAuth(provider);
        providers.push({
          name: provider.name, displayName: provider.displayName, state: start.state, authURL: start.authURL, authUrl: start.authURL,
          codeVerifier: start.codeVerifier, codeChallenge: start.codeChallenge, codeChallengeMethod: start.codeChallengeMethod,
        });
      } catch (err) {
        // One unreachable provider (discovery down) must not hide the other sign-in methods.
        log.warn({ collection: collection.name, provider: entry.name, err: err instanceof Error ? err.message : String(err) }, 'oauth2 provider unavailable');
      }
    }
    return { enabled: collection.auth?.oauth2.enabled === true, providers };
  };
}
