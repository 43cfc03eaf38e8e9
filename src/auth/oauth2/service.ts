// `auth-with-oauth2`: exchanges the code (with the PKCE verifier), learns who the provider says the
// user is, finds or creates the auth record, and signs it in through the same checks as a password.
import { isAuthCollection, SUPERUSERS_ID, type Collection, type CollectionRegistry } from '../../collections/index.js';
import type { AuthState } from '../../core/auth-state.js';
import { AppError, ValidationError, fieldError, type FieldError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { formatDate } from '../../core/time.js';
import { OutboundError, type OutboundClient } from '../../outbound/index.js';
import { systemContext, type RecordService, type StoredRecord } from '../../records/index.js';
import type { AuthLog } from '../auth-log.js';
import type { AuthReply, AuthService, ClientInfo } from '../service.js';
import { exchangeCode } from './exchange.js';
import type { ExternalAuthStore } from './external-auths.js';
import { ProviderError } from './http.js';
import type { IdTokenVerifier } from './id-token.js';
import { activeProviders } from './methods.js';
import { randomToken } from './pkce.js';
import type { OAuth2User, TokenSet } from './providers/types.js';
import type { ProviderResolver } from './resolve.js';

/** `meta` of an OAuth2 sign-in (API.md §6). */
export interface OAuth2Meta {
  readonly id: string;
  readonly name: string;
  readonly username: string;
  readonly email: string;
  readonly avatarURL: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiry: string;
  readonly rawUser: Readonly<Record<string, unknown>>;
  readonly isNew: boolean;
}

export interface OAuth2Service {
  authWithOAuth2(collection: string, body: unknown, caller: AuthState | null, client: ClientInfo): Promise<AuthReply & { meta: OAuth2Meta }>;
}

export interface OAuth2ServiceDeps {
  readonly registry: CollectionRegistry;
  readonly records: RecordService;
  readonly auth: AuthService;
  readonly authLog: AuthLog;
  readonly resolver: ProviderResolver;
  readonly http: OutboundClient;
  readonly idTokens: IdTokenVerifier;
  readonly externalAuths: ExternalAuthStore;
  readonly log: Logger;
}

const FAILED = 'Failed to authenticate.';
const VALIDATION_FAILED = 'An error occurred while validating the submitted data.';
const MAX_INPUT = 4096;

type AuthCollection = Collection & { auth: NonNullable<Collection['auth']> };

interface Input {
  readonly provider: string;
  readonly code: string;
  readonly codeVerifier: string;
  readonly redirectURL: string;
  readonly createData: Readonly<Record<string, unknown>>;
  readonly mfaId: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function readInput(rawBody: unknown, client: ClientInfo): Input {
  const body = isObject(rawBody) ? rawBody : {};
  const str = (key: string): string => (typeof body[key] === 'string' ? (body[key] as string) : '');
  const errors: Record<string, FieldError> = {};
  const input: Input = {
    provider: str('provider'),
    code: str('code'),
    codeVerifier: str('codeVerifier'),
    // `redirectUrl` is the spelling of SDKs before 0.23.
    redirectURL: str('redirectURL') || str('redirectUrl'),
    createData: isObject(body.createData) ? body.createData : {},
    mfaId: body.mfaId ?? client.request.query.mfaId,
  };
  if (input.provider === '') errors.provider = fieldError('validation_required', 'Cannot be blank.');
  else if (input.provider.length > 100) errors.provider = fieldError('validation_length_out_of_range', 'The length must be between 0 and 100.');
  if (input.code === '') errors.code = fieldError('validation_required', 'Cannot be blank.');
  if (input.redirectURL === '') errors.redirectURL = fieldError('validation_required', 'Cannot be blank.');
  for (const key of ['code', 'codeVerifier', 'redirectURL'] as const) {
    if (input[key].length > MAX_INPUT) errors[key] = fieldError('validation_length_out_of_range', `The length must be between 0 and ${MAX_INPUT}.`);
  }
  if (body.createData !== undefined && body.createData !== null && !isObject(body.createData)) errors.createData = fieldError('validation_invalid_value', 'Must be an object.');
  if (Object.keys(errors).length) throw new ValidationError(VALIDATION_FAILED, errors);
  return input;
}

export function createOAuth2Service({ registry, records, auth, authLog, resolver, http, idTokens, externalAuths, log }: OAuth2ServiceDeps): OAuth2Service {
  function authCollection(idOrName: string): AuthCollection {
    const collection = registry.get(idOrName);
    if (!collection || !isAuthCollection(collection)) throw new AppError('not_found', 'Missing or invalid auth collection context.');
    return collection;
  }

  const logFailure = (collection: Collection, client: ClientInfo, identity: string, recordId = ''): Promise<void> =>
    authLog.record({ collectionId: collection.id, recordId, identity, event: 'oauth2', outcome: 'failure', ip: client.ip, userAgent: client.userAgent });

  /** The provider's view of the user; any provider trouble is one 400 for the client and a log line here. */
  async function identify(collection: AuthCollection, input: Input, client: ClientInfo): Promise<{ user: OAuth2User; tokens: TokenSet }> {
    const entry = activeProviders(collection).find((p) => p.name === input.provider);
    if (!entry) {
      throw new ValidationError(VALIDATION_FAILED, {
        provider: fieldError('validation_invalid_provider', `Provider with name ${JSON.stringify(input.provider)} is missing or is not enabled.`),
      });
    }
    try {
      const { family, provider } = await resolver.resolve(entry);
      if (provider.pkce && input.codeVerifier === '') throw new ProviderError('No code verifier for a PKCE provider.');
      const tokens = await exchangeCode(http, provider, input);
      const user = await family.fetchUser(tokens, { provider, http, idTokens });
      if (user.id === '') throw new ProviderError('The provider named no user id.');
      return { user, tokens };
    } catch (err) {
      if (!(err instanceof ProviderError || err instanceof OutboundError)) throw err;
      log.warn({ collection: collection.name, provider: input.provider, reason: err.message }, 'oauth2 sign-in failed');
      await logFailure(collection, client, input.provider);
      throw new AppError('bad_request', FAILED);
    }
  }

  /** A new record from `createData` plus the mapped provider fields, through the normal create path (createRule, context `oauth2`). */
  async function createRecord(collection: AuthCollection, input: Input, user: OAuth2User, caller: AuthState | null, client: ClientInfo): Promise<StoredRecord> {
    const payload: Record<string, unknown> = { ...input.createData };
    // The provider's address, never one the client chose: otherwise anyone could sign up with a
    // stranger's email linked to their own provider identity.
    if (user.email !== '' || typeof payload.email !== 'string') payload.email = user.email;
    const mapped = collection.auth.oauth2.mappedFields;
    const values: Record<string, string> = { id: user.id, name: user.name, username: user.username, avatarURL: user.avatarURL };
    for (const [key, value] of Object.entries(values)) {
      const fieldName = mapped[key] ?? '';
      const field = collection.fields.find((f) => f.name === fieldName);
      // TODO(#files): download the avatar into a file field once file storage exists; text/url fields get the URL.
      if (!field || field.type === 'file' || value === '' || fieldName in payload) continue;
      payload[fieldName] = value;
    }
    // The account has no password of its own; a random one keeps password sign-in closed until a reset.
    const password = randomToken(30);
    payload.password = password;
    payload.passwordConfirm = password;
    const created = await records.create(collection.id, payload, { auth: caller, request: { ...client.request, context: 'oauth2', body: payload } });
    const record = await records.findStored(collection, String(created.id));
    if (!record) throw new AppError('bad_request', FAILED);
    return record;
  }

  /**
   * An unverified record whose address the provider has just proven belongs to this user: whoever
   * created it may not be them, so its password is replaced, its sessions end (as PocketBase does) and
   * the provider identities linked to it so far are dropped.
   */
  async function resetPassword(collection: AuthCollection, record: StoredRecord): Promise<StoredRecord> {
    const password = randomToken(30);
    await records.update(collection.id, record.id, { password, passwordConfirm: password }, systemContext());
    // Identities linked by whoever registered the address go with their password.
    await externalAuths.removeAllOf(collection.id, record.id);
    return (await records.findStored(collection, record.id)) ?? record;
  }

  /** Marks the record verified when the provider vouches for the very address it holds. */
  async function verifyEmail(collection: AuthCollection, record: StoredRecord, user: OAuth2User): Promise<StoredRecord> {
    const same = user.emailVerified && user.email !== '' && String(record.email ?? '').toLowerCase() === user.email.toLowerCase();
    if (!same || record.verified === true) return record;
    await records.update(collection.id, record.id, { verified: true }, systemContext());
    return { ...record, verified: true };
  }

  return {
    async authWithOAuth2(idOrName, rawBody, caller, client) {
      const collection = authCollection(idOrName);
      if (!collection.auth.oauth2.enabled) throw new AppError('forbidden', 'The collection is not configured to allow OAuth2 authentication.');
      const input = readInput(rawBody, client);
      const { user, tokens } = await identify(collection, input, client);
      const identity = user.email || `${input.provider}:${user.id}`;

      // Match order (API.md §6): an existing link, the signed-in caller, the verified email; else a new record.
      let record: StoredRecord | null = null;
      let needsLink = false;
      let isNew = false;
      const link = await externalAuths.find(collection.id, input.provider, user.id);
      if (link) {
        record = await records.findStored(collection, link.recordRef);
        if (!record) await externalAuths.remove(link.id);
      }
      if (!record && caller && caller.collectionId === collection.id) {
        record = await records.findStored(collection, caller.record.id);
        needsLink = record !== null;
      }
      let claimedByEmail = false;
      if (!record && user.email !== '' && user.emailVerified) {
        record = await records.findByField(collection, 'email', user.email, { ignoreCase: true });
        needsLink = record !== null;
        claimedByEmail = record !== null && record.verified !== true;
      }
      if (!record) {
        if (collection.id === SUPERUSERS_ID) {
          log.warn({ provider: input.provider }, 'oauth2 sign-up refused for superusers');
          await logFailure(collection, client, identity);
          throw new AppError('bad_request', FAILED);
        }
        try {
          record = await createRecord(collection, input, user, caller, client);
        } catch (err) {
          await logFailure(collection, client, identity);
          throw err;
        }
        isNew = true;
        // Linked at once: a second factor may interrupt this sign-in, the account is already there.
        await externalAuths.link(collection.id, record.id, input.provider, user.id);
      }

      await auth.checkSignIn(collection.id, record, { method: 'oauth2', event: 'oauth2', identity, mfaId: input.mfaId }, client);
      // The reset comes first: a link saved before a failed reset would skip the reset on every later sign-in.
      if (claimedByEmail) record = await resetPassword(collection, record);
      if (needsLink) await externalAuths.link(collection.id, record.id, input.provider, user.id);
      record = await verifyEmail(collection, record, user);
      const reply = await auth.finishSignIn(collection.id, record, { method: 'oauth2', event: 'oauth2', identity }, client);
      return {
        ...reply,
        meta: {
          id: user.id, name: user.name, username: user.username, email: user.email, avatarURL: user.avatarURL,
          accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiry: tokens.expiry ? formatDate(tokens.expiry) : '',
          rawUser: user.rawUser, isNew,
        },
      };
    },
  };
}
