// An auth collection's `oauth2` options (API.md §3) as a PATCH merges them: providers are checked,
// client secrets sealed with MS_SECRET, and a provider sent back without its (write-only) secret
// keeps the one stored for the same name.
import { fieldError, type FieldError, type FieldErrors } from '../core/errors.js';
import type { SecretBox } from '../core/secret-box.js';
import type { AuthOptions } from './model.js';

type OAuth2Options = AuthOptions['oauth2'];

const isRecord = (v: unknown): v is Readonly<Record<string, unknown>> => typeof v === 'object' && v !== null && !Array.isArray(v);
const PROVIDER_NAME = /^\w{1,100}$/;
const URL_KEYS = ['authURL', 'tokenURL', 'userInfoURL'] as const;
const MAPPED_KEYS = ['id', 'name', 'username', 'avatarURL'] as const;

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function readProvider(raw: unknown, prior: Readonly<Record<string, unknown>> | undefined, secrets: SecretBox): { value: Record<string, unknown>; errors: Record<string, FieldError> } {
  const errors: Record<string, FieldError> = {};
  if (!isRecord(raw)) return { value: {}, errors: { name: fieldError('validation_required', 'Cannot be blank.') } };
  const text = (key: string): string => (typeof raw[key] === 'string' ? (raw[key] as string).trim() : '');
  const name = text('name');
  if (name === '') errors.name = fieldError('validation_required', 'Cannot be blank.');
  else if (!PROVIDER_NAME.test(name)) errors.name = fieldError('validation_match_invalid', 'Must be in a valid format.');
  const clientId = text('clientId');
  if (clientId === '') errors.clientId = fieldError('validation_required', 'Cannot be blank.');
  const givenSecret = text('clientSecret');
  const clientSecret = givenSecret !== '' ? secrets.seal(givenSecret) : typeof prior?.clientSecret === 'string' ? prior.clientSecret : '';
  if (clientSecret === '') errors.clientSecret = fieldError('validation_required', 'Cannot be blank.');
  for (const key of URL_KEYS) {
    if (raw[key] !== undefined && typeof raw[key] !== 'string') errors[key] = fieldError('validation_invalid_url', 'Must be a valid url.');
    else if (text(key) !== '' && !isHttpUrl(text(key))) errors[key] = fieldError('validation_invalid_url', 'Must be a valid url.');
  }
  if (raw.pkce !== undefined && raw.pkce !== null && typeof raw.pkce !== 'boolean') errors.pkce = fieldError('validation_invalid_value', 'Must be a boolean.');
  if (raw.extra !== undefined && raw.extra !== null && !isRecord(raw.extra)) errors.extra = fieldError('validation_invalid_value', 'Must be an object.');
  const value: Record<string, unknown> = {
    name, clientId, clientSecret,
    authURL: text('authURL'), tokenURL: text('tokenURL'), userInfoURL: text('userInfoURL'),
    displayName: text('displayName'),
    pkce: typeof raw.pkce === 'boolean' ? raw.pkce : null,
    extra: isRecord(raw.extra) ? raw.extra : {},
  };
  // Older PocketBase exports carry a per-provider switch; it is kept when present.
  if (typeof raw.enabled === 'boolean') value.enabled = raw.enabled;
  return { value, errors };
}

/** `given` (the body's `oauth2`) merged over `previous`; problems land in `errors.oauth2`. */
export function readOAuth2Options(given: unknown, previous: OAuth2Options, secrets: SecretBox, errors: Record<string, FieldError | FieldErrors>): OAuth2Options {
  if (given === undefined) return previous;
  if (!isRecord(given)) {
    errors.oauth2 = fieldError('validation_invalid_value', 'Must be an object.');
    return previous;
  }
  const own: Record<string, FieldError | FieldErrors> = {};
  const enabled = given.enabled === undefined ? previous.enabled : given.enabled;
  if (typeof enabled !== 'boolean') own.enabled = fieldError('validation_invalid_value', 'Must be a boolean.');

  const mappedFields: Record<string, string> = { ...previous.mappedFields };
  if (given.mappedFields !== undefined) {
    if (!isRecord(given.mappedFields)) own.mappedFields = fieldError('validation_invalid_value', 'Must be an object.');
    else {
      for (const key of MAPPED_KEYS) {
        const v = given.mappedFields[key];
        if (v === undefined) continue;
        if (typeof v !== 'string') own.mappedFields = { [key]: fieldError('validation_invalid_value', 'Must be a string.') };
        else mappedFields[key] = v;
      }
    }
  }

  let providers = previous.providers;
  if (given.providers !== undefined) {
    if (!Array.isArray(given.providers)) own.providers = fieldError('validation_invalid_value', 'Must be a list of providers.');
    else {
      const byName = new Map(previous.providers.map((p) => [String(p.name), p]));
      const seen = new Set<string>();
      const providerErrors: Record<string, FieldErrors> = {};
      providers = given.providers.map((raw, i) => {
        const name = isRecord(raw) && typeof raw.name === 'string' ? raw.name.trim() : '';
        const { value, errors: pe } = readProvider(raw, byName.get(name), secrets);
        if (name !== '' && seen.has(name)) pe.name = fieldError('validation_duplicated_provider', 'The provider is listed more than once.');
        seen.add(name);
        if (Object.keys(pe).length) providerErrors[String(i)] = pe;
        return value;
      });
      if (Object.keys(providerErrors).length) own.providers = providerErrors;
    }
  }
  if (Object.keys(own).length) errors.oauth2 = own;
  return { enabled: enabled === true, mappedFields, providers };
}
