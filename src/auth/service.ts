// Sign-in and token checks: password sign-in, refresh, and the token -> caller lookup that runs on
// every request (cached; a change to the record or its session drops the cached entry at once).
import { LRUCache } from 'lru-cache';
import type { Bus, CounterStore } from '../cache/index.js';
import { isAuthCollection, SUPERUSERS_ID, type Collection, type CollectionRegistry } from '../collections/index.js';
import type { AuthState } from '../core/auth-state.js';
import { AppError, MfaRequiredError, RateLimitedError, ValidationError, fieldError, type FieldError } from '../core/errors.js';
import type { SecretBox } from '../core/secret-box.js';
import type { ListParams, ListResult, RequestInfo } from '../query/index.js';
import { renderTemplate, type Mailer } from '../mail/index.js';
import { newRecordId } from '../core/ids.js';
import { systemContext, type RecordJson, type RecordService, type StoredRecord } from '../records/index.js';
import type { Argon2Hasher } from './passwords.js';
import type { PasswordRehasher } from './rehash.js';
import { dateMs, formatDate } from '../core/time.js';
import type { AuthEvent, AuthLog } from './auth-log.js';
import type { MfaStore } from './mfas.js';
import type { OriginStore } from './origins.js';
import type { TotpEnrollment, TotpStore } from './totp.js';
import { newOtpCode, type OtpStore } from './otps.js';
import { isLive, type Session, type SessionStore } from './sessions.js';
import { peekActionClaims, peekAuthClaims, signActionToken, signAuthToken, verifyAuthToken, type ActionTokenType } from './tokens.js';

/** Where a request comes from, for sessions and the auth log. */
export interface Peer {
  readonly ip: string;
  readonly userAgent: string;
}

export interface ClientInfo extends ReplyOptions, Peer {}

/** What shapes an auth reply's record: the request (for rules) and the `expand` parameter. */
export interface ReplyOptions {
  readonly request: RequestInfo;
  readonly expand?: string;
}

export interface AuthReply {
  readonly token: string;
  readonly record: RecordJson;
}

export interface AuthService {
  /** The caller a token names, or null (a guest) for a missing, bad, expired or revoked token. */
  authenticate(token: string): Promise<AuthState | null>;
  /** The caller of a token verified earlier and still valid, without I/O; undefined when not known. */
  authenticateCached(token: string): AuthState | undefined;
  authWithPassword(collection: string, body: unknown, client: ClientInfo): Promise<AuthReply>;
  authRefresh(collection: string, caller: AuthState | null, options: ClientInfo): Promise<AuthReply>;
  /** Signs in a record directly (the CLI and tests): a new session and its token. */
  issueToken(collection: Collection, record: StoredRecord, client: Omit<ClientInfo, 'request'>): Promise<string>;
  /** Drops every cached token of a record (after a change or a revocation). */
  forgetRecord(collectionId: string, recordId: string): void;
  /** Deletes a session: its tokens count as a guest from the next request on. */
  revokeSession(sessionId: string): Promise<void>;
  /** A page of the caller's sessions on collection `c` (superusers: those of `recordId`). */
  listSessions(collection: string, caller: AuthState | null, query: SessionQuery): Promise<ListResult<SessionJson>>;
  /** Ends one of the caller's sessions (superusers: any of the collection's); 404 when not theirs. */
  revokeSessionOf(collection: string, caller: AuthState | null, sessionId: string, client: Peer): Promise<void>;
  /** Ends every session of the caller but the current one (superusers: every session of `recordId`). */
  revokeOtherSessions(collection: string, caller: AuthState | null, recordId: string | undefined, client: Peer): Promise<void>;
  /** Mails a verification link to an unverified record with this email; answers alike whether or not one exists. */
  requestVerification(collection: string, body: unknown): Promise<void>;
  /** The id of the record a password sign-in `identity` names (email or username), or null. */
  recordIdOfIdentity(collection: string, identity: string): Promise<string | null>;
  /** `POST /api/settings/test/email`: one of the collection's templates, with sample values, to any address. */
  sendTestEmail(body: unknown): Promise<void>;
  /** Marks the record a verification token names as verified; 400 for a bad, expired or stale token. */
  confirmVerification(collection: string, body: unknown): Promise<void>;
  /** Mails a password-reset link to the record with this email; answers alike whether or not one exists. */
  requestPasswordReset(collection: string, body: unknown): Promise<void>;
  /** Sets a new password from a reset token (ending every session); 400 for a bad token or password. */
  confirmPasswordReset(collection: string, body: unknown, client: Peer): Promise<void>;
  /** Mails a confirmation link to the caller's new address; 400 when it is malformed or taken. */
  requestEmailChange(collection: string, caller: AuthState | null, body: unknown): Promise<void>;
  /** Moves the record to the new address from an email-change token and its current password. */
  confirmEmailChange(collection: string, body: unknown, client: Peer): Promise<void>;
  /** A superuser signs in as `recordId`: a non-refreshable token for a session of `duration` seconds (0: the collection's). */
  impersonate(collection: string, caller: AuthState | null, recordId: string, body: unknown, client: ClientInfo): Promise<AuthReply>;
  /** Mails a one-time code to the record with this email; answers an `otpId` whether or not one exists. */
  requestOtp(collection: string, body: unknown): Promise<{ otpId: string }>;
  /** Signs in with an `otpId` and its code: once, within `otp.duration`, a few attempts at most. */
  authWithOtp(collection: string, body: unknown, client: ClientInfo): Promise<AuthReply>;
  /** Starts TOTP for the caller: a secret and its otpauth:// URL for an authenticator app. */
  totpEnroll(collection: string, caller: AuthState | null): Promise<TotpEnrollment>;
  /** Confirms the caller's TOTP with a current code; returns ten single-use recovery codes. */
  totpConfirm(collection: string, caller: AuthState | null, body: unknown): Promise<{ recoveryCodes: string[] }>;
  /** Turns the caller's TOTP off, given a current code or a recovery code. */
  totpRemove(collection: string, caller: AuthState | null, body: unknown): Promise<void>;
  /** Completes an MFA session with a TOTP code or a recovery code. */
  authWithTotp(collection: string, body: unknown, client: ClientInfo): Promise<AuthReply>;
  /** Which sign-in methods a collection offers, in PocketBase's `auth-methods` shape. */
  authMethods(collection: string): Promise<AuthMethods>;
  /**
   * For sign-in methods built outside this file (OAuth2): the authRule and second-factor checks a
   * first factor passes; 403, or 401 `{mfaId}` when a second factor is needed.
   */
  checkSignIn(collection: string, record: StoredRecord, attempt: SignInAttempt, client: ClientInfo): Promise<void>;
  /** Completes a sign-in that passed `checkSignIn`: session, token, new-device alert, auth log, reply. */
  finishSignIn(collection: string, record: StoredRecord, attempt: SignInAttempt, client: ClientInfo): Promise<AuthReply>;
}

