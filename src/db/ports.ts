// The database port: a Kysely instance plus the dialect adapter that holds every engine difference.
import type { CompiledQuery, Kysely, RawBuilder, Transaction } from 'kysely';
import type { DbEngine } from '../config.js';

/** Tables are defined at run time, so the Kysely schema type is open. */
export interface AnyTables {
  [table: string]: Record<string, unknown>;
}
export type Db = Kysely<AnyTables>;
export type Trx = Transaction<AnyTables>;
/** Either the root handle or a transaction: services pass `trx` down explicitly. */
export type Executor = Db | Trx;

/** How a field's value is stored; each engine picks its column type for each. */
export type ColumnKind = 'id' | 'text' | 'number' | 'bool' | 'json' | 'jsonArray';

/** The type of a scalar SQL expression, as the filter compiler tracks it. */
export type ScalarKind = 'text' | 'number' | 'bool';

export interface ColumnSpec {
  readonly name: string;
  readonly kind: ColumnKind;
}

/** A constraint failure, recognised by the adapter so services never parse driver messages. */
export interface ConstraintViolation {
  readonly kind: 'unique' | 'not_null' | 'foreign_key';
  /** Column names when the engine tells them, else the index name's columns when known. */
  readonly columns: readonly string[];
  readonly index: string | null;
}

/** A view's result column, with its type reduced to what field inference needs. */
export interface ViewColumn {
  readonly name: string;
  readonly kind: 'text' | 'integer' | 'number' | 'bool' | 'other';
}

/** A JSON value as SQLite sees it: `number` for numbers and booleans (1/0), `text` for strings and
 * (as JSON text) objects and arrays; both NULL for a missing key or JSON null. */
export interface JsonPathValue {
  readonly number: RawBuilder<unknown>;
  readonly text: RawBuilder<unknown>;
}

/** One piece of a strftime format: literal text or a conversion (`%Y` is `{ spec: 'Y' }`). */
export type StrftimeToken = { readonly literal: string } | { readonly spec: StrftimeSpec };
export type StrftimeSpec = 'd' | 'f' | 'H' | 'j' | 'm' | 'M' | 's' | 'S' | 'w' | 'Y';
/** strftime modifiers every engine computes alike. */
export type TimeModifier =
  | { readonly kind: 'startOf'; readonly unit: 'day' | 'month' | 'year' }
  | { readonly kind: 'add'; readonly amount: number; readonly unit: 'day' | 'hour' | 'minute' | 'second' };

