// Turns a client's body into validated field values for a create or an update, with PocketBase's
// leniency (unknown keys ignored, lossless coercion) and its field error codes.
import { isMultiple, prepareValue, validateValue, zeroValue, type Field, type FieldOf } from '../collections/index.js';
import { fieldError, type FieldError } from '../core/errors.js';
import { newRecordId, randomString } from '../core/ids.js';
import { nowDate } from '../core/time.js';
import type { CollectionPlan, StoredRecord } from './plan.js';

export interface InputActor {
  readonly isSuperuser: boolean;
}

export interface PreparedInput {
  /** The full record after the change, as API values (the password already replaced by its plain text). */
  readonly record: Record<string, unknown>;
  /** Names of the fields the body changed, autodates included. */
  readonly changed: ReadonlySet<string>;
  /** The auth collection's new plain `password` when the body sets one (the form checks it). */
  readonly newPassword: string | null;
  /** Every password-type field the body sets, as plain text: each is hashed before storing. */
  readonly plainPasswords: ReadonlyMap<string, string>;
  readonly errors: Record<string, FieldError>;
}

// Keys an auth body may carry that are not fields (PocketBase's create/update form).
const AUTH_FORM_KEYS: ReadonlySet<string> = new Set(['passwordConfirm', 'oldPassword']);

/** `[a-z0-9]{15}`-style patterns: the only autogenerate form PocketBase's defaults use. */
const SIMPLE_PATTERN = /^\[([^\]]+)\]\{(\d{1,3})\}$/;

function expandCharset(set: string): string {
  let out = '';
  for (let i = 0; i < set.length; i++) {
    if (set[i + 1] === '-' && i + 2 < set.length) {
      for (let c = set.charCodeAt(i); c <= set.charCodeAt(i + 2); c++) out += String.fromCharCode(c);
      i += 2;
    } else out += set[i];
  }
  return out;
}

/** A value for `autogeneratePattern`; patterns beyond `[set]{n}` are left to the client. */
export function autogenerate(pattern: string): string | null {
  const m = SIMPLE_PATTERN.exec(pattern);
  if (!m) return null;
  return randomString(Number(m[2]), expandCharset(m[1]!));
}

/** True when a string (or any string in a list) holds U+0000. */
export function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  return Array.isArray(value) && value.some((v) => typeof v === 'string' && v.includes('\u0000'));
}

function applyField(field: Field, raw: unknown, errors: Record<string, FieldError>): unknown {
  const prepared = prepareValue(field, raw);
  if (!prepared.ok) {
    errors[field.name] = prepared.error;
    return zeroValue(field);
  }
  // NOTE: PostgreSQL text cannot hold NUL; refuse it on every engine so a value means the same
  // everywhere (JSON fields are stored escaped, so they keep it).
  if (field.type !== 'json' && hasNul(prepared.value)) {
    errors[field.name] = fieldError('validation_invalid_value', 'Must not contain NUL characters.');
    return zeroValue(field);
  }
  return prepared.value;
}

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * Folds PocketBase's write modifiers into plain field values: `f+` appends and `+f` prepends to
 * multiple select/relation/file fields, `f-` removes from them; on numbers `f+`/`f-` add and
 * subtract; `f:autogenerate` fills a text field from its pattern. The plain key applies first.
 */
export function applyModifiers(plan: CollectionPlan, base: StoredRecord | null, body: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  let out: Record<string, unknown> | null = null;
  const has = (key: string): boolean => Object.prototype.hasOwnProperty.call(body, key);
  for (const field of plan.collection.fields) {
    const name = field.name;
    const prepend = has(`+${name}`);
    const append = has(`${name}+`);
    const remove = has(`${name}-`);
    const generate = has(`${name}:autogenerate`);
    if (!prepend && !append && !remove && !generate) continue;
    out ??= { ...body };
    let value: unknown = has(name) ? body[name] : base ? base[name] : zeroValue(field);
    if (field.type === 'number') {
      const current = prepareValue(field, value);
      let n = current.ok ? (current.value as number) : Number.NaN;
      for (const [key, sign] of [[`${name}+`, 1], [`${name}-`, -1]] as const) {
        if (!has(key)) continue;
        const delta = prepareValue(field, body[key]);
        n = delta.ok ? n + sign * (delta.value as number) : Number.NaN;
      }
      value = Number.isNaN(n) ? body[`${name}+`] ?? body[`${name}-`] : n;
    } else if (isMultiple(field)) {
      let list = asList(value);
      if (prepend) list = [...asList(body[`+${name}`]), ...list];
      if (append) list = [...list, ...asList(body[`${name}+`])];
      if (remove) {
        const gone = new Set(asList(body[`${name}-`]));
        list = list.filter((v) => !gone.has(v));
      }
      value = list;
    } else if (generate && field.type === 'text' && field.autogeneratePattern !== '') {
      value = autogenerate(field.autogeneratePattern) ?? value;
    }
    out[name] = value;
    // The modifiers are spent: folding the result again changes nothing.
    for (const key of [`+${name}`, `${name}+`, `${name}-`, `${name}:autogenerate`]) delete out[key];
  }
  return out ?? body;
}

