// The database port: a Kysely instance plus the dialect adapter that holds every engine difference.
import type { Kysely, RawBuilder, Transaction } from 'kysely';
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
  /** Reads a boolean column value into a JS boolean. */
  readonly boolFromDb: (value: unknown) => boolean;
  /** Binds a JS boolean as this engine stores it. */
  readonly boolToDb: (value: boolean) => unknown;
}

export interface Database {
  readonly engine: DbEngine;
  readonly db: Db;
  readonly dialect: DialectAdapter;
  /** Runs `fn` in one transaction; on MariaDB DDL inside it commits implicitly (see hasTransactionalDdl). */
  transaction<T>(fn: (trx: Trx) => Promise<T>): Promise<T>;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
