// PostgreSQL (pg): text columns use COLLATE "C" so that compares and sorts are bytewise, as in SQLite.
import { createRequire } from 'node:module';
import type PgModule from 'pg';
import { Kysely, PostgresDialect, sql, type CompiledQuery, type RawBuilder } from 'kysely';
import type { AnyTables, ColumnKind, ColumnSpec, ConstraintViolation, Database, DialectAdapter, Executor, SelectOptions, ViewColumn } from '../ports.js';
import { postgresFilterFunctions } from './filter-functions.js';
import { quoteDouble } from './quote.js';
import { createViewDdl, sampleRows } from './views.js';

const COLUMN_TYPES: Readonly<Record<ColumnKind, string>> = {
  id: 'TEXT COLLATE "C" PRIMARY KEY NOT NULL',
  text: `TEXT COLLATE "C" NOT NULL DEFAULT ''`,
  number: 'DOUBLE PRECISION NOT NULL DEFAULT 0',
  bool: 'BOOLEAN NOT NULL DEFAULT FALSE',
  json: 'TEXT COLLATE "C" DEFAULT NULL',
  jsonArray: `TEXT COLLATE "C" NOT NULL DEFAULT '[]'`,
};

const q = quoteDouble;

const PG_KINDS: Readonly<Record<string, ViewColumn['kind']>> = {
  text: 'text', 'character varying': 'text', character: 'text', name: 'text',
  smallint: 'integer', integer: 'integer', bigint: 'integer',
  numeric: 'number', real: 'number', 'double precision': 'number',
  boolean: 'bool',
};

export const postgresAdapter: DialectAdapter = {
  engine: 'postgres',
  hasTransactionalDdl: true,
  quoteIdent: q,
  // NOTE: a hidden identity column stands in for SQLite's rowid (`@rowid` sorts by insertion order).
  createTable: (table: string, columns: readonly ColumnSpec[]) => [
    `CREATE TABLE ${q(table)} (${[
      ...columns.map((c) => `${q(c.name)} ${COLUMN_TYPES[c.kind]}`),
      `"_rowid_" BIGINT GENERATED ALWAYS AS IDENTITY`,
    ].join(', ')})`,
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
        `UPDATE ${t} SET ${c} = CASE WHEN ${c} = '' THEN '[]' ELSE json_build_array(${c})::text END`,
        `ALTER TABLE ${t} ALTER COLUMN ${c} SET DEFAULT '[]'`,
      ];
    }
    if (from === 'jsonArray' && to === 'text') {
      return [
        `UPDATE ${t} SET ${c} = COALESCE(${c}::jsonb->>-1, '')`,
        `ALTER TABLE ${t} ALTER COLUMN ${c} SET DEFAULT ''`,
      ];
    }
    throw new Error(`unsupported column kind change ${from} -> ${to}`);
  },
  renameTable: (from, to) => [`ALTER TABLE ${q(from)} RENAME TO ${q(to)}`],
  dropTable: (table) => [`DROP TABLE IF EXISTS ${q(table)}`],
  listTables: async (db: Executor) => {
    const { rows } = await sql<{ name: string }>`SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()`.execute(db);
    return rows.map((r) => r.name);
  },
  hasBackslashEscapes: false,
  createView: (view, query, columns) => createViewDdl(q, (ref) => `CAST(${ref} AS TEXT) COLLATE "C"`, view, query, columns),
  dropView: (view) => [`DROP VIEW IF EXISTS ${q(view)}`],
  viewColumns: async (db, view) => {
    const { rows } = await sql<{ name: string; type: string }>`
      SELECT column_name AS name, data_type AS type FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = ${view} ORDER BY ordinal_position`.execute(db);
    return rows.map((r) => ({ name: r.name, kind: PG_KINDS[r.type] ?? 'other' }));
  },
  // SECURITY: the bound LIMIT makes pg use the extended protocol, which takes exactly one statement.
  sampleQuery: (db, query, limit) => sampleRows(db, q, query, sql`${limit}`),
  translateError: (err: unknown): ConstraintViolation | null => {
    if (!(err instanceof Error) || !('code' in err)) return null;
    const e = err as Error & { code?: string; constraint?: string; detail?: string; column?: string };
    if (e.code === '23505') {
      const keyList = /Key \((.+?)\)=/.exec(e.detail ?? '')?.[1] ?? '';
      const columns = keyList.split(',').map((s) => s.trim().replace(/^lower\((.+)\)$/, '$1').replace(/^"|"$/g, '')).filter(Boolean);
      return { kind: 'unique', columns, index: e.constraint ?? null };
    }
    if (e.code === '23502') return { kind: 'not_null', columns: e.column ? [e.column] : [], index: null };
    return null;
  },
  // NOTE: ILIKE under the "C" collation folds ASCII letters only, which is what SQLite's LIKE does.
  like: (left: RawBuilder<unknown>, right: RawBuilder<unknown>) =>
    sql`(CAST(${left} AS TEXT) COLLATE "C") ILIKE (CAST(${right} AS TEXT) COLLATE "C")`,
  lower: (value) => sql`LOWER(${value} COLLATE "C")`,
  // NOTE: text made here (parameters, casts) would take the database's default collation, which
  // need not be bytewise (en_US ignores case and punctuation); "C" keeps every compare bytewise.
  param: (value, kind) => (kind === 'number' ? sql`CAST(${value} AS DOUBLE PRECISION)` : kind === 'bool' ? sql`CAST(${value} AS BOOLEAN)` : sql`(CAST(${value} AS TEXT) COLLATE "C")`),
  castText: (value) => sql`(CAST(${value} AS TEXT) COLLATE "C")`,
  nullSafeEquals: (left, right, negate) => (negate ? sql`${left} IS DISTINCT FROM ${right}` : sql`${left} IS NOT DISTINCT FROM ${right}`),
  ...postgresFilterFunctions,
  boolFromDb: (value: unknown) => value === true,
  boolToDb: (value: boolean) => value,
};

