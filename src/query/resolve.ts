// Field paths to values (PocketBase's core/record_field_resolver*.go): columns, relations and
// back-relations up to 6 hops, JSON paths, `@collection.*`, `@request.*` and the modifiers.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { AppError } from '../core/errors.js';
import type { PathOperand } from './ast.js';
import { invalid, JoinSpace, MAX_RELATION_DEPTH, type CompileContext } from './joins.js';
import type { FilterScope, QueryColumn, QuerySchema } from './scope.js';
import { compareScalars, literal, type Literal, type Scalar } from './values.js';

/** A correlated subquery over every value of a many-valued path, for "every value matches". */
export interface MultiSource {
  readonly from: RawBuilder<unknown>;
  readonly where: RawBuilder<SqlBool>;
  readonly value: Scalar;
}

/** What one side of a comparison stands for. */
export type Resolved =
  | { readonly kind: 'one'; readonly value: Scalar }
  /** `value` is one joined row's value; `every()` builds a fresh subquery over all of them. */
  | { readonly kind: 'many'; readonly value: Scalar; readonly every: () => MultiSource }
  /** Values known now (`@request.body.tags`); `multi` when a plain operator must hold for each. */
  | { readonly kind: 'list'; readonly values: readonly Literal[]; readonly multi: boolean };

export interface ResolveOptions {
  /** `~`/`!~`: a bare multiple field is its stored JSON text, as in PocketBase (`members ~ @request.auth.id`). */
  readonly asText: boolean;
  /** A sort key: PocketBase sorts by an auth record's email whether or not it is visible. */
  readonly isSortKey?: boolean;
}

/** A nested rule compiler, injected so this file does not import compile.ts. */
export type RuleCompiler = (scope: FilterScope) => RawBuilder<SqlBool>;

interface Walk {
  readonly scope: FilterScope;
  readonly ctx: CompileContext;
  readonly space: JoinSpace;
  readonly options: ResolveOptions;
  readonly compileRule: RuleCompiler;
}

const BACK_RELATION = /^(\w+)_via_(\w+)$/;
const ONLY_SUPERUSERS_COLLECTION = 'Only superusers can filter by @collection.';
const ONLY_SUPERUSERS_REQUEST = 'Only superusers can filter by @request.';

const one = (value: Scalar): Resolved => ({ kind: 'one', value });
const NULL_VALUE = one(literal(null));

function schemaOf(w: Walk, idOrName: string): QuerySchema {
  const found = w.scope.schemas?.schema(idOrName);
  if (!found) throw invalid('unknown collection');
  return found;
}

const isSameTable = (schema: QuerySchema, ref: string): boolean => ref === schema.table || (schema.id !== undefined && ref === schema.id);

/**
 * The condition a client filter adds on rows of `schema` it joins: its read rule (a collection's
 * listRule), so a filter never reveals what the caller could not list. Superusers-only is a 400.
 */
function readCondition(w: Walk, schema: QuerySchema, alias: string): RawBuilder<SqlBool> | null {
  if (w.scope.isTrusted) return null;
  const access = schema.readAccess ?? { kind: 'superusers' };
  if (access.kind === 'superusers') throw invalid('joined collection is superusers only');
  if (access.kind === 'public') return null;
  return w.compileRule({ ...w.scope, schema, tableRef: alias, isTrusted: true });
}

// The element column of a joined `jsonEach` FROM item.
const elementOf = (d: CompileContext['dialect'], alias: string): RawBuilder<unknown> => d.jsonEach(sql`NULL`, alias).value;

const onWith = (on: RawBuilder<unknown>, extra: RawBuilder<SqlBool> | null): RawBuilder<unknown> =>
  extra === null ? on : sql`(${on} AND ${extra})`;

