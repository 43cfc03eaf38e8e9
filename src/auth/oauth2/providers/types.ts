// What every OAuth2 provider family supplies: its well-known endpoints and scopes, and how to turn
// the provider's answer into a user. The flow around them is the same for all (../flow.ts).
import type { OutboundClient } from '../../../outbound/index.js';
import type { IdTokenVerifier } from '../id-token.js';

/** The identity a provider vouches for, normalised. */
export interface OAuth2User {
  readonly id: string;
  readonly name: string;
  readonly username: string;
  readonly email: string;
  /** Whether the provider says it checked the email: only then may it link an existing account. */
  readonly emailVerified: boolean;
  readonly avatarURL: string;
  readonly rawUser: Readonly<Record<string, unknown>>;
}

/** The token endpoint's answer. */
export interface TokenSet {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** When the access token expires; null when the provider did not say. */
  readonly expiry: Date | null;
  /** '' when the provider sent none. */
  readonly idToken: string;
}

/** A provider as configured on a collection, merged over its family's defaults (client secret opened). */
export interface ResolvedProvider {
  readonly name: string;
  readonly displayName: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authURL: string;
  readonly tokenURL: string;
  readonly userInfoURL: string;
  readonly scopes: readonly string[];
  readonly pkce: boolean;
  /** Extra query parameters for the authorization URL (Apple's `response_mode=form_post`). */
  readonly authParams: Readonly<Record<string, string>>;
  /** How the client authenticates at the token endpoint. */
  readonly tokenAuth: 'client_secret_post' | 'client_secret_basic';
  /** For id_token checks: the JWKS URL and the accepted issuers ('' / [] when unknown). */
  readonly jwksURL: string;
  readonly issuers: readonly string[];
  readonly extra: Readonly<Record<string, unknown>>;
}

export interface FetchUserContext {
  readonly provider: ResolvedProvider;
  readonly http: OutboundClient;
  readonly idTokens: IdTokenVerifier;
}

export interface ProviderFamily {
  readonly displayName: string;
  readonly authURL: string;
  readonly tokenURL: string;
  readonly userInfoURL: string;
  readonly scopes: readonly string[];
  readonly pkce: boolean;
  readonly authParams?: Readonly<Record<string, string>>;
  readonly jwksURL?: string;
  readonly issuers?: readonly string[];
  /** True for the generic OIDC family, whose endpoints may come from discovery. */
  readonly discoverable?: boolean;
  fetchUser(tokens: TokenSet, ctx: FetchUserContext): Promise<OAuth2User>;
}

/** A provider answer's field as text ('' when missing), numbers included (GitHub ids are numbers). */
export function text(raw: Readonly<Record<string, unknown>>, key: string): string {
  const v = raw[key];
  return typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
}

/** `true` or `"true"` (Apple sends booleans as strings). */
export const truthy = (v: unknown): boolean => v === true || v === 'true';