/** One sign-in by a method other than password: how it is named in MFA sessions and the auth log. */
export interface SignInAttempt {
  readonly method: string;
  readonly event: AuthEvent;
  /** What the auth log shows as the identity. */
  readonly identity: string;
  /** The MFA session a second factor completes (body or query), if any. */
  readonly mfaId?: unknown;
}

/** A session as its owner sees it (CONTRACT.md: sessions). */
export interface SessionJson {
  readonly id: string;
  readonly collectionId: string;
  readonly record: string;
  readonly userAgent: string;
  readonly ip: string;
  readonly created: string;
  readonly lastSeen: string;
  readonly expires: string;
  /** The session of the token that asks. */
  readonly current: boolean;
}

export interface SessionQuery {
  readonly params: ListParams;
  readonly request: RequestInfo;
  /** Superusers: whose sessions. */
  readonly recordId?: string;
}

export interface AuthMethods {
  readonly password: { readonly enabled: boolean; readonly identityFields: readonly string[] };
  readonly oauth2: OAuth2Methods;
  readonly mfa: { readonly enabled: boolean; readonly duration: number };
  readonly otp: { readonly enabled: boolean; readonly duration: number };
  /** Legacy keys older SDKs read. */
  readonly authProviders: readonly unknown[];
  readonly usernamePassword: boolean;
  readonly emailPassword: boolean;
}

/** The `oauth2` part of `auth-methods`. */
export interface OAuth2Methods { readonly enabled: boolean; readonly providers: readonly unknown[] }

export interface AuthServiceDeps {
  readonly registry: CollectionRegistry;
  readonly records: RecordService;
  readonly sessions: SessionStore;
  readonly secrets: SecretBox;
  readonly passwords: Argon2Hasher;
  /** Stores a verified password again when its hash has outdated parameters. */
  readonly rehash: PasswordRehasher;
  readonly mailer: Mailer;
  readonly authLog: AuthLog;
  readonly otps: OtpStore;
  readonly mfas: MfaStore;
  readonly origins: OriginStore;
  readonly totps: TotpStore;
  /** `{APP_NAME}` and `{APP_URL}` in mail templates. */
  readonly app: { readonly name: string; readonly url: string };
  /** Carries revocations to every node's token cache. */
  readonly bus: Bus;
  /** Counts wrong TOTP codes per record, on every node. */
  readonly counters: CounterStore;
  /** The OAuth2 providers a collection offers, with fresh state and PKCE values (auth-methods). */
  readonly oauth2Methods?: (collection: Collection) => Promise<OAuth2Methods>;
}

/** Bus channel of revocations: ended sessions, or a record whose tokens all changed. */
const REVOKED_CHANNEL = 'auth.revoked';
type Revocation = { readonly sessions: readonly string[] } | { readonly collectionId: string; readonly recordId: string };

/**
 * Wrong TOTP codes a record may get in a window, whichever MFA sessions they came through: a new
 * password sign-in must not buy new guesses at a six-digit code.
 */
const MAX_TOTP_GUESSES = 10;
const TOTP_GUESS_WINDOW_MS = 15 * 60 * 1000;

type AuthCollection = Collection & { auth: NonNullable<Collection['auth']> };

/** The templates `POST /api/settings/test/email` can send, by PocketBase's names. */
const TEST_TEMPLATES = {
  'verification': (c: AuthCollection) => c.auth.verificationTemplate,
  'password-reset': (c: AuthCollection) => c.auth.resetPasswordTemplate,
  'email-change': (c: AuthCollection) => c.auth.confirmEmailChangeTemplate,
  'otp': (c: AuthCollection) => c.auth.otp.emailTemplate,
  'login-alert': (c: AuthCollection) => c.auth.authAlert.emailTemplate,
} as const;

const MISSING_AUTH_COLLECTION = 'Missing or invalid auth collection context.';
const FAILED = 'Failed to authenticate.';
const VALIDATION_FAILED = 'An error occurred while validating the submitted data.';
const NEEDS_AUTH = 'The request requires valid record authorization token.';
const AUTH_RULE_FAILED = "The request doesn't satisfy the collection requirements to authenticate.";
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;
// Cached answers are rechecked at least this often, so an expiring session is noticed in time.
const CACHE_TTL_MS = 60_000;

// `lastSeen` is written at most this often, off the request path (API.md §2).
const LAST_SEEN_INTERVAL_MS = 60_000;

interface CachedAuth {
  readonly state: AuthState;
  readonly expiresAt: number;
  /** The collection version the token was verified against: any change (a new secret, a delete) means recheck. */
  readonly collection: Collection;
  /** `authToken.idleTimeout` in ms; 0 = none. */
  readonly idleMs: number;
  /** The last request with this token, and the last `lastSeen` written for its session (ms). */
  lastActivity: number;
  lastWritten: number;
}

