// One comparison between two single values, with SQLite's meaning on every engine (API.md §5):
// literals take the type of the field they meet, empty means '' or NULL, `~` is PocketBase's LIKE.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { DialectAdapter, ScalarKind } from '../db/index.js';
import type { CompareOp } from './ast.js';

export type Literal = string | number | boolean | null;

/** A single value a comparison side stands for. */
export type Scalar =
  | { readonly type: 'literal'; readonly value: Literal }
  | { readonly type: 'column'; readonly sql: RawBuilder<unknown>; readonly kind: ScalarKind | 'json'; readonly nullable: boolean }
  /** A value inside a JSON document, typed as SQLite's json_extract types it. */
  | { readonly type: 'jsonPath'; readonly number: RawBuilder<unknown>; readonly text: RawBuilder<unknown> };

type Column = Extract<Scalar, { type: 'column' }>;
type JsonPath = Extract<Scalar, { type: 'jsonPath' }>;

export const literal = (value: Literal): Scalar => ({ type: 'literal', value });
const TRUE = sql<SqlBool>`1 = 1`;
const FALSE = sql<SqlBool>`1 = 0`;
const bool = (value: boolean): RawBuilder<SqlBool> => (value ? TRUE : FALSE);

export const isEmptyLiteral = (r: Scalar): boolean => r.type === 'literal' && (r.value === null || r.value === '');

// Text SQLite's NUMERIC affinity turns into a number: decimal only, surrounding ASCII spaces allowed
// (Number() would also take `0x10`, `0b1`, `0o7` and non-ASCII spaces).
const DECIMAL = /^[ \t\n\v\f\r]*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[ \t\n\v\f\r]*$/;

