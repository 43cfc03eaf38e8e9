// The database: engine adapters behind one port, and versioned migrations.
export type { AnyTables, ColumnKind, ColumnSpec, ConstraintViolation, Database, Db, DialectAdapter, Executor, JsonPathValue, ScalarKind, SelectOptions, StrftimeSpec, StrftimeToken, TimeModifier, Trx, ViewColumn } from './ports.js';
export { openDatabase } from './open.js';
export { migrateDown, migrateUp, migrationStatus, systemTablesMigration, tableMigration, type Migration, type MigrationStatus } from './migrations.js';
