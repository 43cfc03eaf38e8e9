// Compiles a parsed filter into one parameterised SQL condition with SQLite's meaning on every
// engine (API.md §5): literals take the type of the field they meet, empty means '' or NULL.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { AppError } from '../core/errors.js';
import type { ColumnKind, DialectAdapter, ScalarKind } from '../db/index.js';
import type { CompareExpr, Expr, Operand, PathOperand } from './ast.js';
import { macroValue } from './macros.js';

/** A column a filter may name. */
export interface QueryColumn {
  readonly kind: ColumnKind;
  /** Only trusted filters (rules, superusers) may read it. */
  readonly hidden: boolean;
}

/** The table a filter runs against and the columns it may name. */
export interface QuerySchema {
  readonly table: string;
  readonly columns: ReadonlyMap<string, QueryColumn>;
}

/** What `@request.*` resolves to in rules. */
export interface RequestInfo {
  readonly auth: Readonly<Record<string, unknown>> | null;
  readonly method: string;
  readonly context: string;
  readonly query: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface FilterScope {
  readonly schema: QuerySchema;
  readonly dialect: DialectAdapter;
  readonly request: RequestInfo;
  /** Rules may use `@request.*` and hidden fields; client filters only when the caller is a superuser. */
  readonly isTrusted: boolean;
}

type Literal = string | number | boolean | null;
type Resolved =
  | { readonly type: 'literal'; readonly value: Literal }
  | { readonly type: 'column'; readonly sql: RawBuilder<unknown>; readonly kind: ScalarKind | 'json'; readonly nullable: boolean };

// PocketBase answers every unusable filter with its generic 400; the reason rides in `cause` for logs.
const invalid = (reason = 'invalid filter expression'): AppError =>
  new AppError('bad_request', undefined, {}, { cause: new Error(reason) });
// TODO(#4): relations, multi-value operands, @collection, functions and the other modifiers.
const notYet = (what: string): AppError => invalid(`${what} is not supported yet`);

function scalarKind(kind: ColumnKind): ScalarKind | 'json' {
  if (kind === 'number' || kind === 'bool') return kind;
  if (kind === 'json' || kind === 'jsonArray') return 'json';
  return 'text';
}

function requestValue(request: RequestInfo, segments: readonly string[]): Literal {
  const [, group, ...rest] = segments;
  const pick = (source: Readonly<Record<string, unknown>> | null, key: string | undefined): Literal => {
    if (!source || key === undefined || rest.length > 1) return null;
    const v = source[key];
    if (v === undefined || v === null) return null;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    throw notYet('a list or object value of @request');
  };
  switch (group) {
    case 'method': return rest.length === 0 ? request.method : null;
    case 'context': return rest.length === 0 ? request.context : null;
    case 'auth': return request.auth ? pick(request.auth, rest[0]) : rest[0] === 'id' ? '' : null;
    case 'query': return pick(request.query, rest[0]);
    case 'headers': return pick(request.headers, rest[0]);
    case 'body': return pick(request.body, rest[0]);
    default: throw invalid();
  }
}

function resolvePath(path: PathOperand, scope: FilterScope): Resolved {
  const [head] = path.segments;
  if (head === '@request') {
    if (!scope.isTrusted) throw new AppError('forbidden', 'Only superusers can filter by @request.');
    if (path.modifier === 'isset') {
      const [, group, key] = path.segments;
      const source = group === 'query' ? scope.request.query : group === 'headers' ? scope.request.headers : group === 'body' ? scope.request.body : null;
      return { type: 'literal', value: source !== null && key !== undefined && key in source };
    }
    if (path.modifier !== null) throw notYet(`the :${path.modifier} modifier`);
    return { type: 'literal', value: requestValue(scope.request, path.segments) };
  }
  if (head === '@collection') {
    if (!scope.isTrusted) throw new AppError('forbidden', 'Only superusers can filter by @collection.');
    throw notYet('@collection');
  }
  if (path.segments.length > 1) throw notYet('a relation or JSON path');
  const column = head === undefined ? undefined : scope.schema.columns.get(head);
  if (!column || (column.hidden && !scope.isTrusted)) throw invalid();
  if (column.kind === 'jsonArray') throw notYet('a multiple-value field');
  const kind = scalarKind(column.kind);
  let ref: RawBuilder<unknown> = sql.ref(`${scope.schema.table}.${head}`);
  if (path.modifier === 'lower') {
    if (kind !== 'text') throw invalid();
    ref = scope.dialect.lower(ref);
  } else if (path.modifier !== null) {
    throw notYet(`the :${path.modifier} modifier`);
  }
  return { type: 'column', sql: ref, kind, nullable: kind === 'json' };
}

function resolve(operand: Operand, scope: FilterScope): Resolved {
  switch (operand.kind) {
    case 'string':
    case 'number':
    case 'bool':
      return { type: 'literal', value: operand.value };
    case 'null':
      return { type: 'literal', value: null };
    case 'macro':
      return { type: 'literal', value: macroValue(operand.name) };
    case 'path':
      return resolvePath(operand, scope);
    case 'call':
      throw notYet(`${operand.name}()`);
  }
}

const isEmptyLiteral = (r: Resolved): boolean => r.type === 'literal' && (r.value === null || r.value === '');

// Text SQLite's NUMERIC affinity turns into a number: decimal only, surrounding ASCII spaces allowed
// (Number() would also take `0x10`, `0b1`, `0o7` and non-ASCII spaces).
const DECIMAL = /^[ \t\n\v\f\r]*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[ \t\n\v\f\r]*$/;

/** A literal as the type of the column it meets; null when it cannot be (then both sides compare as text). */
function castLiteral(value: Literal, kind: ScalarKind | 'json'): Literal | undefined {
  if (kind === 'number') {
    if (typeof value === 'number') return value;
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value === 'string' && DECIMAL.test(value) && Number.isFinite(Number(value))) return Number(value);
    return undefined;
  }
  if (kind === 'bool') {
    if (typeof value === 'boolean') return value;
    if (value === 1 || value === '1' || value === 'true') return true;
    if (value === 0 || value === '0' || value === 'false') return false;
    return undefined;
  }
  if (typeof value === 'boolean') return value ? '1' : '0';
  return value === null ? '' : String(value);
}

