// Builds a complete, validated Collection from what a client sent (create, update, import).
// Every problem is collected and reported together, with PocketBase's codes and nesting.
import { fieldError, ValidationError, type FieldError, type FieldErrors } from '../core/errors.js';
import { collectionIdFor } from '../core/ids.js';
import { nowDate } from '../core/time.js';
import type { SecretBox } from '../core/secret-box.js';
import { parseFilter } from '../query/index.js';
import { IndexSyntaxError, formatIndex, indexFieldError, parseIndex, resolveIndexColumns, type ParsedIndex } from './indexes/index.js';
import { normalizeField, type OptionErrors } from './fields/options.js';
import {
  TOKEN_KINDS, type AuthOptions, type Collection, type CollectionType, type Field, type Rules,
} from './model.js';
import { authIndexes, authSystemFields, defaultAuthOptions, idField, newTokenSecret } from './scaffolds.js';
import { readOAuth2Options } from './oauth2-options.js';
import { INVALID_VIEW_QUERY_CODE, invalidViewQueryMessage, parseViewQuery, ViewQueryError, type LexOptions, type ParsedViewQuery } from './views/index.js';

type Raw = Readonly<Record<string, unknown>>;

/** Tables of the system itself, which no collection may take as its name. */
export const INTERNAL_TABLES = ['_collections', '_params', '_migrations', '_sessions'];
const COLLECTION_NAME = /^\w+$/;
const RULE_KEYS = ['listRule', 'viewRule', 'createRule', 'updateRule', 'deleteRule'] as const;

export interface BuildContext {
  /** Other collections (by id or name, case-insensitively), for uniqueness and relations. */
  readonly find: (idOrName: string) => Collection | undefined;
  /** Every collection, to keep index names unique across tables. */
  readonly all: () => readonly Collection[];
  readonly secrets: SecretBox;
  /** True when building the system's own collections (names may start with `_`). */
  readonly allowSystem?: boolean;
  /** How the engine's SQL quotes strings, for reading view queries (default: no backslash escapes). */
  readonly viewLex?: LexOptions;
}

const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

function readRule(raw: Raw, key: string, previous: string | null, errors: Record<string, FieldError>): string | null {
  if (!(key in raw)) return previous;
  const value = raw[key];
  if (value === null) return null;
  if (typeof value !== 'string') {
    errors[key] = fieldError('validation_invalid_rule', 'Invalid rule.');
    return previous;
  }
  try {
    parseFilter(value);
  } catch {
    errors[key] = fieldError('validation_invalid_rule', 'Invalid rule.');
  }
  return value;
}

function mergeFields(rawFields: unknown, previous: Collection | null, type: CollectionType, self: { id: string; name: string }, ctx: BuildContext, errors: Record<string, FieldError | FieldErrors>): Field[] {
  const isAuth = type === 'auth';
  const systemDefaults = isAuth ? [idField(), ...authSystemFields()] : [idField()];
  if (rawFields === undefined) return previous ? [...previous.fields] : systemDefaults;
  if (!Array.isArray(rawFields)) {
    errors.fields = fieldError('validation_invalid_value', 'Must be a list of fields.');
    return previous ? [...previous.fields] : systemDefaults;
  }
  const fieldErrors: Record<string, FieldErrors> = {};
  const fields: Field[] = [];
  const seenNames = new Set<string>();
  const seenIds = new Set<string>();
  rawFields.forEach((input, i) => {
    const own: OptionErrors = {};
    const givenId = isRecord(input) && typeof input.id === 'string' ? input.id : '';
    const prior = givenId ? previous?.fields.find((f) => f.id === givenId) : undefined;
    const normalized = normalizeField(input, own, { isAuth, previous: prior });
    // Errors are keyed by the position the client sent, before system fields are restored.
    const field = normalized && resolveRelation(normalized, self, ctx);
    if (normalized && !field) own.collectionId = fieldError('validation_missing_rel_collection', 'Relation connection is missing or cannot be accessed.');
    // PocketBase: only views may point at views (pocketbase#3000).
    if (field?.type === 'relation' && field.collectionId !== self.id && ctx.find(field.collectionId)?.type === 'view') {
      own.collectionId = fieldError('validation_relation_field_non_view_base_collection', 'Only view collections are allowed to have relations to other views.');
    }
    if (field) {
      const lower = field.name.toLowerCase();
      if (seenNames.has(lower)) own.name = fieldError('validation_duplicated_field_name', `Duplicated or invalid field name ${field.name}.`, { fieldName: field.name });
      else if (seenIds.has(field.id)) own.id = fieldError('validation_duplicated_field_id', `Duplicated or invalid field id ${field.id}.`);
      seenNames.add(lower);
      seenIds.add(field.id);
      if (prior?.system && prior.name !== field.name) own.name = fieldError('validation_system_field_change', 'System fields cannot be deleted or renamed.');
    }
    if (Object.keys(own).length) fieldErrors[String(i)] = own;
    else if (field) fields.push(field);
  });
  // System fields may not be removed: restore any that are missing, at the front, as PocketBase does.
  const required = previous ? previous.fields.filter((f) => f.system) : systemDefaults;
  const missing = required.filter((s) => !fields.some((f) => f.id === s.id || f.name.toLowerCase() === s.name.toLowerCase()));
  if (Object.keys(fieldErrors).length) errors.fields = fieldErrors;
  return [...missing, ...fields];
}