/** Resolves `path` in `space`; `many` results rebuild themselves in a fresh space for `every()`. */
export function resolvePath(path: PathOperand, w: Walk): Resolved {
  const head = path.segments[0];
  if (head === '@request') {
    if (!w.scope.isTrusted) throw new AppError('forbidden', ONLY_SUPERUSERS_REQUEST);
    return resolveRequest(path, w);
  }
  if (head === '@collection') {
    if (!w.scope.isTrusted) throw new AppError('forbidden', ONLY_SUPERUSERS_COLLECTION);
    return withEvery(path, w, (ww) => resolveCollection(path, ww));
  }
  return withEvery(path, w, (ww) => walk(ww, w.scope.schema, ww.space.base, '', path.segments, path.modifier, false, 0));
}

interface Step {
  readonly value: Scalar;
  readonly many: boolean;
}

/** Wraps a resolution so a many-valued result can rebuild itself over a fresh subquery. */
function withEvery(path: PathOperand, w: Walk, run: (w: Walk) => Step | Resolved): Resolved {
  const result = run(w);
  if ('kind' in result) return result;
  if (!result.many) return one(result.value);
  return {
    kind: 'many',
    value: result.value,
    every: () => {
      const anchor = w.ctx.nextAlias();
      const space = new JoinSpace(w.ctx, anchor);
      const again = run({ ...w, space });
      if ('kind' in again) throw invalid();
      return {
        from: space.fromClause(w.scope.schema.table),
        where: sql<SqlBool>`${sql.ref(`${anchor}.id`)} = ${sql.ref(`${w.space.base}.id`)}`,
        value: again.value,
      };
    },
  };
}

function resolveCollection(path: PathOperand, w: Walk): Step {
  const [name, alias] = path.segments[1]!.split(':') as [string, string | undefined];
  const schema = schemaOf(w, name);
  const key = alias === undefined ? `@collection.${schema.table}` : `@collection:${alias}`;
  const joined = w.space.join(key, (a) => ({ from: sql`${sql.table(schema.table)} AS ${sql.id(a)}`, on: onWith(sql`1 = 1`, readCondition(w, schema, a)) }));
  const step = walk(w, schema, joined, key, path.segments.slice(2), path.modifier, true, 0);
  if ('kind' in step) throw invalid();
  return step;
}

/** Walks `props` from `alias` (a row of `schema`) through relations to the last field. */
function walk(w: Walk, schema: QuerySchema, alias: string, key: string, props: readonly string[], modifier: PathOperand['modifier'], many: boolean, depth: number): Step {
  const d = w.ctx.dialect;
  for (let i = 0; ; i++) {
    const prop = props[i]!;
    if (i === props.length - 1) return finalize(w, schema, alias, key, prop, modifier, many);
    const column = schema.columns.get(prop);
    if (column?.hidden && !w.scope.isTrusted) throw invalid('hidden field');
    // A JSON or geoPoint field: the rest of the path is a path inside the document.
    if (column?.kind === 'json') {
      if (modifier !== null && modifier !== 'lower') throw invalid('modifier on a JSON path');
      const doc = sql.ref(`${alias}.${prop}`);
      const value = d.jsonPath(doc, props.slice(i + 1).map((p) => (/^\d+$/.test(p) ? Number(p) : p)));
      if (modifier === 'lower') return { value: { type: 'column', sql: d.lower(sql`COALESCE(${value.text}, ${d.castText(value.number)})`), kind: 'text', nullable: true }, many };
      return { value: { type: 'jsonPath', ...value }, many };
    }
    if (depth >= MAX_RELATION_DEPTH) throw invalid('too many nested relations');
    depth++;
    const childKey = `${key}.${prop}`;
    if (!column) {
      const back = backRelation(w, schema, alias, childKey, prop);
      schema = back.schema;
      alias = back.alias;
      many = many || back.many;
      continue;
    }
    if (column.relationTo === undefined) throw invalid('not a relation');
    const target = schemaOf(w, column.relationTo);
    const isMultiple = column.kind === 'jsonArray';
    // `author.id` is the stored id itself: no join, as PocketBase does for single relations.
    if (!isMultiple && i === props.length - 2 && props[i + 1] === 'id') return finalize(w, schema, alias, key, prop, modifier, many);
    const from = alias;
    if (isMultiple) {
      const elements = w.space.join(`${childKey}#`, (je) => ({ from: d.jsonEach(sql.ref(`${from}.${prop}`), je).from, on: sql`1 = 1` }));
      const value = elementOf(d, elements);
      alias = w.space.join(childKey, (a) => ({
        from: sql`${sql.table(target.table)} AS ${sql.id(a)}`,
        on: onWith(sql`${sql.ref(`${a}.id`)} = ${value}`, readCondition(w, target, a)),
      }));
      many = true;
    } else {
      alias = w.space.join(childKey, (a) => ({
        from: sql`${sql.table(target.table)} AS ${sql.id(a)}`,
        on: onWith(sql`${sql.ref(`${a}.id`)} = ${sql.ref(`${from}.${prop}`)}`, readCondition(w, target, a)),
      }));
    }
    schema = target;
    key = childKey;
  }
}

