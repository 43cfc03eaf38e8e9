// SQLite (better-sqlite3): WAL, synchronous=FULL by default, busy timeout; PocketBase's own engine.
import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, SqliteDialect, sql, type CompiledQuery, type RawBuilder, type SqliteDatabase } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { AnyTables, ColumnKind, ColumnSpec, ConstraintViolation, Database, DialectAdapter, Executor, ViewColumn } from '../ports.js';
import { sqliteFilterFunctions } from './filter-functions.js';
import { quoteDouble } from './quote.js';
import { createViewDdl, sampleRows } from './views.js';

// NOTE: JSON is kept in TEXT columns: a column declared JSON would get NUMERIC affinity and store a
// bare JSON number as a number, which then compares unlike the JSON text PostgreSQL and MariaDB hold.
const COLUMN_TYPES: Readonly<Record<ColumnKind, string>> = {
  id: 'TEXT PRIMARY KEY NOT NULL',
  text: "TEXT DEFAULT '' NOT NULL",
  number: 'NUMERIC DEFAULT 0 NOT NULL',
  bool: 'BOOLEAN DEFAULT FALSE NOT NULL',
  json: 'TEXT DEFAULT NULL',
  jsonArray: "TEXT DEFAULT '[]' NOT NULL",
};

const q = quoteDouble;

/** A declared column type read by SQLite's affinity rules, plus BOOLEAN. */
function declaredKind(type: string): ViewColumn['kind'] {
  const t = type.toUpperCase();
  if (t.includes('INT')) return 'integer';
  if (t.includes('BOOL')) return 'bool';
  if (/CHAR|CLOB|TEXT/.test(t)) return 'text';
  if (/REAL|FLOA|DOUB|NUM|DEC/.test(t)) return 'number';
  return 'other';
}

