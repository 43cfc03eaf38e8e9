// Turns a field as a client sent it into a complete, typed Field, or field errors saying why not.
import { fieldError, type FieldError } from '../../core/errors.js';
import { fieldIdFor } from '../../core/ids.js';
import { FIELD_TYPES, type Field, type FieldType } from '../model.js';

type Raw = Readonly<Record<string, unknown>>;
export type OptionErrors = Record<string, FieldError>;

const MB = 1024 * 1024;

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Typed readers that record a field error (keyed by option name) instead of throwing. */
class OptionReader {
  constructor(private readonly raw: Raw, readonly errors: OptionErrors) {}

  bool(key: string, fallback = false): boolean {
    const v = this.raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    this.errors[key] = fieldError('validation_invalid_value', 'Must be a boolean.');
    return fallback;
  }

  int(key: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
    const v = this.raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.errors[key] = fieldError('validation_only_int_constraint', 'Must be an integer.');
      return fallback;
    }
    if (v < min || v > max) {
      this.errors[key] = fieldError('validation_invalid_value', `Must be between ${min} and ${max}.`, { min, max });
      return fallback;
    }
    return v;
  }

  nullableNumber(key: string): number | null {
    const v = this.raw[key];
    if (v === undefined || v === null || v === '') return null;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.errors[key] = fieldError('validation_not_a_number', 'Must be a number.');
      return null;
    }
    return v;
  }

  string(key: string, fallback = '', maxLength = 1000): string {
    const v = this.raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string') {
      this.errors[key] = fieldError('validation_invalid_value', 'Must be a string.');
      return fallback;
    }
    if (v.length > maxLength) {
      this.errors[key] = fieldError('validation_max_text_constraint', `Must be no more than ${maxLength} character(s).`, { max: maxLength });
      return fallback;
    }
    return v;
  }

  strings(key: string, maxItems = 10_000): string[] {
    const v = this.raw[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.length > maxItems || !v.every((s) => typeof s === 'string')) {
      this.errors[key] = fieldError('validation_invalid_value', 'Must be a list of strings.');
      return [];
    }
    return [...new Set(v as string[])];
  }

  regex(key: string): string {
    const pattern = this.string(key);
    if (pattern === '') return pattern;
    try {
      new RegExp(pattern, 'u');
    } catch {
      this.errors[key] = fieldError('validation_invalid_format', 'Invalid regular expression.');
    }
    return pattern;
  }
}

const NAME_PATTERN = /^\w+$/;

/** Field names a collection may never use (API.md §3). */
export function reservedFieldNameError(name: string, isAuth: boolean): FieldError | null {
  const lower = name.toLowerCase();
  const reserved = ['expand', 'collectionid', 'collectionname', 'null', 'true', 'false', '_rowid_'];
  if (isAuth) reserved.push('passwordconfirm', 'oldpassword');
  if (reserved.includes(lower) || lower.includes('_via_')) {
    return fieldError('validation_not_in_invalid', 'The name is reserved.');
  }
  return null;
}

export interface NormalizeFieldOptions {
  readonly isAuth: boolean;
  /** The previous version of this field (same id), whose id and system flag are kept. */
  readonly previous?: Field | undefined;
}

/** Normalizes one field; returns the field, or null with `errors` filled (keys: `name`, `type`, option names). */
export function normalizeField(input: unknown, errors: OptionErrors, opts: NormalizeFieldOptions): Field | null {
  if (!isRecord(input)) {
    errors.type = fieldError('validation_invalid_value', 'Invalid field definition.');
    return null;
  }
  const read = new OptionReader(input, errors);
  const name = read.string('name', '', 100);
  // The reader's own error (not a string, too long) comes first.
  const nameError = errors.name
    ?? (name === '' ? fieldError('validation_required', 'Cannot be blank.') : null)
    ?? (NAME_PATTERN.test(name) ? null : fieldError('validation_invalid_format', 'Invalid value format.'))
    ?? reservedFieldNameError(name, opts.isAuth);
  if (nameError) errors.name = nameError;
  const type = input.type as FieldType;
  if (!FIELD_TYPES.includes(type)) {
    errors.type = fieldError('validation_invalid_value', 'Invalid field type.');
    return null;
  }
  if (opts.previous && opts.previous.type !== type) {
    errors.type = fieldError('validation_field_type_change', 'The type of an existing field cannot be changed.');
    return null;
  }
  const givenId = read.string('id', '', 100);
  const common = {
    id: opts.previous?.id ?? (givenId || fieldIdFor(type, name)),
    name,
    system: opts.previous?.system ?? read.bool('system'),
    hidden: read.bool('hidden'),
    presentable: read.bool('presentable'),
    required: read.bool('required'),
    help: read.string('help', '', 1000),
  };
  const field = withTypeOptions(type, common, read);
  return Object.keys(errors).length ? null : field;
}