export interface DialectAdapter {
  readonly engine: DbEngine;
  /** DDL runs inside a transaction and rolls back with it (SQLite, PostgreSQL; not MariaDB). */
  readonly hasTransactionalDdl: boolean;
  quoteIdent(name: string): string;
  createTable(table: string, columns: readonly ColumnSpec[]): string[];
  addColumn(table: string, column: ColumnSpec): string[];
  dropColumn(table: string, column: string): string[];
  renameColumn(table: string, from: string, to: string): string[];
  /** Sets column `to` to column `from` in every row (a backup before a lossy change, and its restore). */
  copyColumn(table: string, from: string, to: string): string[];
  /** Switches a column between one value and a JSON array of values (single <-> multiple). */
  alterColumnKind(table: string, column: string, from: ColumnKind, to: ColumnKind): string[];
  renameTable(from: string, to: string): string[];
  dropTable(table: string): string[];
  listTables(db: Executor): Promise<string[]>;
  /** `\` escapes the next character in '…' literals (MariaDB): how view queries are split into tokens. */
  readonly hasBackslashEscapes: boolean;
  /**
   * DDL for a view over `query` (a checked SELECT, run as a sub-select). With `columns`, the view lists
   * them and casts `id` to text, for queries whose id is not text (PocketBase's normalizeViewQueryId).
   */
  createView(view: string, query: string, columns?: readonly string[]): string[];
  dropView(view: string): string[];
  /** The result columns of an existing view, in order. */
  viewColumns(db: Executor, view: string): Promise<ViewColumn[]>;
  /**
   * Up to `limit` rows of `query` run as a sub-select. SECURITY: the driver refuses a second statement
   * here (PostgreSQL: a bound parameter forces the extended protocol), which proves the text is one query.
   */
  sampleQuery(db: Executor, query: string, limit: number): Promise<Record<string, unknown>[]>;
  translateError(err: unknown): ConstraintViolation | null;
  /** `left LIKE right` that ignores ASCII case, with `\` as escape (SQLite's LIKE). */
  like(left: RawBuilder<unknown>, right: RawBuilder<unknown>): RawBuilder<unknown>;
  /** `LOWER(value)` that folds ASCII letters only, as SQLite's LOWER() (the `:lower` modifier). */
  lower(value: RawBuilder<unknown>): RawBuilder<unknown>;
  /** A bound parameter with its type made explicit where the engine cannot infer it (PostgreSQL). */
  param(value: string | number | boolean | null, kind: ScalarKind): RawBuilder<unknown>;
  /** The expression's value as text (numbers without a trailing `.0`, as SQLite prints them). */
  castText(value: RawBuilder<unknown>): RawBuilder<unknown>;
  /** `left IS [NOT] DISTINCT FROM right`: equality where NULL equals NULL. */
  nullSafeEquals(left: RawBuilder<unknown>, right: RawBuilder<unknown>, negate: boolean): RawBuilder<unknown>;
  // Filter-language helpers (src/query): JSON arrays and documents, functions, random order.
  /** A FROM item over the elements of a JSON array text; `value` is each element as text (strings unquoted). */
  jsonEach(array: RawBuilder<unknown>, alias: string): { readonly from: RawBuilder<unknown>; readonly value: RawBuilder<unknown> };
  /** The number of elements of a JSON array text. */
  jsonArrayLength(array: RawBuilder<unknown>): RawBuilder<unknown>;
  /** The value at `path` (keys and array indexes) of a JSON text, typed as SQLite's json_extract types it. */
  jsonPath(doc: RawBuilder<unknown>, path: readonly (string | number)[]): JsonPathValue;
  /** Great-circle distance in km between two lon/lat points (haversine on a 6371 km sphere). */
  geoDistance(lonA: RawBuilder<unknown>, latA: RawBuilder<unknown>, lonB: RawBuilder<unknown>, latB: RawBuilder<unknown>): RawBuilder<unknown>;
  /** SQLite's strftime over a PocketBase date text; NULL when the time is not a date. */
  strftime(format: readonly StrftimeToken[], time: RawBuilder<unknown>, modifiers: readonly TimeModifier[]): RawBuilder<unknown>;
  /** An ORDER BY key in random order. */
  random(): RawBuilder<unknown>;
  /** Reads a boolean column value into a JS boolean. */
  readonly boolFromDb: (value: unknown) => boolean;
  /** Binds a JS boolean as this engine stores it. */
  readonly boolToDb: (value: boolean) => unknown;
}

export interface SelectOptions {
  /**
   * The SQL text repeats (a lookup by id, a list query: values travel as parameters): an engine may
   * keep it prepared on each connection, up to a bound, and skip parsing and planning it again.
   */
  readonly prepared?: boolean;
}

export interface Database {
  readonly engine: DbEngine;
  readonly db: Db;
  readonly dialect: DialectAdapter;
  /** Runs `fn` in one transaction; on MariaDB DDL inside it commits implicitly (see hasTransactionalDdl). */
  transaction<T>(fn: (trx: Trx) => Promise<T>): Promise<T>;
  /**
   * Runs a compiled SELECT outside any transaction of the caller's. The hot read path: SQLite answers
   * from its cached statement at once unless a transaction holds the connection (then it queues).
   */
  selectRows<Row>(query: CompiledQuery, options?: SelectOptions): Promise<readonly Row[]>;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