export const sqliteAdapter: DialectAdapter = {
  engine: 'sqlite',
  hasTransactionalDdl: true,
  quoteIdent: q,
  createTable: (table: string, columns: readonly ColumnSpec[]) => [
    `CREATE TABLE ${q(table)} (${columns.map((c) => `${q(c.name)} ${COLUMN_TYPES[c.kind]}`).join(', ')})`,
  ],
  addColumn: (table, c) => [`ALTER TABLE ${q(table)} ADD COLUMN ${q(c.name)} ${COLUMN_TYPES[c.kind]}`],
  dropColumn: (table, column) => [`ALTER TABLE ${q(table)} DROP COLUMN ${q(column)}`],
  renameColumn: (table, from, to) => [`ALTER TABLE ${q(table)} RENAME COLUMN ${q(from)} TO ${q(to)}`],
  copyColumn: (table, from, to) => [`UPDATE ${q(table)} SET ${q(to)} = ${q(from)}`],
  // NOTE: SQLite columns are dynamically typed and their defaults cannot be altered; writes always
  // name every column, so converting the values is enough.
  alterColumnKind: (table, column, from, to) => {
    const c = q(column);
    if (from === 'text' && to === 'jsonArray') {
      return [`UPDATE ${q(table)} SET ${c} = CASE WHEN ${c} IS NULL OR ${c} = '' THEN '[]' ELSE json_array(${c}) END`];
    }
    if (from === 'jsonArray' && to === 'text') {
      return [`UPDATE ${q(table)} SET ${c} = COALESCE(json_extract(${c}, '$[#-1]'), '')`];
    }
    throw new Error(`unsupported column kind change ${from} -> ${to}`);
  },
  renameTable: (from, to) => [`ALTER TABLE ${q(from)} RENAME TO ${q(to)}`],
  dropTable: (table) => [`DROP TABLE IF EXISTS ${q(table)}`],
  listTables: async (db: Executor) => {
    const { rows } = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`.execute(db);
    return rows.map((r) => r.name);
  },
  hasBackslashEscapes: false,
  createView: (view, query, columns) => createViewDdl(q, (ref) => `CAST(${ref} AS TEXT)`, view, query, columns),
  dropView: (view) => [`DROP VIEW IF EXISTS ${q(view)}`],
  // NOTE: a view column has its source column's declared type, none for an expression.
  viewColumns: async (db, view) => {
    const { rows } = await sql<{ name: string; type: string | null }>`SELECT name, type FROM pragma_table_info(${view}) ORDER BY cid`.execute(db);
    return rows.map((r) => ({ name: r.name, kind: declaredKind(r.type ?? '') }));
  },
  sampleQuery: (db, query, limit) => sampleRows(db, q, query, sql`${limit}`),
  translateError: (err: unknown): ConstraintViolation | null => {
    if (!(err instanceof Error) || !('code' in err)) return null;
    const code = String((err as { code: unknown }).code);
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      // "UNIQUE constraint failed: posts.slug, posts.other" or "... index 'idx_x'"
      const columns = [...err.message.matchAll(/\w+\.(\w+)/g)].map((m) => m[1]!);
      const index = /index '([^']+)'/.exec(err.message)?.[1] ?? null;
      return { kind: 'unique', columns, index };
    }
    if (code === 'SQLITE_CONSTRAINT_NOTNULL') {
      const columns = [...err.message.matchAll(/\w+\.(\w+)/g)].map((m) => m[1]!);
      return { kind: 'not_null', columns, index: null };
    }
    return null;
  },
  like: (left: RawBuilder<unknown>, right: RawBuilder<unknown>) => sql`${left} LIKE ${right} ESCAPE '\\'`,
  lower: (value) => sql`LOWER(${value})`,
  param: (value, kind) => sql`${kind === 'bool' && typeof value === 'boolean' ? (value ? 1 : 0) : value}`,
  castText: (value) => sql`CAST(${value} AS TEXT)`,
  nullSafeEquals: (left, right, negate) => (negate ? sql`${left} IS NOT ${right}` : sql`${left} IS ${right}`),
  ...sqliteFilterFunctions,
  boolFromDb: (value: unknown) => value === 1 || value === true || value === '1',
  boolToDb: (value: boolean) => (value ? 1 : 0),
};

export interface SqliteOptions {
  /** `FULL` (default) survives power loss; `NORMAL` is the documented opt-in for speed. */
  readonly synchronous?: 'FULL' | 'NORMAL';
}

// Kysely prepares every query anew; better-sqlite3 statements are reusable, so keep the hot ones.
// NOTE: SQLite re-prepares a cached statement itself after a schema change.
const STATEMENT_CACHE_SIZE = 500;

function withStatementCache(native: BetterSqlite3.Database): SqliteDatabase {
  const cache = new LRUCache<string, BetterSqlite3.Statement>({ max: STATEMENT_CACHE_SIZE });
  return {
    close: () => {
      cache.clear();
      native.close();
    },
    prepare: (source: string) => {
      let statement = cache.get(source);
      if (!statement) {
        statement = native.prepare(source);
        cache.set(source, statement);
      }
      return statement;
    },
  };
}

export function openSqlite(path: string, options: SqliteOptions = {}): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const native = new BetterSqlite3(path);
  native.pragma('journal_mode = WAL');
  native.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  native.pragma('busy_timeout = 10000');
  native.pragma('foreign_keys = OFF');
  native.pragma('temp_store = MEMORY');
  native.pragma('cache_size = -32000');
  const statements = withStatementCache(native);
  const db = new Kysely<AnyTables>({ dialect: new SqliteDialect({ database: statements }) });
  return {
    engine: 'sqlite',
    db,
    dialect: sqliteAdapter,
    transaction: (fn) => db.transaction().execute(fn),
    // Kysely's queue for the one connection costs a chain of promises per query. A read may skip
    // it whenever no transaction is open: statements run synchronously, so none is half-done here,
    // and an open transaction (whose uncommitted rows this read must not see) sends it to the queue.
    selectRows: async <Row>(query: CompiledQuery) => native.inTransaction
      ? (await db.executeQuery<Row>(query)).rows
      : (statements.prepare(query.sql).all(query.parameters as unknown[]) as Row[]),
    ping: async () => {
      try { native.prepare('SELECT 1').get(); return true; } catch { return false; }
    },
    close: () => db.destroy(),
  };
}