export function createAuthService({ registry, records, sessions, secrets, passwords, rehash, mailer, authLog, otps, mfas, origins, totps, app, bus, counters, oauth2Methods }: AuthServiceDeps): AuthService {
  /** One auth log line for `record` (or for an identity that matched none). */
  const logEvent = (collection: Collection, event: AuthEvent, outcome: 'success' | 'failure', client: Peer, record: StoredRecord | null, identity?: string): Promise<void> =>
    authLog.record({
      collectionId: collection.id, recordId: record?.id ?? '', identity: identity ?? String(record?.email ?? ''),
      event, outcome, ip: client.ip, userAgent: client.userAgent,
    });

  const cache = new LRUCache<string, CachedAuth>({ max: 10_000, ttl: CACHE_TTL_MS });
  // Bumped by every drop from the cache: a lookup that read the database before a drop must not
  // cache what it read (the change or revocation may have landed just after its reads).
  let generation = 0;


  function authCollection(idOrName: string): AuthCollection {
    const collection = registry.get(idOrName);
    if (!collection || !isAuthCollection(collection)) throw new AppError('not_found', MISSING_AUTH_COLLECTION);
    return collection;
  }

  const signingKey = (collection: Collection & { auth: NonNullable<Collection['auth']> }, record: StoredRecord): string =>
    String(record.tokenKey ?? '') + secrets.open(collection.auth.authToken.secret);

  function forgetWhere(matches: (state: AuthState) => boolean): void {
    generation++;
    for (const [token, entry] of cache.entries()) {
      if (matches(entry.state)) cache.delete(token);
    }
  }

  function forgetLocally(revocation: Revocation): void {
    if ('sessions' in revocation) {
      const ended = new Set(revocation.sessions);
      forgetWhere((state) => ended.has(state.sessionId));
    } else {
      forgetWhere((state) => state.collectionId === revocation.collectionId && state.record.id === revocation.recordId);
    }
  }

  // Here at once (the answer must not outrun it), and on every other node through the Bus.
  function forget(revocation: Revocation): void {
    forgetLocally(revocation);
    bus.publish(REVOKED_CHANNEL, JSON.stringify(revocation));
  }
  bus.subscribe(REVOKED_CHANNEL, (message) => {
    try {
      forgetLocally(JSON.parse(message) as Revocation);
    } catch {
      // Not ours to read: nothing to forget.
    }
  }, { othersOnly: true });

  const forgetRecord = (collectionId: string, recordId: string): void => forget({ collectionId, recordId });
  const forgetSessions = (ids: Iterable<string>): void => forget({ sessions: [...ids] });

  // A changed or deleted auth record may have a new tokenKey or be gone: its cached tokens must go.
  records.onChange((change) => {
    if (change.collection.type === 'auth' && change.action !== 'create') forgetRecord(change.collection.id, change.record.id);
  });

  function authenticateCached(token: string): AuthState | undefined {
    const cached = cache.get(token);
    if (!cached) return undefined;
    const now = Date.now();
    const idle = cached.idleMs > 0 && now - cached.lastActivity >= cached.idleMs;
    if (cached.expiresAt > now && !idle && registry.get(cached.state.collectionId) === cached.collection) {
      cached.lastActivity = now;
      if (now - cached.lastWritten >= LAST_SEEN_INTERVAL_MS) {
        cached.lastWritten = now;
        touchSession(cached.state.sessionId, now);
      }
      return cached.state;
    }
    cache.delete(token);
    return undefined;
  }

  /** Records activity on a session, off the request path: a lost write only makes `lastSeen` older. */
  function touchSession(sessionId: string, at: number): void {
    sessions.touch(sessionId, formatDate(new Date(at))).catch(() => undefined);
  }

  /**
   * Whose sessions a caller may act on in `collection`: its own, or, for a superuser, the record it
   * names (its own when it names none and the collection is its own). `current` is the caller's session there.
   */
  function sessionOwner(collection: Collection, caller: AuthState | null, recordId: string | undefined): { recordId: string; current: string | null } {
    if (!caller) throw new AppError('unauthorized', NEEDS_AUTH);
    const own = caller.collectionId === collection.id;
    if (recordId !== undefined && recordId !== '' && !(own && recordId === caller.record.id)) {
      if (!caller.isSuperuser) throw new AppError('forbidden', 'The authorized record is not allowed to perform this action.');
      return { recordId, current: null };
    }
    if (!own) {
      if (caller.isSuperuser) throw new ValidationError(VALIDATION_FAILED, { record: fieldError('validation_required', 'Cannot be blank.') });
      throw new AppError('forbidden', 'The authorized record is not allowed to perform this action.');
    }
    return { recordId: caller.record.id, current: caller.sessionId };
  }

  const ACTIONS = {
    verification: { token: 'verificationToken', template: 'verificationTemplate' },
    passwordReset: { token: 'passwordResetToken', template: 'resetPasswordTemplate' },
    emailChange: { token: 'emailChangeToken', template: 'confirmEmailChangeTemplate' },
  } as const;

  const actionKey = (collection: AuthCollection, record: StoredRecord, type: ActionTokenType): string =>
    String(record.tokenKey ?? '') + secrets.open(collection.auth[ACTIONS[type].token].secret);

  /** Mails the collection's template for `type` with a fresh token for `record` (to `newEmail` for an email change). */
  async function mailActionLink(collection: AuthCollection, record: StoredRecord, type: ActionTokenType, newEmail?: string): Promise<void> {
    const { duration } = collection.auth[ACTIONS[type].token];
    const claims = { id: record.id, collectionId: collection.id, email: String(record.email), ...(newEmail === undefined ? {} : { newEmail }) };
    const token = signActionToken(actionKey(collection, record, type), type, claims, duration);
    const { subject, html } = renderTemplate(collection.auth[ACTIONS[type].template], { APP_NAME: app.name, APP_URL: app.url, TOKEN: token });
    await mailer.send({ to: newEmail ?? String(record.email), subject, html });
  }

  /** The record a mailed token names, if the token is good, current and still meant for its email; else a 400. */
  async function recordOfActionToken(collection: AuthCollection, token: string, type: ActionTokenType): Promise<StoredRecord> {
    const claims = peekActionClaims(token, type);
    const record = claims && claims.collectionId === collection.id ? await records.findStored(collection, claims.id) : null;
    if (!record || !verifyAuthToken(token, actionKey(collection, record, type)) || String(record.email).toLowerCase() !== claims!.email.toLowerCase()) {
      throw new ValidationError(VALIDATION_FAILED, { token: fieldError('validation_invalid_token', 'Invalid or expired token.') });
    }
    return record;
  }

  /**
   * With `mfa.enabled`, a first factor only opens an MFA session (401 with its id); a second,
   * different factor sent with that `mfaId` in time completes the sign-in. Without it, nothing to do.
   * The SDK sends `mfaId` as a query parameter, a plain client in the body: both count, as in PocketBase.
   */
  async function secondFactorGate(collection: AuthCollection, record: StoredRecord, method: string, rawMfaId: unknown, client: ClientInfo): Promise<void> {
    // A record with confirmed TOTP always needs it second, whatever `mfa.enabled` says (CONTRACT.md).
    const needsTotp = await totps.isConfirmed(collection.id, record.id);
    // `mfa.rule` narrows MFA to the records it matches (empty: all of them), as in PocketBase.
    const mfaApplies = collection.auth.mfa.enabled && (await records.matchesRule(collection, 'mfaRule', record.id, client.request));
    if (!mfaApplies && !needsTotp) return;
    const mfaId = typeof rawMfaId === 'string' ? rawMfaId : '';
    if (mfaId === '') {
      const mfa = await mfas.create({ collectionId: collection.id, recordId: record.id, method });
      await logEvent(collection, 'mfa', 'success', client, record, method);
      throw new MfaRequiredError(mfa.id);
    }
    const mfa = await liveMfa(collection, mfaId);
    if (!mfa || mfa.recordId !== record.id || mfa.method === method || (needsTotp && method !== 'totp')) {
      await logEvent(collection, 'mfa', 'failure', client, record, method);
      throw invalidMfa();
    }
    await mfas.remove(mfa.id);
  }

  const invalidMfa = (): AppError => new ValidationError(VALIDATION_FAILED, { mfaId: fieldError('validation_invalid_mfa', 'Invalid or expired MFA session.') });

  /** The MFA session `mfaId` names on this collection, if it has not expired. */
  async function liveMfa(collection: AuthCollection, mfaId: string) {
    const mfa = mfaId.length <= 64 ? await mfas.get(mfaId) : null;
    if (!mfa || mfa.collectionId !== collection.id) return null;
    const expired = dateMs(mfa.created) + collection.auth.mfa.duration * 1000 <= Date.now();
    return expired ? null : mfa;
  }

  /** The caller's own record in `collection`, or 401/403. */
  function ownRecord(collection: AuthCollection, caller: AuthState | null): StoredRecord {
    if (!caller) throw new AppError('unauthorized', NEEDS_AUTH);
    if (caller.collectionId !== collection.id) throw new AppError('forbidden', 'The authorized record is not allowed to perform this action.');
    return caller.record;
  }

  function codeOf(rawBody: unknown): string {
    const code = bodyOf(rawBody).code;
    if (typeof code !== 'string' || code.trim() === '') throw new ValidationError(VALIDATION_FAILED, { code: fieldError('validation_required', 'Cannot be blank.') });
    return code.slice(0, 64);
  }

  const invalidCode = (): AppError => new ValidationError(VALIDATION_FAILED, { code: fieldError('validation_invalid_code', 'Invalid or expired code.') });

  /** After a sign-in: remembers the device, and mails the record when it is a new one (authAlert). */
  async function alertOnNewDevice(collection: AuthCollection, record: StoredRecord, client: Peer): Promise<void> {
    const { isNewDevice } = await origins.remember(collection.id, record.id, client.ip, client.userAgent);
    const email = String(record.email ?? '');
    if (!isNewDevice || !collection.auth.authAlert.enabled || email === '') return;
    const info = `${formatDate(new Date())} — IP ${client.ip} — ${client.userAgent || 'unknown device'}`;
    const { subject, html } = renderTemplate(collection.auth.authAlert.emailTemplate, { APP_NAME: app.name, APP_URL: app.url, ALERT_INFO: info });
    await mailer.send({ to: email, subject, html });
  }

  function bodyOf(rawBody: unknown): Record<string, unknown> {
    return rawBody !== null && typeof rawBody === 'object' && !Array.isArray(rawBody) ? (rawBody as Record<string, unknown>) : {};
  }

  /** The `email` of a request body; 400 with PocketBase's field codes when missing or malformed. */
  function emailOf(rawBody: unknown, name = 'email'): string {
    const email = bodyOf(rawBody)[name];
    if (typeof email !== 'string' || email.trim() === '') throw new ValidationError(VALIDATION_FAILED, { [name]: fieldError('validation_required', 'Cannot be blank.') });
    if (email.length > 255 || !EMAIL_SHAPE.test(email)) throw new ValidationError(VALIDATION_FAILED, { [name]: fieldError('validation_is_email', 'Must be a valid email address.') });
    return email;
  }

  function tokenOf(rawBody: unknown): string {
    const token = bodyOf(rawBody).token;
    if (typeof token !== 'string' || token === '') throw new ValidationError(VALIDATION_FAILED, { token: fieldError('validation_required', 'Cannot be blank.') });
    return token;
  }

  function sessionJson(session: Session, current: string | null): SessionJson {
    return {
      id: session.id, collectionId: session.collectionId, record: session.recordId, userAgent: session.userAgent, ip: session.ip,
      created: session.created, lastSeen: session.lastSeen, expires: session.expires, current: session.id === current,
    };
  }

  async function authenticate(token: string): Promise<AuthState | null> {
    const cached = authenticateCached(token);
    if (cached) return cached;
    const startedAt = generation;
    const claims = peekAuthClaims(token);
    if (!claims || claims.exp * 1000 <= Date.now()) return null;
    const collection = registry.get(claims.collectionId);
    if (!collection || !isAuthCollection(collection) || collection.id !== claims.collectionId) return null;
    const record = await records.findStored(collection, claims.id);
    if (!record || !verifyAuthToken(token, signingKey(collection, record))) return null;
    const session = await sessions.get(claims.sid);
    if (!session || !isLive(session) || session.recordId !== record.id || session.collectionId !== collection.id) return null;
    // A session unused for longer than `authToken.idleTimeout` has ended.
    const now = Date.now();
    const idleMs = (collection.auth.authToken.idleTimeout ?? 0) * 1000;
    const lastSeen = dateMs(session.lastSeen);
    if (idleMs > 0 && now - lastSeen >= idleMs) return null;
    let lastWritten = lastSeen;
    if (now - lastSeen >= LAST_SEEN_INTERVAL_MS) {
      lastWritten = now;
      touchSession(session.id, now);
    }
    const state: AuthState = {
      collectionId: collection.id,
      collectionName: collection.name,
      record,
      sessionId: session.id,
      isSuperuser: collection.id === SUPERUSERS_ID,
      token,
      refreshable: claims.refreshable,
    };
    const sessionEnd = session.expires === '' ? Number.POSITIVE_INFINITY : dateMs(session.expires);
    if (generation === startedAt) cache.set(token, { state, expiresAt: Math.min(claims.exp * 1000, sessionEnd), collection, idleMs, lastActivity: now, lastWritten });
    return state;
  }

  async function issueToken(collection: Collection, record: StoredRecord, client: Omit<ClientInfo, 'request'>): Promise<string> {
    const c = authCollection(collection.id);
    const session = await sessions.create({
      collectionId: c.id, recordId: record.id, userAgent: client.userAgent, ip: client.ip,
      refreshable: true, maxAgeSeconds: c.auth.authToken.maxAge ?? 0,
    });
    return signAuthToken(signingKey(c, record), { id: record.id, collectionId: c.id, refreshable: true, sid: session.id }, c.auth.authToken.duration);
  }

  /** `{token, record}`; the record always shows its email and is expanded as the caller asked. */
  async function reply(collection: Collection, record: StoredRecord, token: string, client: ReplyOptions): Promise<AuthReply> {
    const isSuperuser = collection.id === SUPERUSERS_ID;
    // Expanded relations are read as the record that just signed in.
    const auth: AuthState = { collectionId: collection.id, collectionName: collection.name, record, sessionId: '', isSuperuser, token, refreshable: false };
    const request = { ...client.request, auth: { ...record, collectionId: collection.id, collectionName: collection.name } };
    const json = await records.present(collection, record, { auth, request, expand: client.expand }, { isSuperuser, ownRecordId: record.id, alwaysShowEmail: true });
    return { token, record: json };
  }

  async function findByIdentity(collection: Collection & { auth: NonNullable<Collection['auth']> }, identity: string, identityField: string | undefined): Promise<StoredRecord | null> {
    const fields = identityField ? [identityField] : collection.auth.passwordAuth.identityFields;
    for (const field of fields) {
      const isEmail = field === 'email';
      // PocketBase tries the email field only with an email-shaped identity, and matches it ignoring case.
      if (isEmail && !EMAIL_SHAPE.test(identity)) continue;
      const record = await records.findByField(collection, field, identity, { ignoreCase: isEmail });
      if (record) return record;
    }
    return null;
  }

  return {
    authenticate,
    authenticateCached,
    issueToken,
    forgetRecord,
    async authMethods(idOrName) {
      const collection = authCollection(idOrName);
      const { auth } = collection;
      const password = auth.passwordAuth;
      const oauth2 = oauth2Methods ? await oauth2Methods(collection) : { enabled: false, providers: [] };
      return {
        password: { enabled: password.enabled, identityFields: password.identityFields },
        oauth2,
        mfa: { enabled: auth.mfa.enabled, duration: auth.mfa.duration },
        otp: { enabled: auth.otp.enabled, duration: auth.otp.duration },
        authProviders: oauth2.providers,
        usernamePassword: password.enabled && password.identityFields.includes('username'),
        emailPassword: password.enabled && password.identityFields.includes('email'),
      };
    },
    async checkSignIn(idOrName, record, attempt, client) {
      const collection = authCollection(idOrName);
      if (!(await records.matchesRule(collection, 'authRule', record.id, client.request))) {
        await logEvent(collection, attempt.event, 'failure', client, record, attempt.identity);
        throw new AppError('forbidden', AUTH_RULE_FAILED);
      }
      await secondFactorGate(collection, record, attempt.method, attempt.mfaId, client);
    },
    async finishSignIn(idOrName, record, attempt, client) {
      const collection = authCollection(idOrName);
      const token = await issueToken(collection, record, client);
      await alertOnNewDevice(collection, record, client);
      await logEvent(collection, attempt.event, 'success', client, record, attempt.identity);
      return reply(collection, record, token, client);
    },
    async revokeSession(sessionId) {
      await sessions.revoke(sessionId);
      forgetSessions([sessionId]);
    },
    async recordIdOfIdentity(idOrName, identity) {
      const collection = registry.get(idOrName);
      if (!collection || !isAuthCollection(collection)) return null;
      return (await findByIdentity(collection, identity, undefined))?.id ?? null;
    },
    async sendTestEmail(rawBody) {
      const body = bodyOf(rawBody);
      const errors: Record<string, FieldError> = {};
      const to = typeof body.email === 'string' ? body.email.trim() : '';
      if (!EMAIL_SHAPE.test(to) || to.length > 255) errors.email = fieldError('validation_is_email', 'Must be a valid email address.');
      const kind = typeof body.template === 'string' ? body.template : '';
      if (!Object.hasOwn(TEST_TEMPLATES, kind)) errors.template = fieldError('validation_in_invalid', `Must be one of ${Object.keys(TEST_TEMPLATES).join(', ')}.`);
      const collection = registry.get(typeof body.collection === 'string' && body.collection !== '' ? body.collection : SUPERUSERS_ID);
      if (!collection || !isAuthCollection(collection)) errors.collection = fieldError('validation_invalid_collection', 'Missing or invalid auth collection.');
      if (Object.keys(errors).length) throw new ValidationError(VALIDATION_FAILED, errors);
      const template = TEST_TEMPLATES[kind as keyof typeof TEST_TEMPLATES](collection as AuthCollection);
      const { subject, html } = renderTemplate(template, {
        APP_NAME: app.name, APP_URL: app.url, TOKEN: 'TEST_TOKEN', OTP: '12345678', OTP_ID: 'TEST_OTP_ID',
        ALERT_INFO: 'Test device (127.0.0.1)', RECORD_ID: 'TEST_RECORD_ID',
      });
      await mailer.send({ to, subject, html });
    },
    async requestVerification(idOrName, rawBody) {
      const collection = authCollection(idOrName);
      const record = await records.findByField(collection, 'email', emailOf(rawBody), { ignoreCase: true });
      if (!record || record.verified === true) return;
      await mailActionLink(collection, record, 'verification');
    },
    async confirmVerification(idOrName, rawBody) {
      const collection = authCollection(idOrName);
      const record = await recordOfActionToken(collection, tokenOf(rawBody), 'verification');
      if (record.verified === true) return;
      await records.update(collection.id, record.id, { verified: true }, systemContext());
    },
    async requestPasswordReset(idOrName, rawBody) {
      const collection = authCollection(idOrName);
      const record = await records.findByField(collection, 'email', emailOf(rawBody), { ignoreCase: true });
      if (!record) return;
      await mailActionLink(collection, record, 'passwordReset');
    },
    async confirmPasswordReset(idOrName, rawBody, client) {
      const collection = authCollection(idOrName);
      const body = bodyOf(rawBody);
      if (typeof body.password !== 'string' || body.password === '') {
        throw new ValidationError(VALIDATION_FAILED, { password: fieldError('validation_required', 'Cannot be blank.') });
      }
      const record = await recordOfActionToken(collection, tokenOf(rawBody), 'passwordReset');
      // The records service checks the password rules and rotates the tokenKey, which ends every
      // session and makes this link useless. Opening the mailed link proved the email, as in PocketBase.
      await records.update(collection.id, record.id, {
        password: body.password, passwordConfirm: body.passwordConfirm, ...(record.verified === true ? {} : { verified: true }),
      }, systemContext());
      await logEvent(collection, 'password_change', 'success', client, record);
    },
    async requestEmailChange(idOrName, caller, rawBody) {
      const collection = authCollection(idOrName);
      if (!caller) throw new AppError('unauthorized', NEEDS_AUTH);
      if (caller.collectionId !== collection.id) throw new AppError('forbidden', 'The authorized record is not allowed to perform this action.');
      const newEmail = emailOf(rawBody, 'newEmail');
      const taken = await records.findByField(collection, 'email', newEmail, { ignoreCase: true });
      if (taken) throw new ValidationError(VALIDATION_FAILED, { newEmail: fieldError('validation_email_exists', 'The email is already in use.') });
      const record = await records.findStored(collection, caller.record.id);
      if (!record) throw new AppError('unauthorized', NEEDS_AUTH);
      await mailActionLink(collection, record, 'emailChange', newEmail);
    },
    async confirmEmailChange(idOrName, rawBody, client) {
      const collection = authCollection(idOrName);
      const body = bodyOf(rawBody);
      const password = typeof body.password === 'string' ? body.password : '';
      if (password === '') throw new ValidationError(VALIDATION_FAILED, { password: fieldError('validation_required', 'Cannot be blank.') });
      const token = tokenOf(rawBody);
      const record = await recordOfActionToken(collection, token, 'emailChange');
      if (!(await passwords.verify(String(record.password), password))) {
        throw new ValidationError(VALIDATION_FAILED, { password: fieldError('validation_invalid_password', 'Missing or invalid auth record password.') });
      }
      await rehash(collection, record, password);
      const newEmail = peekActionClaims(token, 'emailChange')!.newEmail!;
      // A new email rotates the tokenKey: every session ends and the link is spent. Opening it proved the address.
      await records.update(collection.id, record.id, { email: newEmail, verified: true }, systemContext());
      await logEvent(collection, 'email_change', 'success', client, record, newEmail);
    },
    async impersonate(idOrName, caller, recordId, rawBody, client) {
      if (!caller) throw new AppError('unauthorized', NEEDS_AUTH);
      if (!caller.isSuperuser) throw new AppError('forbidden', 'Only superusers can perform this action.');
      const collection = authCollection(idOrName);
      const duration = bodyOf(rawBody).duration ?? 0;
      if (typeof duration !== 'number' || !Number.isSafeInteger(duration) || duration < 0) {
        throw new ValidationError(VALIDATION_FAILED, { duration: fieldError('validation_min_greater_equal_than_required', 'Must be no less than 0.') });
      }
      const record = await records.findStored(collection, recordId);
      if (!record) throw new AppError('not_found');
      const seconds = duration > 0 ? duration : collection.auth.authToken.duration;
      // Its own session, ending with the token: listed and revocable like any other.
      const session = await sessions.create({
        collectionId: collection.id, recordId: record.id, userAgent: client.userAgent, ip: client.ip, refreshable: false, maxAgeSeconds: seconds,
      });
      const token = signAuthToken(signingKey(collection, record), { id: record.id, collectionId: collection.id, refreshable: false, sid: session.id }, seconds);
      await logEvent(collection, 'impersonate', 'success', client, record);
      return reply(collection, record, token, client);
    },
    async requestOtp(idOrName, rawBody) {
      const collection = authCollection(idOrName);
      if (!collection.auth.otp.enabled) throw new AppError('forbidden', 'The collection is not configured to allow OTP authentication.');
      const email = emailOf(rawBody);
      const record = await records.findByField(collection, 'email', email, { ignoreCase: true });
      const code = newOtpCode(collection.auth.otp.length);
      // Hashed whether or not the email exists, so both answers take about as long.
      const passwordHash = await passwords.hash(code);
      const otpId = newRecordId();
      if (!record) return { otpId };
      await otps.create({ id: otpId, collectionId: collection.id, recordId: record.id, passwordHash, sentTo: String(record.email) });
      const { subject, html } = renderTemplate(collection.auth.otp.emailTemplate, { APP_NAME: app.name, APP_URL: app.url, OTP: code, OTP_ID: otpId });
      await mailer.send({ to: String(record.email), subject, html });
      return { otpId };
    },
    async authWithOtp(idOrName, rawBody, client) {
      const collection = authCollection(idOrName);
      if (!collection.auth.otp.enabled) throw new AppError('forbidden', 'The collection is not configured to allow OTP authentication.');
      const body = bodyOf(rawBody);
      const errors: Record<string, FieldError> = {};
      const otpId = typeof body.otpId === 'string' ? body.otpId : '';
      const code = typeof body.password === 'string' ? body.password : '';
      if (otpId === '') errors.otpId = fieldError('validation_required', 'Cannot be blank.');
      if (code === '') errors.password = fieldError('validation_required', 'Cannot be blank.');
      if (Object.keys(errors).length) throw new ValidationError(VALIDATION_FAILED, errors);

      const otp = otpId.length <= 64 ? await otps.get(otpId) : null;
      const expired = otp !== null && dateMs(otp.created) + collection.auth.otp.duration * 1000 <= Date.now();
      if (!otp || otp.collectionId !== collection.id || expired) {
        if (otp && expired) await otps.remove(otp.id);
        await passwords.dummyVerify(code);
        throw new AppError('bad_request', FAILED);
      }
      // PocketBase's answer to more than five tries of one code: 429, until the code has expired.
      if (!(await otps.tryOnce(otp.id))) {
        throw new RateLimitedError((dateMs(otp.created) + collection.auth.otp.duration * 1000 - Date.now()) / 1000, 'Too many attempts: request a new code.');
      }
      const record = await records.findStored(collection, otp.recordId);
      if (!record || !(await passwords.verify(otp.passwordHash, code))) {
        await logEvent(collection, 'otp', 'failure', client, record, otp.sentTo);
        throw new AppError('bad_request', FAILED);
      }
      await otps.remove(otp.id);
      if (!(await records.matchesRule(collection, 'authRule', record.id, client.request))) {
        await logEvent(collection, 'otp', 'failure', client, record, otp.sentTo);
        throw new AppError('forbidden', AUTH_RULE_FAILED);
      }
      await secondFactorGate(collection, record, 'otp', body.mfaId ?? client.request.query.mfaId, client);
      // The code reached the record's inbox: its email is proven, as PocketBase marks it.
      let signedIn = record;
      if (record.verified !== true && otp.sentTo.toLowerCase() === String(record.email).toLowerCase()) {
        await records.update(collection.id, record.id, { verified: true }, systemContext());
        signedIn = { ...record, verified: true };
      }
      const token = await issueToken(collection, signedIn, client);
      await alertOnNewDevice(collection, signedIn, client);
      await logEvent(collection, 'otp', 'success', client, signedIn);
      return reply(collection, signedIn, token, client);
    },
    async totpEnroll(idOrName, caller) {
      const collection = authCollection(idOrName);
      const record = ownRecord(collection, caller);
      const enrollment = await totps.enroll(collection.id, record.id, String(record.email || record.id), app.name);
      if (!enrollment) throw new AppError('bad_request', 'TOTP is already on for this record; turn it off first.');
      return enrollment;
    },
    async totpConfirm(idOrName, caller, rawBody) {
      const collection = authCollection(idOrName);
      const record = ownRecord(collection, caller);
      const recoveryCodes = await totps.confirm(collection.id, record.id, codeOf(rawBody));
      if (!recoveryCodes) throw invalidCode();
      return { recoveryCodes };
    },
    async totpRemove(idOrName, caller, rawBody) {
      const collection = authCollection(idOrName);
      const record = ownRecord(collection, caller);
      if (!(await totps.check(collection.id, record.id, codeOf(rawBody)))) throw invalidCode();
      await totps.remove(collection.id, record.id);
    },
    async authWithTotp(idOrName, rawBody, client) {
      const collection = authCollection(idOrName);
      const body = bodyOf(rawBody);
      const mfaId = typeof body.mfaId === 'string' ? body.mfaId : typeof client.request.query.mfaId === 'string' ? client.request.query.mfaId : '';
      if (mfaId === '') throw new ValidationError(VALIDATION_FAILED, { mfaId: fieldError('validation_required', 'Cannot be blank.') });
      const code = codeOf(rawBody);
      const mfa = await liveMfa(collection, mfaId);
      const record = mfa ? await records.findStored(collection, mfa.recordId) : null;
      if (!mfa || !record || mfa.method === 'totp') throw invalidMfa();
      // Counted before the check, so parallel guesses cannot outrun the count; a right code clears it.
      const guessKey = `totp:${collection.id}:${record.id}`;
      const guesses = await counters.hit(guessKey, TOTP_GUESS_WINDOW_MS);
      if (guesses.count > MAX_TOTP_GUESSES) {
        await mfas.remove(mfa.id);
        await logEvent(collection, 'lockout', 'failure', client, record, 'totp');
        throw new RateLimitedError(guesses.resetInMs / 1000, 'Too many wrong codes: try again later.');
      }
      if (!(await totps.check(collection.id, record.id, code))) {
        await logEvent(collection, 'mfa', 'failure', client, record, 'totp');
        throw new AppError('bad_request', FAILED);
      }
      await counters.delete(guessKey);
      await mfas.remove(mfa.id);
      const token = await issueToken(collection, record, client);
      await alertOnNewDevice(collection, record, client);
      await logEvent(collection, 'mfa', 'success', client, record, 'totp');
      return reply(collection, record, token, client);
    },
    async listSessions(idOrName, caller, query) {
      const collection = authCollection(idOrName);
      const owner = sessionOwner(collection, caller, query.recordId);
      const page = await sessions.page(collection.id, owner.recordId, query.params, query.request);
      return { ...page, items: page.items.map((s) => sessionJson(s, owner.current)) };
    },
    async revokeSessionOf(idOrName, caller, sessionId, client) {
      const collection = authCollection(idOrName);
      const session = await sessions.get(sessionId);
      const mayEnd = session !== null && session.collectionId === collection.id &&
        (caller?.isSuperuser === true || (caller !== null && caller.collectionId === collection.id && session.recordId === caller.record.id));
      if (!caller) throw new AppError('unauthorized', NEEDS_AUTH);
      if (!mayEnd) throw new AppError('not_found');
      await sessions.revoke(sessionId);
      forgetSessions([sessionId]);
      await logEvent(collection, 'signout', 'success', client, { id: session!.recordId }, '');
    },
    async revokeOtherSessions(idOrName, caller, recordId, client) {
      const collection = authCollection(idOrName);
      const owner = sessionOwner(collection, caller, recordId);
      const ended = new Set(await sessions.revokeAllBut(collection.id, owner.recordId, owner.current ?? ''));
      if (ended.size) forgetSessions(ended);
      await logEvent(collection, 'signout', 'success', client, { id: owner.recordId }, '');
    },
    async authWithPassword(idOrName, rawBody, client) {
      const collection = authCollection(idOrName);
      if (!collection.auth.passwordAuth.enabled) throw new AppError('forbidden', 'The collection is not configured to allow password authentication.');
      const body = (rawBody !== null && typeof rawBody === 'object' && !Array.isArray(rawBody) ? rawBody : {}) as Record<string, unknown>;
      const errors: Record<string, FieldError> = {};
      const identity = typeof body.identity === 'string' ? body.identity : '';
      const password = typeof body.password === 'string' ? body.password : '';
      if (identity === '') errors.identity = fieldError('validation_required', 'Cannot be blank.');
      if (password === '') errors.password = fieldError('validation_required', 'Cannot be blank.');
      const identityField = typeof body.identityField === 'string' && body.identityField !== '' ? body.identityField : undefined;
      if (identityField !== undefined && !collection.auth.passwordAuth.identityFields.includes(identityField)) {
        errors.identityField = fieldError('validation_in_invalid', 'Must be a valid value.');
      }
      if (Object.keys(errors).length) throw new ValidationError(VALIDATION_FAILED, errors);

      const record = await findByIdentity(collection, identity.slice(0, 255), identityField);
      if (!record) {
        await passwords.dummyVerify(password);
        await logEvent(collection, 'signin_failed', 'failure', client, null, identity);
        throw new AppError('bad_request', FAILED);
      }
      if (!(await passwords.verify(String(record.password ?? ''), password))) {
        await logEvent(collection, 'signin_failed', 'failure', client, record, identity);
        throw new AppError('bad_request', FAILED);
      }
      // The password is proven even if a rule or a second factor stops this sign-in.
      await rehash(collection, record, password);
      if (!(await records.matchesRule(collection, 'authRule', record.id, client.request))) {
        await logEvent(collection, 'signin_failed', 'failure', client, record, identity);
        throw new AppError('forbidden', AUTH_RULE_FAILED);
      }
      await secondFactorGate(collection, record, 'password', body.mfaId ?? client.request.query.mfaId, client);
      // TODO(#6): rate limits.
      const token = await issueToken(collection, record, client);
      await alertOnNewDevice(collection, record, client);
      await logEvent(collection, 'signin', 'success', client, record, identity);
      return reply(collection, record, token, client);
    },
    async authRefresh(idOrName, caller, options) {
      const collection = authCollection(idOrName);
      if (!caller) throw new AppError('unauthorized', 'The request requires valid record authorization token.');
      if (caller.collectionId !== collection.id) throw new AppError('forbidden', 'The request requires valid auth record of the current collection.');
      const record = await records.findStored(collection, caller.record.id);
      // The record went without a change event (a truncate): the caller no longer exists, so it is a guest.
      if (!record) {
        forgetRecord(collection.id, caller.record.id);
        throw new AppError('unauthorized', 'The request requires valid record authorization token.');
      }
      if (!caller.refreshable) return reply(collection, record, caller.token, options);
      const token = signAuthToken(signingKey(collection, record), { id: record.id, collectionId: collection.id, refreshable: true, sid: caller.sessionId }, collection.auth.authToken.duration);
      await logEvent(collection, 'refresh', 'success', options, record);
      return reply(collection, record, token, options);
    },
  };
}
