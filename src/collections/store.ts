// Persists collections in `_collections` and keeps every one in memory, so the request path never
// reads the schema from the database. `reload()` runs after each change.
import type { Database, Executor } from '../db/index.js';
import type { AuthOptions, Collection, CollectionType, Field } from './model.js';

export const COLLECTIONS_TABLE = '_collections';

type CollectionRow = {
  id: string;
  system: unknown;
  type: string;
  name: string;
  fields: string;
  indexes: string;
  listRule: string | null;
  viewRule: string | null;
  createRule: string | null;
  updateRule: string | null;
  deleteRule: string | null;
  options: string;
  created: string;
  updated: string;
}

export interface CollectionRegistry {
  /** By id, or by name ignoring case. */
  get(idOrName: string): Collection | undefined;
  all(): readonly Collection[];
  /** Bumped on every reload; compiled rules and serializers key their caches on it. */
  readonly version: number;
  reload(executor?: Executor): Promise<void>;
  save(executor: Executor, collection: Collection, isNew: boolean): Promise<void>;
  remove(executor: Executor, id: string): Promise<void>;
}

function toRow(c: Collection, database: Database): CollectionRow {
  const options = c.type === 'auth' ? c.auth : c.type === 'view' ? { viewQuery: c.viewQuery } : {};
  return {
    id: c.id,
    system: database.dialect.boolToDb(c.system),
    type: c.type,
    name: c.name,
    fields: JSON.stringify(c.fields),
    indexes: JSON.stringify(c.indexes),
    listRule: c.listRule,
    viewRule: c.viewRule,
    createRule: c.createRule,
    updateRule: c.updateRule,
    deleteRule: c.deleteRule,
    options: JSON.stringify(options),
    created: c.created,
    updated: c.updated,
  };
}

function fromRow(row: CollectionRow, database: Database): Collection {
  const options = JSON.parse(row.options) as Record<string, unknown>;
  const type = row.type as CollectionType;
  return {
    id: row.id,
    name: row.name,
    type,
    system: database.dialect.boolFromDb(row.system),
    fields: JSON.parse(row.fields) as Field[],
    indexes: JSON.parse(row.indexes) as string[],
    listRule: row.listRule,
    viewRule: row.viewRule,
    createRule: row.createRule,
    updateRule: row.updateRule,
    deleteRule: row.deleteRule,
    viewQuery: type === 'view' ? String(options.viewQuery ?? '') : '',
    auth: type === 'auth' ? (options as unknown as AuthOptions) : null,
    created: row.created,
    updated: row.updated,
  };
}

export function createCollectionRegistry(database: Database): CollectionRegistry {
  let byId = new Map<string, Collection>();
  let byName = new Map<string, Collection>();
  let version = 0;

  return {
    get: (idOrName) => byId.get(idOrName) ?? byName.get(idOrName.toLowerCase()),
    all: () => [...byId.values()],
    get version() {
      return version;
    },
    async reload(executor = database.db) {
      const rows = (await executor.selectFrom(COLLECTIONS_TABLE).selectAll().orderBy('created').orderBy('name').execute()) as unknown as CollectionRow[];
      const nextById = new Map<string, Collection>();
      const nextByName = new Map<string, Collection>();
      for (const row of rows) {
        const c = Object.freeze(fromRow(row, database));
        nextById.set(c.id, c);
        nextByName.set(c.name.toLowerCase(), c);
      }
      byId = nextById;
      byName = nextByName;
      version++;
    },
    async save(executor, collection, isNew) {
      const row = toRow(collection, database);
      if (isNew) await executor.insertInto(COLLECTIONS_TABLE).values(row).execute();
      else await executor.updateTable(COLLECTIONS_TABLE).set(row).where('id', '=', collection.id).execute();
    },
    async remove(executor, id) {
      await executor.deleteFrom(COLLECTIONS_TABLE).where('id', '=', id).execute();
    },
  };
}