function literalKind(value: Literal): ScalarKind {
  return typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'bool' : 'text';
}

interface Pair {
  readonly left: RawBuilder<unknown>;
  readonly right: RawBuilder<unknown>;
  readonly nullable: boolean;
}

/** Brings both sides to one SQL type: a literal takes its column's type; mixed columns compare as text. */
function unify(l: Resolved, r: Resolved, d: DialectAdapter): Pair {
  if (l.type === 'column' && r.type === 'column') {
    const same = l.kind === r.kind || (l.kind !== 'number' && l.kind !== 'bool' && r.kind !== 'number' && r.kind !== 'bool');
    return same
      ? { left: l.sql, right: r.sql, nullable: l.nullable || r.nullable }
      : { left: textOf(l, d), right: textOf(r, d), nullable: l.nullable || r.nullable };
  }
  if (l.type === 'column' && r.type === 'literal') {
    const { column, other } = bindAgainst(l, r.value, d);
    return { left: column, right: other, nullable: l.nullable };
  }
  if (l.type === 'literal' && r.type === 'column') {
    const { column, other } = bindAgainst(r, l.value, d);
    return { left: other, right: column, nullable: r.nullable };
  }
  const lv = (l as { value: Literal }).value;
  const rv = (r as { value: Literal }).value;
  const kind = literalKind(lv) === literalKind(rv) ? literalKind(lv) : 'text';
  return {
    left: d.param(kind === 'text' ? castLiteral(lv, 'text')! : lv, kind),
    right: d.param(kind === 'text' ? castLiteral(rv, 'text')! : rv, kind),
    nullable: false,
  };
}

function textOf(c: Extract<Resolved, { type: 'column' }>, d: DialectAdapter): RawBuilder<unknown> {
  // NOTE: booleans read as '1'/'0' on every engine, as SQLite stores them.
  if (c.kind === 'bool') return sql`CASE WHEN ${c.sql} THEN '1' ELSE '0' END`;
  return c.kind === 'text' ? c.sql : d.castText(c.sql);
}

function bindAgainst(column: Extract<Resolved, { type: 'column' }>, value: Literal, d: DialectAdapter): { column: RawBuilder<unknown>; other: RawBuilder<unknown> } {
  const kind = column.kind === 'json' ? 'text' : column.kind;
  const cast = castLiteral(value, kind);
  if (cast === undefined) return { column: textOf(column, d), other: d.param(castLiteral(value, 'text')!, 'text') };
  return { column: column.sql, other: d.param(cast, kind) };
}

