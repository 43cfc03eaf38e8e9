// Record values per field type: lossless coercion of client input, validation with PocketBase's
// codes, and conversion to and from each engine's columns.
import { fieldError, type FieldError } from '../../core/errors.js';
import { parseDate } from '../../core/time.js';
import type { ColumnKind, DialectAdapter } from '../../db/index.js';
import type { Field, FieldOf } from '../model.js';
import { isCommonPassword } from './common-passwords.js';
import { EFFECTIVE, PASSWORD_MAX_BYTES } from './options.js';

/** A value as the API shows it: string, number, boolean, string[], geo point or any JSON. */
export type FieldValue = unknown;

export type Prepared = { readonly ok: true; readonly value: FieldValue } | { readonly ok: false; readonly error: FieldError };

const ok = (value: FieldValue): Prepared => ({ ok: true, value });
const fail = (code: string, message: string, params?: Record<string, unknown>): Prepared => ({ ok: false, error: fieldError(code, message, params) });

export const isMultiple = (field: Field): boolean =>
  (field.type === 'select' || field.type === 'relation' || field.type === 'file') && field.maxSelect > 1;

export function columnKind(field: Field): ColumnKind {
  if (field.type === 'text' && field.primaryKey) return 'id';
  switch (field.type) {
    case 'number': return 'number';
    case 'bool': return 'bool';
    case 'json':
    case 'geoPoint': return 'json';
    case 'select':
    case 'relation':
    case 'file': return isMultiple(field) ? 'jsonArray' : 'text';
    default: return 'text';
  }
}

/** The value a new record gets for a field it was not given. */
export function zeroValue(field: Field): FieldValue {
  switch (field.type) {
    case 'number': return 0;
    case 'bool': return false;
    case 'json': return null;
    case 'geoPoint': return { lon: 0, lat: 0 };
    default: return isMultiple(field) ? [] : '';
  }
}

const COMMON_PASSWORD = 'The password is one of the most commonly used ones; choose a less common password.';

const CANONICAL_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

function toText(input: unknown): Prepared {
  if (input === null || input === undefined) return ok('');
  if (typeof input === 'string') return ok(input);
  if (typeof input === 'number' && Number.isFinite(input)) return ok(String(input));
  if (typeof input === 'boolean') return ok(String(input));
  return fail('validation_invalid_value', 'Must be a string.');
}

function toStringList(input: unknown): Prepared {
  if (input === null || input === undefined || input === '') return ok([]);
  const list = Array.isArray(input) ? input : [input];
  if (!list.every((v) => typeof v === 'string')) return fail('validation_invalid_value', 'Must be a list of strings.');
  return ok([...new Set(list.filter((v) => v !== ''))]);
}