type Common = Omit<Field, 'type'> & { readonly id: string };

function withTypeOptions(type: FieldType, common: Common, read: OptionReader): Field {
  switch (type) {
    case 'text':
      return {
        ...common, type, min: read.int('min', 0), max: read.int('max', 0), pattern: read.regex('pattern'),
        autogeneratePattern: read.string('autogeneratePattern'), primaryKey: read.bool('primaryKey'),
      };
    case 'editor':
      return { ...common, type, maxSize: read.int('maxSize', 0), convertURLs: read.bool('convertURLs') };
    case 'number':
      return { ...common, type, min: read.nullableNumber('min'), max: read.nullableNumber('max'), onlyInt: read.bool('onlyInt') };
    case 'bool':
    case 'geoPoint':
      return { ...common, type };
    case 'email':
    case 'url':
      return { ...common, type, onlyDomains: read.strings('onlyDomains'), exceptDomains: read.strings('exceptDomains') };
    case 'date':
      return { ...common, type, min: read.string('min'), max: read.string('max') };
    case 'autodate':
      return { ...common, type, onCreate: read.bool('onCreate'), onUpdate: read.bool('onUpdate') };
    case 'select': {
      const values = read.strings('values');
      if (values.length === 0) read.errors.values = fieldError('validation_required', 'Cannot be blank.');
      return { ...common, type, values, maxSelect: Math.max(1, read.int('maxSelect', 1)) };
    }
    case 'json':
      return { ...common, type, maxSize: read.int('maxSize', 0) };
    case 'relation': {
      const collectionId = read.string('collectionId');
      if (collectionId === '') read.errors.collectionId = fieldError('validation_required', 'Cannot be blank.');
      return {
        ...common, type, collectionId, cascadeDelete: read.bool('cascadeDelete'),
        minSelect: read.int('minSelect', 0), maxSelect: Math.max(1, read.int('maxSelect', 1)),
      };
    }
    case 'file':
      return {
        ...common, type, maxSize: read.int('maxSize', 0), maxSelect: Math.max(1, read.int('maxSelect', 1)),
        mimeTypes: read.strings('mimeTypes'), thumbs: read.strings('thumbs'), protected: read.bool('protected'),
      };
    case 'password':
      return {
        ...common, type, min: read.int('min', 0), max: read.int('max', 0), pattern: read.regex('pattern'), cost: read.int('cost', 0),
        rejectCommon: read.bool('rejectCommon'),
      };
  }
}

/**
 * The most bytes a password may have, whatever the field's `max` says: longer input is refused with a
 * 400 before any hashing work (Argon2 has no 72-byte limit as bcrypt does, but an unbounded input is
 * an easy way to burn CPU).
 */
export const PASSWORD_MAX_BYTES = 1024;

/** Effective limits where PocketBase reads 0 as "the default". */
export const EFFECTIVE = {
  textMax: (max: number): number => (max > 0 ? max : 5000),
  editorMaxSize: (maxSize: number): number => (maxSize > 0 ? maxSize : 5 * MB),
  jsonMaxSize: (maxSize: number): number => (maxSize > 0 ? maxSize : MB),
  fileMaxSize: (maxSize: number): number => (maxSize > 0 ? maxSize : 5 * MB),
  passwordMax: (max: number): number => (max > 0 ? max : 71),
} as const;