/** Points a relation at its target's id (it may be given by name); null when there is no such collection. */
function resolveRelation(f: Field, self: { id: string; name: string }, ctx: BuildContext): Field | null {
  if (f.type !== 'relation') return f;
  const target = f.collectionId === self.id || f.collectionId === self.name ? self : ctx.find(f.collectionId);
  return target ? { ...f, collectionId: target.id } : null;
}

/** Lower-cased index names other collections use, with the collection using each. */
function indexNamesElsewhere(ctx: BuildContext, self: Collection | null): Map<string, string> {
  const used = new Map<string, string>();
  for (const c of ctx.all()) {
    if (c.id === self?.id) continue;
    for (const text of c.indexes) {
      try {
        used.set(parseIndex(text).name.toLowerCase(), c.name);
      } catch {
        // Stored indexes were validated when saved; an unreadable one cannot clash.
      }
    }
  }
  return used;
}

function readIndexes(raw: Raw, previous: Collection | null, name: string, fields: readonly Field[], ctx: BuildContext, errors: Record<string, FieldError | FieldErrors>): ParsedIndex[] {
  const list = raw.indexes === undefined ? (previous?.indexes ?? []) : raw.indexes;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) {
    errors.indexes = fieldError('validation_invalid_value', 'Must be a list of index definitions.');
    return [];
  }
  const columnNames = fields.map((f) => f.name);
  const elsewhere = indexNamesElsewhere(ctx, previous);
  const indexErrors: Record<string, FieldError> = {};
  const parsed: ParsedIndex[] = [];
  const seen = new Set<string>();
  (list as string[]).forEach((text, i) => {
    try {
      // NOTE: names are matched case-insensitively (SQLite) and rewritten to the field's spelling,
      // which PostgreSQL's quoted identifiers need; WHERE columns are checked too.
      const idx = resolveIndexColumns(parseIndex(text), columnNames);
      const key = idx.name.toLowerCase();
      const other = elsewhere.get(key);
      if (seen.has(key)) {
        indexErrors[String(i)] = fieldError('validation_duplicated_index_name', 'Duplicated index name.');
      } else if (other !== undefined) {
        // NOTE: index names are database-wide in SQLite and schema-wide in PostgreSQL (PocketBase's check).
        indexErrors[String(i)] = fieldError('validation_existing_index_name', `The index name is already used in ${other} collection.`);
      } else {
        seen.add(key);
        // The table is always the collection itself, whatever the text said (a rename updates it).
        parsed.push({ ...idx, table: name });
      }
    } catch (err) {
      if (!(err instanceof IndexSyntaxError)) throw err;
      indexErrors[String(i)] = indexFieldError(err);
    }
  });
  if (Object.keys(indexErrors).length) errors.indexes = indexErrors;
  return parsed;
}