/** `comments_via_post`: rows of `comments` whose `post` relation points at this row. */
function backRelation(w: Walk, schema: QuerySchema, alias: string, key: string, prop: string): { schema: QuerySchema; alias: string; many: boolean } {
  const m = BACK_RELATION.exec(prop);
  if (!m) throw invalid('unknown field');
  const source = schemaOf(w, m[1]!);
  const field = source.columns.get(m[2]!);
  if (!field || field.relationTo === undefined || !isSameTable(schema, field.relationTo)) throw invalid('invalid back-relation');
  if (field.hidden && !w.scope.isTrusted) throw invalid('hidden field');
  const d = w.ctx.dialect;
  const isMultiple = field.kind === 'jsonArray';
  const joined = w.space.join(key, (a) => {
    let on: RawBuilder<unknown>;
    if (isMultiple) {
      const je = w.ctx.nextAlias();
      const each = d.jsonEach(sql.ref(`${a}.${m[2]!}`), je);
      on = sql`EXISTS (SELECT 1 FROM ${each.from} WHERE ${each.value} = ${sql.ref(`${alias}.id`)})`;
    } else {
      on = sql`${sql.ref(`${a}.${m[2]!}`)} = ${sql.ref(`${alias}.id`)}`;
    }
    return { from: sql`${sql.table(source.table)} AS ${sql.id(a)}`, on: onWith(on, readCondition(w, source, a)) };
  });
  // A single relation with a unique index points back at most once: single-valued, as in PocketBase.
  return { schema: source, alias: joined, many: isMultiple || !(source.uniqueColumns?.has(m[2]!) ?? false) };
}

function columnScalar(ref: RawBuilder<unknown>, column: QueryColumn, nullable: boolean): Scalar {
  const kind = column.kind === 'number' || column.kind === 'bool' ? column.kind : column.kind === 'json' ? 'json' : 'text';
  return { type: 'column', sql: ref, kind, nullable: nullable || kind === 'json' };
}

