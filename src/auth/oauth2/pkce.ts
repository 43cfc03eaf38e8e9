// PKCE values and the authorization URL the client opens (API.md §6: it ends in `&redirect_uri=`).
import { createHash, randomBytes } from 'node:crypto';
import type { ResolvedProvider } from './providers/types.js';

/** A random URL-safe string of `length` characters (43 gives 256 bits for a code verifier). */
export const randomToken = (length: number): string => randomBytes(Math.ceil((length * 3) / 4) + 1).toString('base64url').slice(0, length);

/** RFC 7636 S256: base64url(sha256(verifier)). */
export const s256 = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

export interface AuthStart {
  readonly state: string;
  readonly codeVerifier: string;
  readonly codeChallenge: string;
  readonly codeChallengeMethod: string;
  readonly authURL: string;
}

export function startAuth(provider: ResolvedProvider): AuthStart {
  const state = randomToken(30);
  const codeVerifier = provider.pkce ? randomToken(43) : '';
  const codeChallenge = provider.pkce ? s256(codeVerifier) : '';
  const url = new URL(provider.authURL);
  const params = url.searchParams;
  params.set('client_id', provider.clientId);
  params.set('response_type', 'code');
  if (provider.scopes.length) params.set('scope', provider.scopes.join(' '));
  params.set('state', state);
  for (const [k, v] of Object.entries(provider.authParams)) params.set(k, v);
  if (provider.pkce) {
    params.set('code_challenge', codeChallenge);
    params.set('code_challenge_method', 'S256');
  }
  params.delete('redirect_uri');
  return {
    state, codeVerifier, codeChallenge, codeChallengeMethod: provider.pkce ? 'S256' : '',
    // The client appends its own redirect URL (PocketBase's convention).
    authURL: `${url.href}&redirect_uri=`,
  };
}
