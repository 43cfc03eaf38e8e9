// Test helper (owned here): a migrated database with the collections registry and service over it,
// one per test file and engine; it records every hand-written statement (DDL) the service runs.
import type { KyselyPlugin, RootOperationNode } from 'kysely';
import { createCollectionRegistry, createCollectionService, defaultCollectionsMigration, type CollectionRegistry, type CollectionService } from '../../src/collections/index.js';
import { createArgon2Hasher } from '../../src/auth/index.js';
import { createSecretBox } from '../../src/core/secret-box.js';
import { createRecordService } from '../../src/records/index.js';
import { migrateUp, openDatabase, systemTablesMigration, type Database, type Migration } from '../../src/db/index.js';
import type { TestDatabase, TestEngine } from '../helpers/engines.js';

export const TEST_SECRET = 'test-secret-0123456789-0123456789-abcdef';

export interface CollectionsHarness {
  readonly database: Database;
  readonly registry: CollectionRegistry;
  readonly service: CollectionService;
  readonly url: string;
  /** The migrations a fresh instance runs, bound to this harness's service. */
  readonly migrations: readonly Migration[];
  /** Hand-written statements (DDL and its data conversions) run so far, oldest first; clear it freely. */
  readonly statements: string[];
  close(): Promise<void>;
}

/** Opens a service on `url`; the caller decides whether to migrate. */
export function openHarness(url: string, drop: () => Promise<void> = async () => undefined): CollectionsHarness {
  const statements: string[] = [];
  const database = recording(openDatabase(url), statements);
  const registry = createCollectionRegistry(database);
  const records = createRecordService({ database, registry, passwords: createArgon2Hasher() });
  const service = createCollectionService({ database, registry, secrets: createSecretBox(TEST_SECRET), truncateRecords: (c) => records.truncate(c) });
  return {
    database,
    registry,
    service,
    url,
    statements,
    migrations: [systemTablesMigration, defaultCollectionsMigration(service, registry)],
    async close() {
      await database.close();
      await drop();
    },
  };
}

/** The same database whose Kysely instance notes each raw statement (all DDL passes through sql.raw). */
function recording(base: Database, statements: string[]): Database {
  const recorder: KyselyPlugin = {
    transformQuery: ({ node }): RootOperationNode => {
      if (node.kind === 'RawNode') statements.push(node.sqlFragments.join('?'));
      return node;
    },
    transformResult: async ({ result }) => result,
  };
  const db = base.db.withPlugin(recorder);
  return { ...base, db, transaction: (fn) => db.transaction().execute(fn) };
}

/** A fresh database on `engine`, migrated like a new instance. */
export async function startHarness(engine: TestEngine): Promise<CollectionsHarness> {
  const created: TestDatabase = await engine.createDatabase();
  const harness = openHarness(created.url, () => created.drop());
  await migrateUp(harness.database, harness.migrations);
  return harness;
}
