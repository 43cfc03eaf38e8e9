// PocketBase's list envelope for any table: page/perPage/sort/filter/skipTotal parsed once,
// compiled to one parameterised query (plus a count unless skipTotal).
import { sql, type CompiledQuery, type RawBuilder, type SqlBool } from 'kysely';
import { AppError } from '../core/errors.js';
import type { Executor } from '../db/index.js';
import { compileExpr, compileSortKey, type FilterScope } from './compile.js';
import { parseFilter } from './parser.js';
import { parseSort } from './sort.js';

export interface ListParams {
  readonly page: number;
  readonly perPage: number;
  readonly sort: string;
  readonly filter: string;
  readonly skipTotal: boolean;
}

export interface ListResult<T> {
  readonly page: number;
  readonly perPage: number;
  readonly totalItems: number;
  readonly totalPages: number;
  readonly items: readonly T[];
}

export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 1000;

const badParam = (): AppError => new AppError('bad_request');

function intParam(value: unknown, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== 'string' && typeof text !== 'number') throw badParam();
  const n = Number(text);
  // NOTE: PocketBase's strconv.Atoi refuses what overflows; past 2^53 the offset would not be exact.
  if (!Number.isSafeInteger(n) || !/^[+-]?\d+$/.test(String(text).trim())) throw badParam();
  return n;
}

function boolParam(value: unknown): boolean {
  if (value === undefined || value === '') return false;
  const text = String(Array.isArray(value) ? value[0] : value).toLowerCase();
  if (['1', 'true', 't'].includes(text)) return true;
  if (['0', 'false', 'f'].includes(text)) return false;
  throw badParam();
}

function textParam(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.length === 0 ? '' : String(value[0]);
  return String(value);
}

/** Lenient as PocketBase is: page < 1 reads as 1, perPage is clamped to 1..1000; non-numbers are 400. */
export function parseListParams(query: Readonly<Record<string, unknown>>): ListParams {
  const page = Math.max(1, intParam(query.page, 1));
  const perPageRaw = intParam(query.perPage, DEFAULT_PER_PAGE);
  const perPage = perPageRaw < 1 ? DEFAULT_PER_PAGE : Math.min(MAX_PER_PAGE, perPageRaw);
  return { page, perPage, sort: textParam(query.sort), filter: textParam(query.filter), skipTotal: boolParam(query.skipTotal) };
}

export interface ListQuery<T> {
  readonly executor: Executor;
  readonly scope: FilterScope;
  readonly params: ListParams;
  /** A condition every row must meet besides the client's filter (a list rule). */
  readonly where?: RawBuilder<SqlBool> | null;
  /** Applied when the client gives no sort. */
  readonly defaultSort?: string;
  readonly mapRow: (row: Record<string, unknown>) => T;
  /** Columns to read; all by default. */
  readonly columns?: readonly string[];
}

/** Compiles the client's filter (null when empty) against the scope. */
export function compileFilterText(filter: string, scope: FilterScope): RawBuilder<SqlBool> | null {
  const expr = parseFilter(filter);
  return expr ? compileExpr(expr, scope) : null;
}

export function compileSort(sortText: string, scope: FilterScope): RawBuilder<unknown>[] {
  const d = scope.dialect;
  const table = scope.tableRef ?? scope.schema.table;
  return parseSort(sortText).flatMap((term) => {
    const dir = term.direction === 'desc' ? sql`DESC` : sql`ASC`;
    if (term.path.kind === 'random') return [d.random()];
    if (term.path.kind === 'rowid') {
      if (scope.schema.hasRowid === false) throw badParam();
      return [sql`${sql.ref(`${table}._rowid_`)} ${dir}`];
    }
    return compileSortKey(term.path, scope).map((key) => sql`${key} ${dir}`);
  });
}

/** A list request as SQL: the page query and, unless `skipTotal`, its count. */
export interface CompiledList {
  readonly select: CompiledQuery;
  readonly count: CompiledQuery | null;
}

/** Compiles the page query (and its count) of a list request; runs nothing. */
export function compileList(q: Omit<ListQuery<unknown>, 'mapRow'>): CompiledList {
  const { params, scope } = q;
  const filter = compileFilterText(params.filter, scope);
  const conditions = [q.where, filter].filter((c): c is RawBuilder<SqlBool> => c != null);
  const where = conditions.length === 0 ? null : conditions.length === 1 ? conditions[0]! : sql<SqlBool>`(${conditions[0]!} AND ${conditions[1]!})`;
  const order = compileSort(params.sort || q.defaultSort || '', scope);
  const table = scope.schema.table;

  let select = q.executor.selectFrom(table);
  select = q.columns ? (select.select(q.columns.map((c) => `${table}.${c}`)) as typeof select) : (select.selectAll(table) as typeof select);
  if (where) select = select.where(where);
  for (const o of order) select = select.orderBy(o);
  // Literals, not parameters: SQLite plans `LIMIT ? OFFSET ?` anew on every run, and both are
  // integers the parser has already bounded, so nothing from the client reaches the SQL text.
  // An offset past 2^53 skips every row either way; capping it keeps the literal an exact integer.
  const offset = Math.min((params.page - 1) * params.perPage, Number.MAX_SAFE_INTEGER);
  select = select.limit(sql.lit(params.perPage)).offset(sql.lit(offset));

  let count: CompiledQuery | null = null;
  if (!params.skipTotal) {
    let c = q.executor.selectFrom(table).select(sql<number>`COUNT(*)`.as('total'));
    if (where) c = c.where(where);
    count = c.compile();
  }
  return { select: select.compile(), count };
}

type Rows = readonly Record<string, unknown>[];

/** Runs a compiled list with `run` (the caller picks the connection) into PocketBase's envelope. */
export async function runCompiledList<T>(compiled: CompiledList, params: ListParams, run: (query: CompiledQuery) => Promise<Rows>, mapRow: (row: Record<string, unknown>) => T): Promise<ListResult<T>> {
  const [rows, count] = await Promise.all([run(compiled.select), compiled.count ? run(compiled.count) : Promise.resolve(null)]);
  const totalItems = count ? Number(count[0]?.total ?? 0) : -1;
  return {
    page: params.page,
    perPage: params.perPage,
    totalItems,
    totalPages: count ? Math.ceil(totalItems / params.perPage) : -1,
    items: rows.map(mapRow),
  };
}

/** Compiles and runs a list request on `q.executor`. */
export function runList<T>(q: ListQuery<T>): Promise<ListResult<T>> {
  const run = async (query: CompiledQuery): Promise<Rows> => (await q.executor.executeQuery<Record<string, unknown>>(query)).rows;
  return runCompiledList(compileList(q), q.params, run, q.mapRow);
}
