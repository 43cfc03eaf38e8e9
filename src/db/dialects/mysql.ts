// MySQL/MariaDB (mysql2): utf8mb4_nopad_bin tables give bytewise compares (trailing spaces count, as in SQLite); DDL commits implicitly here.
import { createRequire } from 'node:module';
import type * as Mysql2 from 'mysql2';
import { Kysely, MysqlDialect, sql, type CompiledQuery, type RawBuilder } from 'kysely';
import type { AnyTables, ColumnKind, ColumnSpec, ConstraintViolation, Database, DialectAdapter, Executor, ViewColumn } from '../ports.js';
import { mysqlFilterFunctions } from './filter-functions.js';
import { quoteBacktick } from './quote.js';
import { createViewDdl, sampleRows } from './views.js';

const COLUMN_TYPES: Readonly<Record<ColumnKind, string>> = {
  id: 'VARCHAR(255) NOT NULL PRIMARY KEY',
  text: `LONGTEXT NOT NULL DEFAULT ''`,
  number: 'DOUBLE NOT NULL DEFAULT 0',
  bool: 'TINYINT(1) NOT NULL DEFAULT 0',
  json: 'LONGTEXT NULL DEFAULT NULL',
  jsonArray: `LONGTEXT NOT NULL DEFAULT '[]'`,
};

const q = quoteBacktick;

const MYSQL_KINDS: Readonly<Record<string, ViewColumn['kind']>> = {
  varchar: 'text', char: 'text', text: 'text', tinytext: 'text', mediumtext: 'text', longtext: 'text',
  tinyint: 'integer', smallint: 'integer', mediumint: 'integer', int: 'integer', bigint: 'integer',
  decimal: 'number', float: 'number', double: 'number',
};

// NOTE: MariaDB's LOWER() folds every letter (É to é); SQLite's folds A-Z only, so spell that out.
const UPPER_ASCII = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'];
const asciiLower = (value: RawBuilder<unknown>): RawBuilder<unknown> =>
  UPPER_ASCII.reduce((acc, c) => sql`REPLACE(${acc}, ${sql.lit(c)}, ${sql.lit(c.toLowerCase())})`, value);

