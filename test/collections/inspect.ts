// Test helper (owned here): reads a table's real shape from each engine's catalog, so the schema
// tests assert what the database holds rather than what the registry believes.
import { sql } from 'kysely';
import type { Database } from '../../src/db/index.js';

export interface ColumnInfo {
  readonly name: string;
  readonly type: string;
  readonly isNullable: boolean;
  readonly defaultValue: string | null;
}

export interface IndexInfo {
  readonly name: string;
  readonly isUnique: boolean;
  /** The engine's own description: CREATE INDEX text (SQLite, PostgreSQL) or key columns (MariaDB). */
  readonly definition: string;
}

export interface TableSnapshot {
  readonly definition: string;
  readonly columns: readonly ColumnInfo[];
  readonly indexes: readonly IndexInfo[];
  readonly rows: readonly Record<string, unknown>[];
}

const lower = (row: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k.toLowerCase(), v]));

export async function tableNames(database: Database): Promise<string[]> {
  return (await database.dialect.listTables(database.db)).sort();
}

export async function tableExists(database: Database, table: string): Promise<boolean> {
  return (await tableNames(database)).includes(table);
}

/** Every column, hidden helper columns included, in table order. */
export async function columnsOf(database: Database, table: string): Promise<ColumnInfo[]> {
  switch (database.engine) {
    case 'sqlite': {
      const { rows } = await sql<{ name: string; type: string; notnull: number; dflt_value: string | null }>`
        SELECT name, type, "notnull", dflt_value FROM pragma_table_info(${table}) ORDER BY cid`.execute(database.db);
      return rows.map((r) => ({ name: r.name, type: r.type, isNullable: r.notnull === 0, defaultValue: r.dflt_value }));
    }
    case 'postgres': {
      const { rows } = await sql<{ name: string; type: string; nullable: string; dflt: string | null }>`
        SELECT column_name AS name, data_type AS type, is_nullable AS nullable, column_default AS dflt
        FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ${table}
        ORDER BY ordinal_position`.execute(database.db);
      return rows.map((r) => ({ name: r.name, type: r.type, isNullable: r.nullable === 'YES', defaultValue: r.dflt }));
    }
    case 'mysql': {
      const { rows } = await sql<Record<string, unknown>>`
        SELECT column_name AS name, column_type AS type, is_nullable AS nullable, column_default AS dflt
        FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ${table}
        ORDER BY ordinal_position`.execute(database.db);
      return rows.map(lower).map((r) => ({
        name: String(r.name), type: String(r.type), isNullable: r.nullable === 'YES', defaultValue: r.dflt === null ? null : String(r.dflt),
      }));
    }
  }
}

/** The columns that hold field values: without the engines' hidden helpers (`_rowid_`, `_ms_idx_…`). */
export async function fieldColumns(database: Database, table: string): Promise<string[]> {
  return (await columnsOf(database, table)).map((c) => c.name).filter((n) => n !== '_rowid_' && !n.startsWith('_ms_'));
}

/** Indexes a collection defined (not primary keys or engine-made ones), sorted by name. */
export async function indexesOf(database: Database, table: string): Promise<IndexInfo[]> {
  let list: IndexInfo[];
  switch (database.engine) {
    case 'sqlite': {
      const { rows } = await sql<{ name: string; sql: string | null; isUnique: number }>`
        SELECT m.name AS name, m.sql AS sql, l."unique" AS "isUnique"
        FROM sqlite_master m JOIN pragma_index_list(${table}) l ON l.name = m.name
        WHERE m.type = 'index' AND m.tbl_name = ${table} AND m.sql IS NOT NULL`.execute(database.db);
      list = rows.map((r) => ({ name: r.name, isUnique: r.isUnique === 1, definition: r.sql ?? '' }));
      break;
    }
    case 'postgres': {
      // NOTE: the primary key keeps its first name (`notes_pkey`) when the table is renamed.
      const { rows } = await sql<{ name: string; def: string }>`
        SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ${table} AND t.relnamespace = current_schema()::regnamespace AND NOT i.indisprimary`.execute(database.db);
      list = rows.map((r) => ({ name: r.name, isUnique: r.def.startsWith('CREATE UNIQUE'), definition: r.def }));
      break;
    }
    case 'mysql': {
      const { rows } = await sql<Record<string, unknown>>`
        SELECT index_name AS name, MIN(non_unique) AS nonunique,
               GROUP_CONCAT(column_name ORDER BY seq_in_index SEPARATOR ',') AS cols
        FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ${table}
          AND index_name NOT IN ('PRIMARY', '_rowid_')
        GROUP BY index_name`.execute(database.db);
      list = rows.map(lower).map((r) => ({ name: String(r.name), isUnique: Number(r.nonunique) === 0, definition: String(r.cols) }));
      break;
    }
  }
  return list.sort((a, b) => a.name.localeCompare(b.name));
}

/** The engine's complete description of a table: its DDL text, as the engine prints it now. */
export async function tableDefinition(database: Database, table: string): Promise<string> {
  switch (database.engine) {
    case 'sqlite': {
      const { rows } = await sql<{ sql: string }>`
        SELECT sql FROM sqlite_master WHERE tbl_name = ${table} AND sql IS NOT NULL ORDER BY type DESC, name`.execute(database.db);
      return rows.map((r) => r.sql).join(';\n');
    }
    case 'postgres': {
      const columns = await columnsOf(database, table);
      const { rows } = await sql<{ def: string }>`
        SELECT indexdef AS def FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ${table} ORDER BY indexname`.execute(database.db);
      return [...columns.map((c) => JSON.stringify(c)), ...rows.map((r) => r.def)].join(';\n');
    }
    case 'mysql': {
      const { rows } = await sql<Record<string, string>>`SHOW CREATE TABLE ${sql.table(table)}`.execute(database.db);
      // NOTE: the AUTO_INCREMENT counter is not part of the shape.
      return String(Object.values(rows[0] ?? {})[1] ?? '').replace(/ AUTO_INCREMENT=\d+/, '');
    }
  }
}

export async function rowsOf(database: Database, table: string): Promise<Record<string, unknown>[]> {
  return database.db.selectFrom(table).selectAll().orderBy('id').execute();
}

export async function snapshotTable(database: Database, table: string): Promise<TableSnapshot> {
  return {
    definition: await tableDefinition(database, table),
    columns: await columnsOf(database, table),
    indexes: await indexesOf(database, table),
    rows: await rowsOf(database, table),
  };
}

/** The stored `_collections` row, as the database holds it. */
export async function collectionRow(database: Database, id: string): Promise<Record<string, unknown> | undefined> {
  return database.db.selectFrom('_collections').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The views the database holds, sorted: what the catalog says, not the registry. */
export async function viewNames(database: Database): Promise<string[]> {
  let names: string[];
  switch (database.engine) {
    case 'sqlite': {
      const { rows } = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'view'`.execute(database.db);
      names = rows.map((r) => r.name);
      break;
    }
    case 'postgres': {
      const { rows } = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.views WHERE table_schema = current_schema()`.execute(database.db);
      names = rows.map((r) => r.name);
      break;
    }
    case 'mysql': {
      const { rows } = await sql<Record<string, unknown>>`SELECT table_name AS name FROM information_schema.views WHERE table_schema = DATABASE()`.execute(database.db);
      names = rows.map(lower).map((r) => String(r.name));
      break;
    }
  }
  return names.sort();
}