/** Merges auth options from the body over the previous (or default) ones; secrets stay sealed. */
function readAuthOptions(raw: Raw, previous: AuthOptions | null, ctx: BuildContext, errors: Record<string, FieldError | FieldErrors>): AuthOptions {
  const base = previous ?? sealSecrets(defaultAuthOptions(), ctx.secrets);
  const merged: Record<string, unknown> = { ...base };
  for (const key of Object.keys(base) as (keyof AuthOptions)[]) {
    if (!(key in raw)) continue;
    const value = raw[key];
    if (key === 'authRule' || key === 'manageRule') {
      merged[key] = readRule(raw, key, base[key], errors as Record<string, FieldError>);
      continue;
    }
    if (key === 'oauth2') {
      merged.oauth2 = readOAuth2Options(value, base.oauth2, ctx.secrets, errors);
      continue;
    }
    if (!isRecord(value)) {
      errors[key] = fieldError('validation_invalid_value', 'Must be an object.');
      continue;
    }
    merged[key] = { ...(base[key] as object), ...value };
  }
  for (const kind of TOKEN_KINDS) {
    const given = isRecord(raw[kind]) ? (raw[kind] as Raw) : {};
    const prior = base[kind];
    const duration = (merged[kind] as { duration: unknown }).duration;
    if (typeof duration !== 'number' || !Number.isInteger(duration) || duration < 10 || duration > 94670856) {
      errors[kind] = { duration: fieldError('validation_invalid_value', 'Must be a whole number of seconds between 10 and 94670856.') };
    }
    const secret = typeof given.secret === 'string' && given.secret !== '' ? given.secret : null;
    if (secret !== null && secret.length < 30) errors[kind] = { secret: fieldError('validation_length_out_of_range', 'The length must be between 30 and 255.') };
    merged[kind] = { ...(merged[kind] as object), secret: secret !== null ? ctx.secrets.seal(secret) : prior.secret };
  }
  const passwordAuth = merged.passwordAuth as AuthOptions['passwordAuth'];
  if (!Array.isArray(passwordAuth.identityFields) || !passwordAuth.identityFields.every((f) => typeof f === 'string')) {
    errors.passwordAuth = { identityFields: fieldError('validation_invalid_value', 'Must be a list of field names.') };
  }
  return merged as unknown as AuthOptions;
}

export function sealSecrets(auth: AuthOptions, secrets: SecretBox): AuthOptions {
  const sealed: Record<string, unknown> = { ...auth };
  for (const kind of TOKEN_KINDS) sealed[kind] = { ...auth[kind], secret: secrets.seal(auth[kind].secret || newTokenSecret()) };
  return sealed as unknown as AuthOptions;
}

function checkIdentityFields(auth: AuthOptions, fields: readonly Field[], indexes: readonly ParsedIndex[], errors: Record<string, FieldError | FieldErrors>): void {
  for (const name of auth.passwordAuth.identityFields) {
    const field = fields.find((f) => f.name === name);
    if (!field) {
      errors.passwordAuth = { identityFields: fieldError('validation_missing_field', `Invalid or missing field ${name}.`, { fieldName: name }) };
      return;
    }
    const hasUnique = indexes.some((i) => i.unique && i.columns.length === 1 && i.columns[0]!.name.toLowerCase() === name.toLowerCase());
    if (!hasUnique) {
      errors.passwordAuth = { identityFields: fieldError('validation_missing_unique_constraint', `The field ${name} doesn't have a UNIQUE constraint.`, { fieldName: name }) };
      return;
    }
  }
}

export interface BuiltCollection {
  /** For a view, `fields` are the previous ones until the service derives them from the query. */
  readonly collection: Collection;
  readonly indexes: readonly ParsedIndex[];
  /** A view's checked query; null for other types. */
  readonly view: ParsedViewQuery | null;
}

const VIEW_WRITE_RULES = ['createRule', 'updateRule', 'deleteRule'] as const;

/** A view's query, read and checked as far as it can be without the database. */
function readViewQuery(raw: Raw, previous: Collection | null, ctx: BuildContext, errors: Record<string, FieldError | FieldErrors>): ParsedViewQuery | null {
  const value = raw.viewQuery ?? previous?.viewQuery ?? '';
  if (typeof value !== 'string') {
    errors.viewQuery = fieldError('validation_invalid_value', 'Must be a string.');
    return null;
  }
  if (value.trim() === '') {
    errors.viewQuery = fieldError('validation_required', 'Cannot be blank.');
    return null;
  }
  try {
    return parseViewQuery(value, ctx.viewLex ?? { hasBackslashEscapes: false });
  } catch (err) {
    if (!(err instanceof ViewQueryError)) throw err;
    errors.viewQuery = fieldError(INVALID_VIEW_QUERY_CODE, invalidViewQueryMessage(err.message));
    return null;
  }
}

/**
 * Validates `raw` as a new collection (`previous` null) or as changes to `previous`, and returns the
 * complete collection. Throws ValidationError with every problem found.
 */
