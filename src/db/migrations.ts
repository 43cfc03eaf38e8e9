// Versioned migrations: the system's own tables first, then the collections a fresh instance has.
// Applied names are kept in `_migrations`; each runs in its own transaction where DDL allows it.
import { sql } from 'kysely';
import { nowDate } from '../core/time.js';
import type { ColumnSpec, Database, DialectAdapter, Executor } from './ports.js';

export interface Migration {
  readonly name: string;
  up(database: Database): Promise<void>;
  down(database: Database): Promise<void>;
}

export interface MigrationStatus {
  readonly name: string;
  readonly applied: string | null;
}

const MIGRATIONS_TABLE = '_migrations';

async function run(executor: Executor, statements: readonly string[]): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(executor);
}

/**
 * A migration that creates one system table, plus `extra` statements (indexes) for it, in one
 * transaction, and drops it on the way down.
 */
export function tableMigration(name: string, table: string, columns: readonly ColumnSpec[], extra: (dialect: DialectAdapter) => readonly string[] = () => []): Migration {
  return {
    name,
    async up(database) {
      await database.transaction((trx) => run(trx, [...database.dialect.createTable(table, columns), ...extra(database.dialect)]));
    },
    async down(database) {
      await database.transaction((trx) => run(trx, database.dialect.dropTable(table)));
    },
  };
}

/** System tables: collections, settings, sessions. */
export const systemTablesMigration: Migration = {
  name: '0000_system_tables',
  async up(database) {
    const d = database.dialect;
    const q = d.quoteIdent;
    // NOTE: one transaction, so that a crash half-way leaves nothing to trip over on the next start
    // (SQLite and PostgreSQL; MariaDB commits each statement).
    await database.transaction((trx) => run(trx, [
      ...d.createTable('_collections', [
        { name: 'id', kind: 'id' }, { name: 'system', kind: 'bool' }, { name: 'type', kind: 'text' },
        { name: 'name', kind: 'text' }, { name: 'fields', kind: 'text' }, { name: 'indexes', kind: 'text' },
        { name: 'listRule', kind: 'json' }, { name: 'viewRule', kind: 'json' }, { name: 'createRule', kind: 'json' },
        { name: 'updateRule', kind: 'json' }, { name: 'deleteRule', kind: 'json' }, { name: 'options', kind: 'text' },
        { name: 'created', kind: 'text' }, { name: 'updated', kind: 'text' },
      ]),
      ...d.createTable('_params', [
        { name: 'id', kind: 'id' }, { name: 'value', kind: 'json' }, { name: 'created', kind: 'text' }, { name: 'updated', kind: 'text' },
      ]),
      ...d.createTable('_sessions', [
        { name: 'id', kind: 'id' }, { name: 'collectionId', kind: 'text' }, { name: 'recordId', kind: 'text' },
        { name: 'userAgent', kind: 'text' }, { name: 'ip', kind: 'text' }, { name: 'refreshable', kind: 'bool' },
        { name: 'created', kind: 'text' }, { name: 'lastSeen', kind: 'text' }, { name: 'expires', kind: 'text' },
      ]),
      // NOTE: MariaDB indexes text columns by prefix; 191 characters covers ids and names.
      d.engine === 'mysql'
        ? `CREATE INDEX ${q('idx__sessions_record')} ON ${q('_sessions')} (${q('collectionId')}(64), ${q('recordId')}(64))`
        : `CREATE INDEX ${q('idx__sessions_record')} ON ${q('_sessions')} (${q('collectionId')}, ${q('recordId')})`,
    ]));
  },
  async down(database) {
    await database.transaction((trx) => run(trx, ['_sessions', '_params', '_collections'].flatMap((t) => database.dialect.dropTable(t))));
  },
};

async function ensureMigrationsTable(database: Database): Promise<void> {
  const tables = await database.dialect.listTables(database.db);
  if (tables.includes(MIGRATIONS_TABLE)) return;
  await run(database.db, database.dialect.createTable(MIGRATIONS_TABLE, [{ name: 'id', kind: 'id' }, { name: 'applied', kind: 'text' }]));
}

async function appliedNames(database: Database): Promise<Map<string, string>> {
  await ensureMigrationsTable(database);
  const rows = await database.db.selectFrom(MIGRATIONS_TABLE).select(['id', 'applied']).execute();
  return new Map(rows.map((r) => [String(r.id), String(r.applied)]));
}

/** Applies every pending migration in order; returns the names applied. */
export async function migrateUp(database: Database, migrations: readonly Migration[]): Promise<string[]> {
  const applied = await appliedNames(database);
  const done: string[] = [];
  for (const m of migrations) {
    if (applied.has(m.name)) continue;
    await m.up(database);
    await database.db.insertInto(MIGRATIONS_TABLE).values({ id: m.name, applied: nowDate() }).execute();
    done.push(m.name);
  }
  return done;
}

/** Reverts the newest applied migration; returns its name, or null when none is applied. */
export async function migrateDown(database: Database, migrations: readonly Migration[]): Promise<string | null> {
  const applied = await appliedNames(database);
  const last = [...migrations].reverse().find((m) => applied.has(m.name));
  if (!last) return null;
  await last.down(database);
  await database.db.deleteFrom(MIGRATIONS_TABLE).where('id', '=', last.name).execute();
  return last.name;
}

export async function migrationStatus(database: Database, migrations: readonly Migration[]): Promise<MigrationStatus[]> {
  const applied = await appliedNames(database);
  return migrations.map((m) => ({ name: m.name, applied: applied.get(m.name) ?? null }));
}
