// The settings kept in the database (`/api/settings`): PocketBase's sections plus Mainspring's own,
// their defaults, and how a PATCH merges into them. Secrets are stored sealed and never read back.
import { fieldError, type FieldError, type FieldErrors } from '../core/errors.js';
import { invalidIpEntries } from '../http/index.js';

export interface RateLimitRule {
  /** A path prefix (`/api/`) or `collection:action` (`*:auth`, `users:create`). */
  readonly label: string;
  /** `''` everyone, `@guest` only guests, `@auth` only signed-in callers. */
  readonly audience: '' | '@guest' | '@auth';
  /** Window in seconds. */
  readonly duration: number;
  readonly maxRequests: number;
}

/** Failed credential attempts per identity (email, username, OTP id), Mainspring's addition. */
export interface LockoutSettings {
  readonly enabled: boolean;
  /** Failures within `window` seconds before the identity is locked. */
  readonly maxFailures: number;
  readonly window: number;
  /** The first lockout in seconds; each further one in a row doubles, up to `maxDuration`. */
  readonly duration: number;
  readonly maxDuration: number;
}

export interface Settings {
  readonly meta: {
    readonly appName: string;
    readonly appURL: string;
    readonly senderName: string;
    readonly senderAddress: string;
    readonly hideControls: boolean;
  };
  readonly smtp: {
    readonly enabled: boolean;
    readonly host: string;
    readonly port: number;
    readonly username: string;
    readonly password: string;
    readonly authMethod: string;
    readonly tls: boolean;
    readonly localName: string;
  };
  readonly s3: {
    readonly enabled: boolean;
    readonly bucket: string;
    readonly region: string;
    readonly endpoint: string;
    readonly accessKey: string;
    readonly secret: string;
    readonly forcePathStyle: boolean;
  };
  readonly batch: {
    readonly enabled: boolean;
    readonly maxRequests: number;
    readonly timeout: number;
    readonly maxBodySize: number;
  };
  readonly rateLimits: {
    readonly enabled: boolean;
    readonly rules: readonly RateLimitRule[];
    readonly excludedIPs: readonly string[];
    readonly lockout: LockoutSettings;
  };
  readonly trustedProxy: {
    readonly headers: readonly string[];
    readonly useLeftmostIP: boolean;
  };
  readonly logs: {
    readonly maxDays: number;
    readonly minLevel: number;
    readonly logIP: boolean;
    readonly logAuthId: boolean;
  };
  readonly superuserIPs: readonly string[];
  /** Opt-in session cookie for browser apps (Mainspring's addition). */
  readonly authCookie: {
    readonly enabled: boolean;
    readonly name: string;
    readonly sameSite: 'Lax' | 'Strict';
  };
}

/** Secret fields as `section.field`: write-only, stored sealed. */
export const SECRET_FIELDS: readonly (readonly [keyof Settings, string])[] = [
  ['smtp', 'password'],
  ['s3', 'secret'],
];

export function defaultSettings(app: { name: string; url: string }): Settings {
  return {
    meta: { appName: app.name, appURL: app.url, senderName: 'Support', senderAddress: 'no-reply@example.com', hideControls: false },
    smtp: { enabled: false, host: 'smtp.example.com', port: 587, username: '', password: '', authMethod: '', tls: false, localName: '' },
    s3: { enabled: false, bucket: '', region: '', endpoint: '', accessKey: '', secret: '', forcePathStyle: false },
    batch: { enabled: true, maxRequests: 50, timeout: 3, maxBodySize: 32 * 1024 * 1024 },
    // Credential rules on, general rules off (API.md §10): a proxy or one busy client is never capped by surprise.
    rateLimits: {
      enabled: true,
      rules: [{ label: '*:auth', audience: '', duration: 10, maxRequests: 20 }],
      excludedIPs: [],
      lockout: { enabled: true, maxFailures: 10, window: 15 * 60, duration: 15 * 60, maxDuration: 24 * 60 * 60 },
    },
    trustedProxy: { headers: [], useLeftmostIP: false },
    logs: { maxDays: 5, minLevel: 0, logIP: true, logAuthId: false },
    superuserIPs: [],
    authCookie: { enabled: false, name: 'ms_auth', sameSite: 'Lax' },
  };
}

const bool = { type: 'boolean' } as const;
const text = { type: 'string', maxLength: 2048 } as const;
const count = { type: 'integer', minimum: 0, maximum: 2_147_483_647 } as const;
const positive = { type: 'integer', minimum: 1, maximum: 2_147_483_647 } as const;
const texts = { type: 'array', maxItems: 1000, items: text } as const;
const section = (properties: Record<string, unknown>) => ({ type: 'object', properties }) as const;

