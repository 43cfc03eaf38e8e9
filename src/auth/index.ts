// Auth: password hashing, sessions, tokens and the sign-in routes.
export type { AuthMethods, AuthReply, AuthService, AuthServiceDeps, ClientInfo, OAuth2Methods, Peer, SignInAttempt } from './service.js';
/** The auth log: every sign-in, failure, refresh, sign-out and credential change. */
export { authLogMigration, createAuthLog, type AuthEvent, type AuthLog, type AuthLogEntry } from './auth-log.js';
/** Password sign-in, refresh and the per-request token check. */
export { createAuthService } from './service.js';
/** Argon2id, with input capped before hashing. */
export {
  createArgon2Hasher, DEFAULT_ARGON2_PARAMS, MAX_PASSWORD_BYTES, parseArgon2Hash, type Argon2Hasher, type Argon2Params,
} from './passwords.js';
/** Rehash on sign-in when the Argon2 parameters changed. */
export { createPasswordRehasher, type PasswordRehasher } from './rehash.js';
export { createSessionStore, type Session, type SessionStore } from './sessions.js';
/** TOTP second factor with recovery codes. */
export { createTotpStore, totpsMigration, type TotpStore } from './totp.js';
/** The devices a record signed in from, for new-device alerts. */
export { createOriginStore, originsMigration, type OriginStore } from './origins.js';
/** MFA sessions between a first and a second factor. */
export { createMfaStore, mfasMigration, type MfaStore } from './mfas.js';
/** One-time codes for OTP sign-in. */
export { createOtpStore, otpsMigration, MAX_OTP_ATTEMPTS, type OtpStore } from './otps.js';
/** Cookie mode: the session cookie, the CSRF cookie and the checks on requests that use them. */
export { createAuthCookies, CSRF_HEADER, type AuthCookies, type AuthCookieSettings } from './cookies.js';
/** Sets `request.auth` from the Authorization header (or, in cookie mode, the cookie) on every request. */
export { authHook, tokenFromHeader } from './hook.js';
export { authRoutes } from './routes.js';
/** Rate limits per client IP and lockout per identity on the credential routes. */
export { rateLimits } from './limits.js';
/** `superuserIPs`: superusers act only from the addresses listed. */
export { superuserIps } from './superuser-ips.js';
/** OAuth2 / OpenID Connect sign-in. */
export {
  createExternalAuthStore, createIdTokenVerifier, createOAuth2Methods, createOAuth2Service, createProviderResolver, externalAuthsMigration,
  type OAuth2Service,
} from './oauth2/index.js';