/**
 * Merges `body` into `base` (an empty record on create) and validates every field.
 * Fields a caller may not write (autodates, hidden fields for non-superusers) are skipped silently.
 */
export function prepareInput(plan: CollectionPlan, base: StoredRecord | null, body: Readonly<Record<string, unknown>>, actor: InputActor): PreparedInput {
  const isCreate = base === null;
  const record: Record<string, unknown> = {};
  const changed = new Set<string>();
  const errors: Record<string, FieldError> = {};
  const plainPasswords = new Map<string, string>();
  body = applyModifiers(plan, base, body);

  for (const field of plan.collection.fields) {
    const has = Object.prototype.hasOwnProperty.call(body, field.name);
    record[field.name] = base ? base[field.name] : zeroValue(field);
    if (field.type === 'autodate') continue;
    if (!has) continue;
    if (field.hidden && !actor.isSuperuser && field.type !== 'password') continue;
    if (field.name === 'id' && !isCreate) continue;
    if (field.name === 'tokenKey' && plan.collection.type === 'auth') continue;
    const value = applyField(field, body[field.name], errors);
    if (field.type === 'password') {
      if (value === '') continue; // an empty password on update means "unchanged"
      plainPasswords.set(field.name, value as string);
    }
    record[field.name] = value;
    changed.add(field.name);
  }

  const now = nowDate();
  for (const field of plan.collection.fields) {
    if (field.type !== 'autodate') continue;
    if ((isCreate && field.onCreate) || (!isCreate && field.onUpdate)) {
      record[field.name] = now;
      changed.add(field.name);
    }
  }

  if (isCreate) fillGenerated(plan, record, changed);
  validateAll(plan, record, plainPasswords, errors);
  const newPassword = plan.collection.type === 'auth' ? (plainPasswords.get('password') ?? null) : null;
  return { record, changed, newPassword, plainPasswords, errors };
}

function fillGenerated(plan: CollectionPlan, record: Record<string, unknown>, changed: Set<string>): void {
  for (const field of plan.collection.fields) {
    if (field.type !== 'text' || record[field.name] !== '' || field.autogeneratePattern === '') continue;
    const value = field.primaryKey ? newRecordId() : autogenerate(field.autogeneratePattern);
    if (value !== null) {
      record[field.name] = value;
      changed.add(field.name);
    }
  }
}

function validateAll(plan: CollectionPlan, record: Record<string, unknown>, plainPasswords: ReadonlyMap<string, string>, errors: Record<string, FieldError>): void {
  for (const field of plan.collection.fields) {
    if (errors[field.name]) continue;
    const plain = field.type === 'password' ? plainPasswords.get(field.name) : undefined;
    // A stored password is a hash: only a new plain password (or a missing one) is validated.
    if (field.type === 'password' && plain === undefined && record[field.name] !== '') continue;
    const error = validateValue(field, field.type === 'password' ? (plain ?? '') : record[field.name]);
    if (error) errors[field.name] = error;
  }
}

/** Body keys that are neither fields nor the auth form's extras: ignored, as PocketBase does. */
export function isKnownKey(plan: CollectionPlan, key: string): boolean {
  return plan.fields.has(key) || (plan.collection.type === 'auth' && AUTH_FORM_KEYS.has(key));
}

/** The related ids a relation value names. */
export function relationIds(field: FieldOf<'relation'>, value: unknown): string[] {
  if (isMultiple(field)) return Array.isArray(value) ? (value as string[]) : [];
  return typeof value === 'string' && value !== '' ? [value] : [];
}

export const mismatch = (): FieldError => fieldError('validation_values_mismatch', 'Values don\'t match.');
