// OAuth2 / OpenID Connect sign-in: providers, the code exchange, id_token checks and account links.
/** Resolves a collection's provider entries (with OIDC discovery). */
export { createProviderResolver, type ProviderResolver } from './resolve.js';
/** Verifies id_tokens against a JWKS. */
export { createIdTokenVerifier, type IdTokenVerifier } from './id-token.js';
/** The `oauth2` part of auth-methods. */
export { createOAuth2Methods, type ProviderInfo } from './methods.js';
/** `_externalAuths`: provider identities linked to records. */
export { createExternalAuthStore, externalAuthsMigration, EXTERNAL_AUTHS, type ExternalAuthStore } from './external-auths.js';
/** `auth-with-oauth2`. */
export { createOAuth2Service, type OAuth2Meta, type OAuth2Service } from './service.js';
/** Provider families by name. */
export { PROVIDERS } from './providers/registry.js';
/** Apple's client secret, made from its private key. */
export { appleClientSecret, MAX_APPLE_SECRET_SECONDS } from './apple-secret.js';
