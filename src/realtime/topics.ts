// What a client may subscribe to: the POST /api/realtime body, checked and bounded, and each
// subscription split into its topic and its `?options=` (PocketBase's format).
import { AppError, ValidationError, fieldError, type FieldError } from '../core/errors.js';
import { isSingleLine } from './frames.js';

/** PocketBase's bounds: at most 1000 subscriptions of at most 2500 characters, a client id of 1–255. */
export const MAX_SUBSCRIPTIONS = 1000;
export const MAX_TOPIC_LENGTH = 2500;
export const MAX_CLIENT_ID_LENGTH = 255;

/** Extra request data a subscription carries for rules (`@request.query`, `@request.headers`). */
export interface SubscriptionOptions {
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
}

export interface Subscription {
  /** The whole subscription string; events are sent under this name, as the SDK listens for it. */
  readonly key: string;
  /** The part before `?`: `@oauth2`, a custom topic, `COLL`, `COLL/*` or `COLL/ID`. */
  readonly topic: string;
  readonly options: SubscriptionOptions;
}

export interface SubscribeBody {
  readonly clientId: string;
  readonly subscriptions: readonly string[];
}

const BAD_BODY = 'Failed to load the submitted data due to invalid formatting.';

/** The topic a subscription string is filed under (PocketBase: everything before the first `?`). */
export function topicOf(key: string): string {
  const q = key.indexOf('?');
  return q === -1 ? key : key.slice(0, q);
}

function stringValues(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return out;
  for (const [name, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue;
    out[name] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

/** Splits off `?options=`; options that do not parse are ignored, as PocketBase ignores them. */
export function parseSubscription(key: string): Subscription {
  const topic = topicOf(key);
  const empty = { query: {}, headers: {} };
  if (topic.length === key.length) return { key, topic, options: empty };
  const raw = new URLSearchParams(key.slice(topic.length + 1)).get('options');
  if (!raw) return { key, topic, options: empty };
  try {
    const parsed = JSON.parse(raw) as { query?: unknown; headers?: unknown } | null;
    return { key, topic, options: { query: stringValues(parsed?.query), headers: stringValues(parsed?.headers) } };
  } catch {
    return { key, topic, options: empty };
  }
}

/** Length in characters (code points), as PocketBase counts it. */
function charCount(value: string): number {
  // A string is never longer in code points than in UTF-16 units: count only when it matters.
  return value.length <= MAX_TOPIC_LENGTH ? value.length : [...value].length;
}

function topicError(topic: unknown): FieldError | null {
  if (typeof topic !== 'string') return fieldError('validation_invalid_value', 'Must be a string.');
  if (charCount(topic) > MAX_TOPIC_LENGTH) {
    return fieldError('validation_length_too_long', `The length must be no more than ${MAX_TOPIC_LENGTH}.`, { max: MAX_TOPIC_LENGTH });
  }
  // The subscription string becomes the SSE event name, where a line break would forge fields.
  if (!isSingleLine(topic)) return fieldError('validation_invalid_value', 'Must not contain line breaks.');
  return null;
}

function clientIdError(clientId: unknown): FieldError | null {
  if (clientId === undefined || clientId === null || clientId === '') return fieldError('validation_required', 'Cannot be blank.');
  if (typeof clientId !== 'string') return fieldError('validation_invalid_value', 'Must be a string.');
  if (clientId.length > MAX_CLIENT_ID_LENGTH) {
    return fieldError('validation_length_out_of_range', `The length must be between 1 and ${MAX_CLIENT_ID_LENGTH}.`, { min: 1, max: MAX_CLIENT_ID_LENGTH });
  }
  return null;
}

function subscriptionsError(subscriptions: unknown): FieldError | Record<string, FieldError> | null {
  if (subscriptions === undefined || subscriptions === null) return null;
  if (!Array.isArray(subscriptions)) return fieldError('validation_invalid_value', 'Must be a list of topics.');
  if (subscriptions.length > MAX_SUBSCRIPTIONS) {
    return fieldError('validation_length_too_long', `The length must be no more than ${MAX_SUBSCRIPTIONS}.`, { max: MAX_SUBSCRIPTIONS });
  }
  const items: Record<string, FieldError> = {};
  subscriptions.forEach((topic: unknown, i) => {
    const err = topicError(topic);
    if (err) items[String(i)] = err;
  });
  return Object.keys(items).length ? items : null;
}

/** The body of POST /api/realtime, or a 400 naming every field that is wrong. */
export function parseSubscribeBody(body: unknown): SubscribeBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new AppError('bad_request', BAD_BODY);
  const { clientId, subscriptions } = body as { clientId?: unknown; subscriptions?: unknown };
  const errors: Record<string, FieldError | Record<string, FieldError>> = {};
  const idError = clientIdError(clientId);
  if (idError) errors.clientId = idError;
  const subsError = subscriptionsError(subscriptions);
  if (subsError) errors.subscriptions = subsError;
  if (Object.keys(errors).length) throw new ValidationError('Something went wrong while processing your request.', errors);
  // Empty strings subscribe to nothing (PocketBase skips them); duplicates collapse.
  const topics = Array.isArray(subscriptions) ? [...new Set((subscriptions as string[]).filter((s) => s !== ''))] : [];
  return { clientId: clientId as string, subscriptions: topics };
}