/** A literal as the type of the column it meets; undefined when it cannot be (then both sides compare as text). */
export function castLiteral(value: Literal, kind: ScalarKind | 'json'): Literal | undefined {
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

/** The value as text: booleans as '1'/'0' and numbers without a trailing `.0`, as SQLite prints them. */
export function textOf(s: Scalar, d: DialectAdapter): RawBuilder<unknown> {
  if (s.type === 'literal') return d.param(castLiteral(s.value, 'text') as string, 'text');
  if (s.type === 'jsonPath') return sql`COALESCE(${s.text}, ${d.castText(s.number)})`;
  // NOTE: booleans read as '1'/'0' on every engine, as SQLite stores them.
  if (s.kind === 'bool') return sql`CASE WHEN ${s.sql} THEN '1' ELSE '0' END`;
  return s.kind === 'text' ? s.sql : d.castText(s.sql);
}

function bindAgainst(column: Column, value: Literal, d: DialectAdapter): { column: RawBuilder<unknown>; other: RawBuilder<unknown> } {
  const kind = column.kind === 'json' ? 'text' : column.kind;
  const cast = castLiteral(value, kind);
  if (cast === undefined) return { column: textOf(column, d), other: d.param(castLiteral(value, 'text')!, 'text') };
  return { column: column.sql, other: d.param(cast, kind) };
}

/** Brings both sides to one SQL type: a literal takes its column's type; mixed columns compare as text. */
function unify(l: Scalar, r: Scalar, d: DialectAdapter): Pair {
  if (l.type === 'jsonPath' || r.type === 'jsonPath') {
    return { left: textOf(l, d), right: textOf(r, d), nullable: true };
  }
  if (l.type === 'column' && r.type === 'column') {
    const same = l.kind === r.kind || (l.kind !== 'number' && l.kind !== 'bool' && r.kind !== 'number' && r.kind !== 'bool');
    const nullable = l.nullable || r.nullable;
    if (same && l.kind === 'text' && nullable) {
      // PocketBase compares two fields as COALESCE(a, '') = COALESCE(b, ''): a missing relation is ''.
      return { left: sql`COALESCE(${l.sql}, '')`, right: sql`COALESCE(${r.sql}, '')`, nullable: false };
    }
    return same ? { left: l.sql, right: r.sql, nullable } : { left: textOf(l, d), right: textOf(r, d), nullable };
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

/** `x = ''`, `x = null`: empty means '' or NULL; a stored number or bool is never empty (as in SQLite). */
function emptyCheck(r: Scalar, negate: boolean): RawBuilder<SqlBool> {
  if (r.type === 'literal') return bool(isEmptyLiteral(r) !== negate);
  if (r.type === 'jsonPath') {
    const empty = sql<SqlBool>`(${r.number} IS NULL AND (${r.text} IS NULL OR ${r.text} = ''))`;
    return negate ? sql<SqlBool>`NOT ${empty}` : empty;
  }
  if (r.kind === 'number' || r.kind === 'bool') {
    if (!r.nullable) return bool(negate);
    return negate ? sql<SqlBool>`${r.sql} IS NOT NULL` : sql<SqlBool>`${r.sql} IS NULL`;
  }
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

function compileLike(l: Scalar, r: Scalar, negate: boolean, d: DialectAdapter): RawBuilder<SqlBool> {
  // NOTE: PocketBase binds `null` as SQL NULL here, so `x ~ null` and `x !~ null` both match nothing.
  if ((l.type === 'literal' && l.value === null) || (r.type === 'literal' && r.value === null)) return FALSE;
  const left = textOf(l, d);
  const right = r.type === 'literal'
    ? d.param(likePattern(castLiteral(r.value, 'text') as string), 'text')
    : sql`CONCAT('%', ${textOf(r, d)}, '%')`;
  const like = d.like(left, right);
  return negate ? sql<SqlBool>`NOT (${like})` : sql<SqlBool>`${like}`;
}

const ORDER_OPS = { '>': sql`>`, '>=': sql`>=`, '<': sql`<`, '<=': sql`<=` } as const;

// SQLite orders every number before every text: what a JSON number meets a text (or the reverse) gives.
const NUMBER_BELOW_TEXT: Readonly<Record<CompareOp, boolean>> = { '=': false, '!=': true, '<': true, '<=': true, '>': false, '>=': false, '~': false, '!~': true };
const TEXT_ABOVE_NUMBER: Readonly<Record<CompareOp, boolean>> = { '=': false, '!=': true, '<': false, '<=': false, '>': true, '>=': true, '~': false, '!~': true };

function opSql(op: CompareOp, left: RawBuilder<unknown>, right: RawBuilder<unknown>): RawBuilder<SqlBool> {
  if (op === '=') return sql<SqlBool>`${left} = ${right}`;
  if (op === '!=') return sql<SqlBool>`${left} <> ${right}`;
  return sql<SqlBool>`${left} ${ORDER_OPS[op as keyof typeof ORDER_OPS]} ${right}`;
}

/** A JSON value against a literal, as SQLite compares json_extract's typed result with a bound value. */
function compareJsonLiteral(j: JsonPath, op: CompareOp, value: Literal, jsonOnLeft: boolean, d: DialectAdapter): RawBuilder<SqlBool> {
  const flip = (o: CompareOp): CompareOp => (jsonOnLeft ? o : ({ '>': '<', '>=': '<=', '<': '>', '<=': '>=' } as Record<string, CompareOp>)[o] ?? o);
  const o = flip(op);
  // PocketBase compares JSON values with IS / IS NOT: a missing value is unequal to anything.
  const missing = bool(o === '!=');
  // An order against NULL is NULL in SQL: never true.
  if (value === null) return FALSE;
  if (typeof value === 'number' || typeof value === 'boolean') {
    const n = d.param(typeof value === 'boolean' ? (value ? 1 : 0) : value, 'number');
    return sql<SqlBool>`(CASE WHEN ${j.number} IS NOT NULL THEN (${opSql(o, j.number, n)}) WHEN ${j.text} IS NOT NULL THEN (${bool(TEXT_ABOVE_NUMBER[o])}) ELSE (${missing}) END)`;
  }
  const t = d.param(castLiteral(value, 'text') as string, 'text');
  return sql<SqlBool>`(CASE WHEN ${j.text} IS NOT NULL THEN (${opSql(o, j.text, t)}) WHEN ${j.number} IS NOT NULL THEN (${bool(NUMBER_BELOW_TEXT[o])}) ELSE (${missing}) END)`;
}

/** `l op r` for two single values. */
export function compareScalars(l: Scalar, op: CompareOp, r: Scalar, d: DialectAdapter): RawBuilder<SqlBool> {
  if (op === '~' || op === '!~') return compileLike(l, r, op === '!~', d);
  if (op === '=' || op === '!=') {
    const negate = op === '!=';
    if (isEmptyLiteral(r)) return emptyCheck(l, negate);
    if (isEmptyLiteral(l)) return emptyCheck(r, negate);
  }
  if (l.type === 'jsonPath' && r.type === 'literal') return compareJsonLiteral(l, op, r.value, true, d);
  if (r.type === 'jsonPath' && l.type === 'literal') return compareJsonLiteral(r, op, l.value, false, d);
  const pair = unify(l, r, d);
  if (op === '=' || op === '!=') {
    if (pair.nullable) return sql<SqlBool>`${d.nullSafeEquals(pair.left, pair.right, op === '!=')}`;
  }
  return opSql(op, pair.left, pair.right);
}