/** The last field of a path, with its modifier. */
function finalize(w: Walk, schema: QuerySchema, alias: string, key: string, prop: string, modifier: PathOperand['modifier'], many: boolean): Step {
  const d = w.ctx.dialect;
  const column = schema.columns.get(prop);
  if (!column) throw invalid('unknown field');
  if (column.hidden && !w.scope.isTrusted) throw invalid('hidden field');
  const joined = alias !== w.space.base;
  let ref: RawBuilder<unknown> = sql.ref(`${alias}.${prop}`);
  // Untrusted filters see an auth record's email only where the owner made it visible (PocketBase).
  if (prop === 'email' && schema.hasEmailVisibility && !w.scope.isTrusted && w.options.isSortKey !== true) {
    ref = sql`(CASE WHEN ${sql.ref(`${alias}.emailVisibility`)} THEN ${ref} END)`;
    return { value: { type: 'column', sql: modifier === 'lower' ? d.lower(ref) : ref, kind: 'text', nullable: true }, many };
  }
  const isMultiple = column.kind === 'jsonArray';
  switch (modifier) {
    case 'length': {
      if (!column.isList) throw invalid(':length on a single-value field');
      const length = isMultiple ? d.jsonArrayLength(ref) : sql`(CASE WHEN ${ref} = '' THEN 0 ELSE 1 END)`;
      return { value: { type: 'column', sql: length, kind: 'number', nullable: joined }, many };
    }
    case 'each': {
      if (!column.isList) throw invalid(':each on a single-value field');
      if (!isMultiple) return { value: columnScalar(ref, column, joined), many };
      const je = w.space.join(`${key}.${prop}:each`, (a) => ({ from: d.jsonEach(ref, a).from, on: sql`1 = 1` }));
      return { value: { type: 'column', sql: elementOf(d, je), kind: 'text', nullable: true }, many: true };
    }
    case 'lower':
      return { value: { type: 'column', sql: d.lower(column.kind === 'text' || column.kind === 'id' ? ref : d.castText(ref)), kind: 'text', nullable: joined }, many };
    case 'isset':
    case 'changed':
      throw invalid(`:${modifier} applies to @request.body only`);
    case null:
      break;
  }
  if (isMultiple && !w.options.asText) {
    // A multiple field's values: one per array element (an empty array reads as one empty value).
    const je = w.space.join(`${key}.${prop}:each`, (a) => ({ from: d.jsonEach(ref, a).from, on: sql`1 = 1` }));
    return { value: { type: 'column', sql: elementOf(d, je), kind: 'text', nullable: true }, many: true };
  }
  return { value: columnScalar(ref, column, joined), many };
}

// ---- @request.* -------------------------------------------------------------------------------

const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** A nested value of request data: object keys and array indexes; undefined when missing. */
function pick(source: unknown, keys: readonly string[]): unknown {
  let current = source;
  for (const key of keys) {
    if (Array.isArray(current) && /^\d+$/.test(key)) current = current[Number(key)];
    else if (current !== null && typeof current === 'object' && !Array.isArray(current) && Object.hasOwn(current, key)) current = (current as Record<string, unknown>)[key];
    else return undefined;
  }
  return current;
}

function toLiteral(value: unknown): Literal {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  return JSON.stringify(value) ?? null;
}

const toItems = (value: unknown): unknown[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);

function idsOf(value: unknown): string[] {
  return [...new Set(toItems(value).filter((v): v is string => typeof v === 'string' && v !== ''))];
}

/** A request value as a comparison side; `column` says how the matching field stores it. */
function staticValue(w: Walk, value: unknown, column: QueryColumn | undefined, modifier: PathOperand['modifier']): Resolved {
  if (modifier === 'lower') return one(literal(value === undefined || value === null ? null : asciiLower(String(toLiteral(value)))));
  if (modifier !== null) throw invalid(`:${modifier} is not valid here`);
  // PocketBase reads a numeric string sent for a number field (multipart forms) as the number.
  if (typeof value === 'string' && column?.kind === 'number' && value.trim() !== '' && Number.isFinite(Number(value))) return one(literal(Number(value)));
  if (Array.isArray(value) && column?.kind === 'jsonArray' && !w.options.asText) {
    return { kind: 'list', values: value.map(toLiteral), multi: true };
  }
  return one(literal(toLiteral(value)));
}

function resolveRequest(path: PathOperand, w: Walk): Resolved {
  const { request } = w.scope;
  const [, group, ...rest] = path.segments;
  const isset = path.modifier === 'isset';
  if (group !== 'auth') w.ctx.volatile();
  switch (group) {
    case 'method':
      return one(literal(request.method));
    case 'context':
      return one(literal(request.context));
    case 'query':
    case 'headers': {
      const value = pick(group === 'query' ? request.query : request.headers, rest);
      return isset ? one(literal(value !== undefined)) : staticValue(w, value, undefined, path.modifier);
    }
    case 'auth':
      return resolveAuth(path, rest, w);
    case 'body':
      return resolveBody(path, rest, w);
    default:
      throw invalid('invalid @request path');
  }
}