/** Coerces client input to the field's value type where no information is lost; otherwise a field error. */
export function prepareValue(field: Field, input: unknown): Prepared {
  switch (field.type) {
    case 'text':
    case 'editor':
    case 'email':
    case 'url':
    case 'password':
      return toText(input);
    case 'number': {
      if (input === null || input === undefined || input === '') return ok(0);
      if (typeof input === 'number') return Number.isFinite(input) ? ok(input) : fail('validation_not_a_number', 'The submitted number is not properly formatted.');
      if (typeof input === 'string' && CANONICAL_NUMBER.test(input.trim())) {
        const n = Number(input.trim());
        if (Number.isFinite(n)) return ok(n);
      }
      return fail('validation_not_a_number', 'The submitted number is not properly formatted.');
    }
    case 'bool': {
      if (input === null || input === undefined || input === '') return ok(false);
      if (typeof input === 'boolean') return ok(input);
      if (input === 1 || input === '1' || input === 'true') return ok(true);
      if (input === 0 || input === '0' || input === 'false') return ok(false);
      return fail('validation_invalid_value', 'Must be a boolean.');
    }
    case 'date': {
      if (input === null || input === undefined || input === '') return ok('');
      if (typeof input !== 'string') return fail('validation_invalid_date', 'Must be a valid date.');
      const date = parseDate(input);
      return date === null ? fail('validation_invalid_date', 'Must be a valid date.') : ok(date);
    }
    case 'autodate':
      return ok('');
    case 'select':
    case 'relation':
    case 'file': {
      if (isMultiple(field)) return toStringList(input);
      if (Array.isArray(input)) {
        // PocketBase keeps the last item when a list is sent to a single-value field.
        const last: unknown = input[input.length - 1];
        return typeof last === 'string' || last === undefined ? ok(last ?? '') : fail('validation_invalid_value', 'Must be a string.');
      }
      if (input === null || input === undefined) return ok('');
      return typeof input === 'string' ? ok(input) : fail('validation_invalid_value', 'Must be a string.');
    }
    case 'json':
      return input === undefined ? ok(null) : ok(input);
    case 'geoPoint': {
      if (input === null || input === undefined || input === '') return ok({ lon: 0, lat: 0 });
      if (typeof input === 'object' && !Array.isArray(input)) {
        const { lon, lat } = input as { lon?: unknown; lat?: unknown };
        const lonN = lon === undefined ? 0 : lon;
        const latN = lat === undefined ? 0 : lat;
        if (typeof lonN === 'number' && typeof latN === 'number' && Number.isFinite(lonN) && Number.isFinite(latN)) {
          return ok({ lon: lonN, lat: latN });
        }
      }
      return fail('validation_invalid_value', 'Must be an object with numeric lon and lat.');
    }
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const required = (): FieldError => fieldError('validation_required', 'Cannot be blank.');

function isBlank(field: Field, value: FieldValue): boolean {
  if (value === null || value === undefined || value === '' || value === false || value === 0) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (field.type === 'geoPoint') {
    const p = value as { lon: number; lat: number };
    return p.lon === 0 && p.lat === 0;
  }
  if (field.type === 'json') return value === '' || (typeof value === 'object' && Object.keys(value as object).length === 0);
  return false;
}

function domainOf(value: string, type: 'email' | 'url'): string {
  if (type === 'email') return value.slice(value.lastIndexOf('@') + 1).toLowerCase();
  try { return new URL(value).hostname.toLowerCase(); } catch { return ''; }
}

function checkDomains(field: FieldOf<'email'> | FieldOf<'url'>, value: string): FieldError | null {
  const domain = domainOf(value, field.type);
  const code = field.type === 'email' ? 'validation_email_domain_not_allowed' : 'validation_url_domain_not_allowed';
  const message = field.type === 'email' ? 'Email domain is not allowed.' : 'Url domain is not allowed.';
  if (field.onlyDomains.length && !field.onlyDomains.includes(domain)) return fieldError(code, message);
  if (field.exceptDomains.includes(domain)) return fieldError(code, message);
  return null;
}

function checkLength(value: string, min: number, max: number): FieldError | null {
  const length = [...value].length;
  if (min > 0 && length < min) return fieldError('validation_min_text_constraint', `Must be at least ${min} character(s).`, { min });
  if (length > max) return fieldError('validation_max_text_constraint', `Must be no more than ${max} character(s).`, { max });
  return null;
}

function checkPattern(value: string, pattern: string): FieldError | null {
  if (pattern === '' || new RegExp(pattern, 'u').test(value)) return null;
  return fieldError('validation_invalid_format', 'Invalid value format.');
}

/**
 * Validates a prepared value against the field's options. Relation existence and uniqueness need
 * the database and are checked by the record service.
 */
export function validateValue(field: Field, value: FieldValue): FieldError | null {
  if (isBlank(field, value)) {
    return field.required && field.type !== 'autodate' ? required() : null;
  }
  switch (field.type) {
    case 'text': {
      const v = value as string;
      return checkLength(v, field.min, EFFECTIVE.textMax(field.max)) ?? checkPattern(v, field.pattern);
    }
    case 'password': {
      const v = value as string;
      if (Buffer.byteLength(v) > PASSWORD_MAX_BYTES) {
        return fieldError('validation_max_text_constraint', `Must be no more than ${PASSWORD_MAX_BYTES} bytes.`, { max: PASSWORD_MAX_BYTES });
      }
      return checkLength(v, field.min, EFFECTIVE.passwordMax(field.max)) ?? checkPattern(v, field.pattern)
        // A stored field from before the option existed has no `rejectCommon`: off.
        ?? (field.rejectCommon === true && isCommonPassword(v) ? fieldError('validation_password_common', COMMON_PASSWORD) : null);
    }
    case 'editor': {
      const max = EFFECTIVE.editorMaxSize(field.maxSize);
      return Buffer.byteLength(value as string) > max ? fieldError('validation_max_text_constraint', `Must be no more than ${max} bytes.`, { max }) : null;
    }
    case 'number': {
      const v = value as number;
      if (field.onlyInt && !Number.isInteger(v)) return fieldError('validation_only_int_constraint', 'Decimal numbers are not allowed.');
      if (field.min !== null && v < field.min) return fieldError('validation_min_number_constraint', `Must be greater or equal than ${field.min}.`, { min: field.min });
      if (field.max !== null && v > field.max) return fieldError('validation_max_number_constraint', `Must be less or equal than ${field.max}.`, { max: field.max });
      return null;
    }
    case 'email': {
      const v = value as string;
      if (v.length > 255 || !EMAIL.test(v)) return fieldError('validation_is_email', 'Must be a valid email address.');
      return checkDomains(field, v);
    }
    case 'url': {
      const v = value as string;
      let parsed: URL | null = null;
      try { parsed = new URL(v); } catch { /* invalid below */ }
      if (!parsed || !/^https?:$/.test(parsed.protocol) || v.length > 2048) return fieldError('validation_invalid_url', 'Must be a valid url.');
      return checkDomains(field, v);
    }
    case 'date': {
      const v = value as string;
      if (field.min && v < field.min) return fieldError('validation_min_greater_equal_than_required', `Must be no less than ${field.min}.`, { threshold: field.min });
      if (field.max && v > field.max) return fieldError('validation_max_less_equal_than_required', `Must be no greater than ${field.max}.`, { threshold: field.max });
      return null;
    }
    case 'select': {
      const values = isMultiple(field) ? (value as string[]) : [value as string];
      const bad = values.find((v) => !field.values.includes(v));
      if (bad !== undefined) return fieldError('validation_invalid_value', `Invalid value ${bad}.`, { value: bad });
      if (values.length > field.maxSelect) return fieldError('validation_too_many_values', `Select no more than ${field.maxSelect}.`, { maxSelect: field.maxSelect });
      return null;
    }
    case 'relation': {
      const ids = isMultiple(field) ? (value as string[]) : [value as string];
      if (ids.length > field.maxSelect) return fieldError('validation_too_many_values', `Select no more than ${field.maxSelect}.`, { maxSelect: field.maxSelect });
      if (field.minSelect > 0 && ids.length < field.minSelect) return fieldError('validation_not_enough_values', `Select at least ${field.minSelect}.`, { minSelect: field.minSelect });
      return null;
    }
    case 'file': {
      const names = isMultiple(field) ? (value as string[]) : [value as string];
      if (names.length > field.maxSelect) return fieldError('validation_too_many_files', `The maximum allowed files is ${field.maxSelect}.`, { maxSelect: field.maxSelect });
      return null;
    }
    case 'json': {
      const max = EFFECTIVE.jsonMaxSize(field.maxSize);
      const size = Buffer.byteLength(JSON.stringify(value) ?? 'null');
      return size > max ? fieldError('validation_json_size_limit', `The maximum allowed JSON size is ${max} bytes.`, { maxSize: max }) : null;
    }
    case 'geoPoint': {
      const p = value as { lon: number; lat: number };
      if (p.lat < -90 || p.lat > 90) return fieldError('validation_invalid_latitude', 'Latitude must be between -90 and 90 degrees.');
      if (p.lon < -180 || p.lon > 180) return fieldError('validation_invalid_longitude', 'Longitude must be between -180 and 180 degrees.');
      return null;
    }
    default:
      return null;
  }
}

/** The column value to bind for a prepared value. */
export function toDb(field: Field, value: FieldValue, dialect: DialectAdapter): unknown {
  switch (columnKind(field)) {
    case 'bool': return dialect.boolToDb(value === true);
    case 'number': return typeof value === 'number' ? value : 0;
    case 'jsonArray': return JSON.stringify(Array.isArray(value) ? value : []);
    case 'json': return value === null || value === undefined ? null : JSON.stringify(value);
    default: return value ?? '';
  }
}

function parseJson(raw: unknown, fallback: unknown): unknown {
  if (typeof raw !== 'string') return raw ?? fallback;
  try { return JSON.parse(raw); } catch { return fallback; }
}

/** The API value for a column value read back from any engine. */
export function fromDb(field: Field, raw: unknown, dialect: DialectAdapter): FieldValue {
  switch (columnKind(field)) {
    case 'bool': return dialect.boolFromDb(raw);
    case 'number': return typeof raw === 'number' ? raw : Number(raw ?? 0);
    case 'jsonArray': {
      const list = parseJson(raw, []);
      return Array.isArray(list) ? list : [];
    }
    // NOTE: a view's json column may hold plain text (an expression); PocketBase shows it as a string.
    case 'json': return field.type === 'geoPoint' ? parseJson(raw, { lon: 0, lat: 0 }) : parseJson(raw, typeof raw === 'string' ? raw : null);
    default: return raw === null || raw === undefined ? '' : String(raw);
  }
}