// Named prepared statements for the bounded set of hot reads. A statement prepared before its table
// changed (`SELECT t.*` after a new column) fails with "cached plan must not change result type" on
// the connections that hold it; renewing gives every text a new name, so each connection prepares
// it afresh, and the failed read is run once unnamed.
const MAX_PREPARED = 500;
const STALE_PLAN = 'cached plan must not change result type';

function isStalePlan(err: unknown): boolean {
  return (err as { code?: unknown }).code === '0A000' && String((err as Error).message).includes(STALE_PLAN);
}

function preparedStatements() {
  const names = new Map<string, string>();
  let generation = 0;
  return {
    /** The statement name of `text`, or undefined once the set is full (then it runs unnamed). */
    nameOf(text: string): string | undefined {
      let name = names.get(text);
      if (name === undefined && names.size < MAX_PREPARED) {
        name = `ms${generation}_${names.size}`;
        names.set(text, name);
      }
      return name;
    },
    renew(): void {
      generation++;
      names.clear();
    },
  };
}

export function openPostgres(url: string): Database {
  // NOTE: the driver loads only when PostgreSQL is used, so an embedded (SQLite) node starts leaner.
  const pg = createRequire(import.meta.url)('pg') as typeof PgModule;
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // NOTE: an idle client whose server connection drops (a restart, pg_terminate_backend) emits
  // 'error' on the pool; unhandled, that would end the process. The pool discards the client and
  // the next query opens a fresh one, so there is nothing more to do here.
  pool.on('error', () => undefined);
  const db = new Kysely<AnyTables>({ dialect: new PostgresDialect({ pool }) });
  const statements = preparedStatements();
  return {
    engine: 'postgres',
    db,
    dialect: postgresAdapter,
    transaction: (fn) => db.transaction().execute(fn),
    selectRows: async <Row>(query: CompiledQuery, options?: SelectOptions) => {
      const values = query.parameters as unknown[];
      const name = options?.prepared ? statements.nameOf(query.sql) : undefined;
      if (name === undefined) return (await pool.query(query.sql, values)).rows as Row[];
      try {
        return (await pool.query({ name, text: query.sql, values })).rows as Row[];
      } catch (err) {
        if (!isStalePlan(err)) throw err;
        statements.renew();
        return (await pool.query(query.sql, values)).rows as Row[];
      }
    },
    ping: async () => {
      try { await sql`SELECT 1`.execute(db); return true; } catch { return false; }
    },
    close: () => db.destroy(),
  };
}