function resolveAuth(path: PathOperand, rest: readonly string[], w: Walk): Resolved {
  const auth = w.scope.request.auth;
  if (path.modifier === 'isset') return one(literal(auth !== null && pick(auth, rest) !== undefined));
  // NOTE: guests have `@request.auth.id = ""` (PocketBase gives NULL: the same under every operator).
  if (!auth) return rest.length === 1 && rest[0] === 'id' ? one(literal('')) : NULL_VALUE;
  const authSchema = typeof auth.collectionId === 'string' ? w.scope.schemas?.schema(auth.collectionId) : undefined;
  const column = authSchema?.columns.get(rest[0]!);
  if (rest.length > 1 && column?.relationTo !== undefined) {
    return followIds(path, w, `@request.auth.${rest[0]}`, column, idsOf(auth[rest[0]!]), rest.slice(1));
  }
  return staticValue(w, pick(auth, rest), rest.length === 1 ? column : undefined, path.modifier);
}

function resolveBody(path: PathOperand, rest: readonly string[], w: Walk): Resolved {
  const body = w.scope.request.body;
  const name = rest[0]!;
  const column = w.scope.schema.columns.get(name);
  const value = pick(body, rest);
  if (path.modifier === 'isset') return one(literal(value !== undefined));
  if (!column) return staticValue(w, value, undefined, path.modifier);
  if (rest.length > 1 && column.relationTo !== undefined) return followIds(path, w, `@request.body.${name}`, column, idsOf(body[name]), rest.slice(1));
  if (rest.length === 1) {
    switch (path.modifier) {
      case 'each':
        if (!column.isList) throw invalid(':each on a single-value field');
        return { kind: 'list', values: toItems(value).map(toLiteral), multi: column.kind === 'jsonArray' };
      case 'length':
        if (!column.isList) throw invalid(':length on a single-value field');
        return one(literal(toItems(value).length));
      case 'changed':
        return one(changed(w, name, column, value));
      default:
        break;
    }
  }
  return staticValue(w, value, rest.length === 1 ? column : undefined, path.modifier);
}

/** `@request.body.x:changed`: sent and different from the stored `x` (PocketBase's alias expression). */
function changed(w: Walk, name: string, column: QueryColumn, value: unknown): Scalar {
  const d = w.ctx.dialect;
  if (value === undefined) return literal(false);
  const stored = columnScalar(sql.ref(`${w.space.base}.${name}`), column, false);
  const sent = column.kind === 'number' && typeof value === 'string' && Number.isFinite(Number(value)) && value.trim() !== '' ? Number(value) : toLiteral(value);
  const differs = compareScalars(stored, '!=', literal(sent), d);
  return { type: 'column', sql: sql`(CASE WHEN ${differs} THEN ${d.param(true, 'bool')} ELSE ${d.param(false, 'bool')} END)`, kind: 'bool', nullable: false };
}

/** `@request.auth.team.owner`, `@request.body.author.role`: the related rows of ids known now. */
function followIds(path: PathOperand, w: Walk, key: string, column: QueryColumn, ids: readonly string[], props: readonly string[]): Resolved {
  if (ids.length === 0) return NULL_VALUE;
  const target = schemaOf(w, column.relationTo!);
  const d = w.ctx.dialect;
  return withEvery(path, w, (ww) => {
    const joined = ww.space.join(key, (a) => ({
      from: sql`${sql.table(target.table)} AS ${sql.id(a)}`,
      on: sql`${sql.ref(`${a}.id`)} IN (${sql.join(ids.map((id) => d.param(id, 'text')))})`,
    }));
    return walk(ww, target, joined, key, props, path.modifier, column.kind === 'jsonArray', 1);
  });
}