export const mysqlAdapter: DialectAdapter = {
  engine: 'mysql',
  hasTransactionalDdl: false,
  quoteIdent: q,
  // NOTE: a hidden auto-increment column stands in for SQLite's rowid (`@rowid`).
  createTable: (table: string, columns: readonly ColumnSpec[]) => [
    `CREATE TABLE ${q(table)} (${[
      ...columns.map((c) => `${q(c.name)} ${COLUMN_TYPES[c.kind]}`),
      '`_rowid_` BIGINT NOT NULL AUTO_INCREMENT UNIQUE',
    ].join(', ')}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin`,
  ],
  addColumn: (table, c) => [`ALTER TABLE ${q(table)} ADD COLUMN ${q(c.name)} ${COLUMN_TYPES[c.kind]}`],
  dropColumn: (table, column) => [`ALTER TABLE ${q(table)} DROP COLUMN ${q(column)}`],
  renameColumn: (table, from, to) => [`ALTER TABLE ${q(table)} RENAME COLUMN ${q(from)} TO ${q(to)}`],
  copyColumn: (table, from, to) => [`UPDATE ${q(table)} SET ${q(to)} = ${q(from)}`],
  alterColumnKind: (table, column, from, to) => {
    const t = q(table);
    const c = q(column);
    if (from === 'text' && to === 'jsonArray') {
      return [
        `UPDATE ${t} SET ${c} = CASE WHEN ${c} = '' THEN '[]' ELSE JSON_ARRAY(${c}) END`,
        `ALTER TABLE ${t} ALTER COLUMN ${c} SET DEFAULT '[]'`,
      ];
    }
    if (from === 'jsonArray' && to === 'text') {
      return [
        `UPDATE ${t} SET ${c} = COALESCE(JSON_VALUE(${c}, '$[last]'), '')`,
        `ALTER TABLE ${t} ALTER COLUMN ${c} SET DEFAULT ''`,
      ];
    }
    throw new Error(`unsupported column kind change ${from} -> ${to}`);
  },
  renameTable: (from, to) => [`RENAME TABLE ${q(from)} TO ${q(to)}`],
  dropTable: (table) => [`DROP TABLE IF EXISTS ${q(table)}`],
  listTables: async (db: Executor) => {
    const { rows } = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'`.execute(db);
    return rows.map((r) => r.name);
  },
  hasBackslashEscapes: true,
  createView: (view, query, columns) =>
    createViewDdl(q, (ref) => `(CAST(${ref} AS CHAR CHARACTER SET utf8mb4) COLLATE utf8mb4_nopad_bin)`, view, query, columns),
  dropView: (view) => [`DROP VIEW IF EXISTS ${q(view)}`],
  viewColumns: async (db, view) => {
    const { rows } = await sql<Record<string, unknown>>`
      SELECT column_name AS name, data_type AS type, column_type AS full_type FROM information_schema.columns
      WHERE table_schema = DATABASE() AND table_name = ${view} ORDER BY ordinal_position`.execute(db);
    return rows.map((row) => {
      const r = Object.fromEntries(Object.entries(row).map(([k, v]) => [k.toLowerCase(), String(v)]));
      return { name: r.name ?? '', kind: r.full_type === 'tinyint(1)' ? 'bool' : (MYSQL_KINDS[r.type ?? ''] ?? 'other') };
    });
  },
  // NOTE: mysql2 fills `?` marks into the text itself, so the limit is a literal; the driver never
  // sends more than one statement (multipleStatements is off).
  sampleQuery: (db, query, limit) => sampleRows(db, q, query, sql.lit(Math.trunc(limit))),
  translateError: (err: unknown): ConstraintViolation | null => {
    if (!(err instanceof Error) || !('errno' in err)) return null;
    const e = err as Error & { errno?: number };
    if (e.errno === 1062) {
      const key = /for key '(?:[^'.]+\.)?([^']+)'/.exec(e.message)?.[1] ?? null;
      return { kind: 'unique', columns: key === 'PRIMARY' ? ['id'] : [], index: key === 'PRIMARY' ? null : key };
    }
    if (e.errno === 1048) return { kind: 'not_null', columns: [/Column '([^']+)'/.exec(e.message)?.[1] ?? ''], index: null };
    return null;
  },
  // NOTE: binary collations are case-sensitive, so both sides are lowered, ASCII letters only as in SQLite.
  like: (left: RawBuilder<unknown>, right: RawBuilder<unknown>) => sql`${asciiLower(left)} LIKE ${asciiLower(right)}`,
  lower: (value) => asciiLower(value),
  // NOTE: a literal takes the connection's collation, which may pad with spaces ('a' = 'a '); the
  // explicit no-pad collation keeps every compare bytewise, as in SQLite and as the tables are.
  param: (value, kind) =>
    kind === 'text' ? sql`(${value} COLLATE utf8mb4_nopad_bin)` : sql`${kind === 'bool' && typeof value === 'boolean' ? (value ? 1 : 0) : value}`,
  castText: (value) => sql`(CAST(${value} AS CHAR CHARACTER SET utf8mb4) COLLATE utf8mb4_nopad_bin)`,
  nullSafeEquals: (left, right, negate) => (negate ? sql`NOT (${left} <=> ${right})` : sql`${left} <=> ${right}`),
  ...mysqlFilterFunctions,
  boolFromDb: (value: unknown) => value === 1 || value === true || value === '1',
  boolToDb: (value: boolean) => (value ? 1 : 0),
};

export function openMysql(url: string): Database {
  const parsed = new URL(url.replace(/^mariadb:/, 'mysql:'));
  // NOTE: the driver loads only when MySQL/MariaDB is used, so an embedded (SQLite) node starts leaner.
  const { createPool } = createRequire(import.meta.url)('mysql2') as typeof Mysql2;
  const pool = createPool({
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
    charset: 'UTF8MB4_BIN',
    connectionLimit: 10,
    dateStrings: true,
    supportBigNumbers: true,
    decimalNumbers: true,
  });
  const db = new Kysely<AnyTables>({ dialect: new MysqlDialect({ pool }) });
  return {
    engine: 'mysql',
    db,
    dialect: mysqlAdapter,
    transaction: (fn) => db.transaction().execute(fn),
    selectRows: async <Row>(query: CompiledQuery) => (await db.executeQuery<Row>(query)).rows,
    ping: async () => {
      try { await sql`SELECT 1`.execute(db); return true; } catch { return false; }
    },
    close: () => db.destroy(),
  };
}