/** `x = ''`, `x = null`: empty means '' or NULL; numbers and booleans are never empty (as in SQLite). */
function emptyCheck(r: Resolved, negate: boolean): RawBuilder<SqlBool> {
  if (r.type === 'literal') return sql<SqlBool>`${sql.lit(isEmptyLiteral(r) !== negate ? 1 : 0)} = 1`;
  if (r.kind === 'number' || r.kind === 'bool') return sql<SqlBool>`${sql.lit(negate ? 1 : 0)} = 1`;
  if (r.kind === 'json') return negate ? sql<SqlBool>`${r.sql} IS NOT NULL` : sql<SqlBool>`${r.sql} IS NULL`;
  return negate ? sql<SqlBool>`(${r.sql} <> '' AND ${r.sql} IS NOT NULL)` : sql<SqlBool>`(${r.sql} = '' OR ${r.sql} IS NULL)`;
}

/** PocketBase's contains: wrap in %…% (escaping \ % _) unless the value has an unescaped %. */
function likePattern(value: string): string {
  return hasUnescapedPercent(value) ? value : `%${escapeUnescaped(value)}%`;
}

// PocketBase's containsUnescapedChar(value, '%'): a `\\` pair is a literal backslash and escapes nothing.
function hasUnescapedPercent(value: string): boolean {
  let prev = '';
  for (const c of value) {
    if (c === '%' && prev !== '\\') return true;
    prev = c === '\\' && prev === '\\' ? '' : c;
  }
  return false;
}

// PocketBase's escapeUnescapedChars(value, '\\', '%', '_'), quirks and all: walking from the end, a
// special character gets a `\` unless the character before it already is one, and that character
// is then copied unexamined. So `50\%` keeps its escape, `a\b` becomes `a\\b`, `a__` becomes `a_\_`.
function escapeUnescaped(value: string): string {
  const out: string[] = [];
  let pending = false;
  for (let i = value.length - 1; i >= 0; i--) {
    const c = value[i]!;
    if (pending) {
      if (c !== '\\') out.push('\\');
      pending = false;
    } else {
      pending = c === '\\' || c === '%' || c === '_';
    }
    out.push(c);
  }
  if (pending) out.push('\\');
  return out.reverse().join('');
}

function compileLike(l: Resolved, r: Resolved, negate: boolean, d: DialectAdapter): RawBuilder<SqlBool> {
  // NOTE: PocketBase binds `null` as SQL NULL here, so `x ~ null` and `x !~ null` both match nothing.
  if ((l.type === 'literal' && l.value === null) || (r.type === 'literal' && r.value === null)) {
    return sql<SqlBool>`1 = 0`;
  }
  const left = l.type === 'column' ? textOf(l, d) : d.param(castLiteral(l.value, 'text')!, 'text');
  const right = r.type === 'column'
    ? sql`CONCAT('%', ${textOf(r, d)}, '%')`
    : d.param(likePattern(castLiteral(r.value, 'text') as string), 'text');
  const like = d.like(left, right);
  return negate ? sql<SqlBool>`NOT (${like})` : sql<SqlBool>`${like}`;
}

const ORDER_OPS = { '>': sql`>`, '>=': sql`>=`, '<': sql`<`, '<=': sql`<=` } as const;

function compileCompare(expr: CompareExpr, scope: FilterScope): RawBuilder<SqlBool> {
  const d = scope.dialect;
  const l = resolve(expr.left, scope);
  const r = resolve(expr.right, scope);
  switch (expr.op) {
    case '=':
    case '!=': {
      const negate = expr.op === '!=';
      if (isEmptyLiteral(r)) return emptyCheck(l, negate);
      if (isEmptyLiteral(l)) return emptyCheck(r, negate);
      const pair = unify(l, r, d);
      if (pair.nullable) return sql<SqlBool>`${d.nullSafeEquals(pair.left, pair.right, negate)}`;
      return negate ? sql<SqlBool>`${pair.left} <> ${pair.right}` : sql<SqlBool>`${pair.left} = ${pair.right}`;
    }
    case '~':
    case '!~':
      return compileLike(l, r, expr.op === '!~', d);
    default: {
      const pair = unify(l, r, d);
      return sql<SqlBool>`${pair.left} ${ORDER_OPS[expr.op]} ${pair.right}`;
    }
  }
}

export function compileExpr(expr: Expr, scope: FilterScope): RawBuilder<SqlBool> {
  if (expr.kind === 'compare') return compileCompare(expr, scope);
  const left = compileExpr(expr.left, scope);
  const right = compileExpr(expr.right, scope);
  return expr.kind === 'and' ? sql<SqlBool>`(${left} AND ${right})` : sql<SqlBool>`(${left} OR ${right})`;
}