/** The PATCH body: each section optional, each field typed; unknown keys are ignored. */
export const settingsPatchSchema = section({
  meta: section({ appName: text, appURL: text, senderName: text, senderAddress: text, hideControls: bool }),
  smtp: section({ enabled: bool, host: text, port: { type: 'integer', minimum: 1, maximum: 65535 }, username: text, password: text, authMethod: text, tls: bool, localName: text }),
  s3: section({ enabled: bool, bucket: text, region: text, endpoint: text, accessKey: text, secret: text, forcePathStyle: bool }),
  batch: section({ enabled: bool, maxRequests: count, timeout: count, maxBodySize: count }),
  rateLimits: section({
    enabled: bool,
    excludedIPs: texts,
    rules: {
      type: 'array',
      maxItems: 200,
      items: {
        type: 'object',
        required: ['label', 'duration', 'maxRequests'],
        properties: { label: { type: 'string', minLength: 1, maxLength: 255 }, audience: { enum: ['', '@guest', '@auth'] }, duration: positive, maxRequests: positive },
      },
    },
    lockout: section({ enabled: bool, maxFailures: positive, window: positive, duration: positive, maxDuration: positive }),
  }),
  trustedProxy: section({ headers: texts, useLeftmostIP: bool }),
  logs: section({ maxDays: count, minLevel: { type: 'integer', minimum: -100, maximum: 100 }, logIP: bool, logAuthId: bool }),
  superuserIPs: texts,
  authCookie: section({ enabled: bool, name: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' }, sameSite: { enum: ['Lax', 'Strict'] } }),
});

type Section = Record<string, unknown>;

/**
 * What the schema cannot say: every address list holds addresses or CIDRs only (an allow-list with a
 * typo must not quietly become "everyone"). Field errors by section, empty when the patch is fine.
 */
export function settingsPatchErrors(patch: unknown): FieldErrors {
  const errors: Record<string, FieldErrors | FieldError> = {};
  if (!isSection(patch)) return errors;
  const lists: [string, unknown][] = [['superuserIPs', patch.superuserIPs]];
  if (isSection(patch.rateLimits)) lists.push(['rateLimits', patch.rateLimits.excludedIPs]);
  for (const [section, list] of lists) {
    if (!Array.isArray(list)) continue;
    const bad = invalidIpEntries(list.filter((v): v is string => typeof v === 'string'));
    if (bad.length === 0) continue;
    const error = fieldError('validation_invalid_ip', `Not an IP address or CIDR: ${bad.slice(0, 3).join(', ')}.`);
    errors[section] = section === 'rateLimits' ? { excludedIPs: error } : error;
  }
  return errors;
}
const isSection = (v: unknown): v is Section => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * `base` with the known fields of `patch` applied (the schema has checked their types); unknown
 * sections and fields are ignored, and an empty secret keeps the stored one.
 */
export function mergeSettings(base: Settings, patch: unknown): Settings {
  if (!isSection(patch)) return base;
  const out: Record<string, unknown> = { ...base };
  for (const key of Object.keys(base) as (keyof Settings)[]) {
    const current: unknown = base[key];
    const given = patch[key];
    if (given === undefined) continue;
    if (!isSection(current)) {
      out[key] = given;
      continue;
    }
    if (!isSection(given)) continue;
    const merged: Section = { ...current };
    for (const field of Object.keys(current)) {
      const value = given[field];
      if (value === undefined) continue;
      if (SECRET_FIELDS.some(([s, f]) => s === key && f === field) && value === '') continue;
      merged[field] = isSection(current[field]) && isSection(value) ? { ...(current[field] as Section), ...pickKnown(current[field] as Section, value) } : value;
    }
    out[key] = merged;
  }
  const limits = out.rateLimits as Settings['rateLimits'];
  // A rule saved without an audience is for everyone (PocketBase's reading): stored that way, shown that way.
  out.rateLimits = { ...limits, rules: limits.rules.map((rule) => ({ ...rule, audience: rule.audience ?? '' })) };
  return out as unknown as Settings;
}

function pickKnown(known: Section, given: Section): Section {
  const out: Section = {};
  for (const k of Object.keys(known)) if (given[k] !== undefined) out[k] = given[k];
  return out;
}

/** What `GET /api/settings` shows: every secret blanked. */
export function redactSettings(settings: Settings): Settings {
  const out: Record<string, unknown> = { ...settings };
  for (const [s, f] of SECRET_FIELDS) out[s] = { ...(settings[s] as object), [f]: '' };
  return out as unknown as Settings;
}