export function buildCollection(raw: unknown, previous: Collection | null, ctx: BuildContext): BuiltCollection {
  const failure = previous ? 'Failed to update collection.' : 'Failed to create collection.';
  if (!isRecord(raw)) throw new ValidationError(failure, {});
  const errors: Record<string, FieldError | FieldErrors> = {};

  const type = (raw.type ?? previous?.type ?? 'base') as CollectionType;
  if (!['base', 'auth', 'view'].includes(type)) errors.type = fieldError('validation_in_invalid', 'Must be a valid value.');
  else if (previous && previous.type !== type) errors.type = fieldError('validation_collection_type_change', 'Collection type cannot be changed.');

  const name = typeof raw.name === 'string' ? raw.name.trim() : previous?.name ?? '';
  if (raw.name !== undefined && typeof raw.name !== 'string') errors.name = fieldError('validation_invalid_value', 'Must be a string.');
  else if (name === '') errors.name = fieldError('validation_required', 'Cannot be blank.');
  else if (name.length > 255) errors.name = fieldError('validation_length_out_of_range', 'The length must be between 1 and 255.');
  else if (!COLLECTION_NAME.test(name)) errors.name = fieldError('validation_match_invalid', 'Must be in a valid format.');
  else if (name.toLowerCase().includes('_via_')) errors.name = fieldError('validation_found_via', 'The value cannot contain "_via_".');
  else if (INTERNAL_TABLES.includes(name.toLowerCase()) || /^(sqlite_|pg_|_ms_)/i.test(name)) {
    errors.name = fieldError('validation_collection_name_invalid', "The name shouldn't match with an existing internal table.");
  } else if (name.startsWith('_') && !ctx.allowSystem && previous?.name !== name) {
    errors.name = fieldError('validation_collection_name_invalid', 'Names starting with "_" are reserved for system collections.');
  } else if (previous?.system && previous.name !== name) {
    errors.name = fieldError('validation_collection_system_name_change', 'System collection name cannot be changed.');
  } else {
    const clash = ctx.find(name);
    if (clash && clash.id !== previous?.id) errors.name = fieldError('validation_collection_name_exists', 'Collection name must be unique (case insensitive).');
  }

  let id = previous?.id ?? '';
  if (!previous) {
    id = typeof raw.id === 'string' && raw.id !== '' ? raw.id : collectionIdFor(type, name);
    if (!/^\w{1,100}$/.test(id)) errors.id = fieldError('validation_invalid_format', 'Invalid value format.');
    else if (ctx.find(id)) errors.id = fieldError('validation_pk_invalid', 'The collection id is invalid or already exists.');
  }

  const system = previous?.system ?? (ctx.allowSystem === true && raw.system === true);
  const ruleErrors: Record<string, FieldError> = {};
  const rules = Object.fromEntries(RULE_KEYS.map((k) => [k, readRule(raw, k, previous ? previous[k] : null, ruleErrors)])) as unknown as Rules;
  Object.assign(errors, ruleErrors);
  if (previous?.system) {
    for (const k of RULE_KEYS) {
      if (rules[k] !== previous[k]) errors[k] = fieldError('validation_collection_system_rule_change', 'System collection API rule cannot be changed.');
    }
  }

  const isView = type === 'view';
  if (isView) {
    // PocketBase: a view stores no records of its own, so it takes none by the API.
    for (const k of VIEW_WRITE_RULES) if (rules[k] !== null) errors[k] = fieldError('validation_nil', 'Must be blank.');
  }
  // A view's fields come from its query (the service derives them); whatever the body says is ignored.
  const fields = isView ? [...(previous?.fields ?? [])] : mergeFields(raw.fields, previous, type, { id, name }, ctx, errors);
  const view = isView ? readViewQuery(raw, previous, ctx, errors) : null;

  const auth = type === 'auth' ? readAuthOptions(raw, previous?.auth ?? null, ctx, errors) : null;
  let indexes: ParsedIndex[] = [];
  if (!isView) indexes = readIndexes(raw, previous, name, fields, ctx, errors);
  else if (Array.isArray(raw.indexes) && raw.indexes.length > 0) {
    errors.indexes = fieldError('validation_indexes_not_supported', "View collections don't support indexes.");
  }
  if (type === 'auth') {
    indexes = ensureAuthIndexes(indexes, id, name);
    if (auth) checkIdentityFields(auth, fields, indexes, errors);
  }

  if (Object.keys(errors).length) throw new ValidationError(failure, errors);

  const now = nowDate();
  const collection: Collection = {
    id,
    name,
    type,
    system,
    fields,
    indexes: indexes.map(formatIndex),
    ...rules,
    viewQuery: view?.query ?? '',
    auth,
    created: previous?.created ?? now,
    updated: now,
  };
  return { collection, indexes, view };
}

/** Auth collections always keep unique indexes on tokenKey and non-empty email (API.md §3). */
function ensureAuthIndexes(indexes: ParsedIndex[], id: string, name: string): ParsedIndex[] {
  const out = [...indexes];
  const covers = (column: string) => out.some((i) => i.unique && i.columns.length === 1 && i.columns[0]!.name === column);
  const defaults = authIndexes(id, name).map(parseIndex);
  for (const idx of defaults) {
    if (!covers(idx.columns[0]!.name)) out.push({ ...idx, table: name });
  }
  return out;
}
