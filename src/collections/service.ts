// The collections API's work: list, view, create, update, delete, truncate, import and scaffolds.
import { AppError, ValidationError, fieldError, notFound } from '../core/errors.js';
import type { SecretBox } from '../core/secret-box.js';
import type { Database, Trx } from '../db/index.js';
import { runList, type ListParams, type ListResult, type QueryColumn, type QuerySchema, type RequestInfo } from '../query/index.js';
import { buildCollection, type BuildContext } from './definition.js';
import { parseIndex, type ParsedIndex } from './indexes/index.js';
import type { Collection, CollectionType } from './model.js';
import { applyPlan, planCreate, planDrop, planUpdate, type SchemaPlan } from './schema-sync.js';
import { publicAuthOptions, scaffold } from './scaffolds.js';
import { COLLECTIONS_TABLE, type CollectionRegistry } from './store.js';

export type CollectionJson = Record<string, unknown>;

export interface CollectionService {
  list(params: ListParams, request: RequestInfo): Promise<ListResult<CollectionJson>>;
  view(idOrName: string): CollectionJson;
  create(body: unknown, options?: { allowSystem?: boolean }): Promise<CollectionJson>;
  update(idOrName: string, body: unknown): Promise<CollectionJson>;
  remove(idOrName: string): Promise<void>;
  truncate(idOrName: string): Promise<void>;
  importCollections(body: unknown): Promise<void>;
  scaffolds(): Record<CollectionType, Record<string, unknown>>;
  toJson(collection: Collection): CollectionJson;
}

export interface CollectionServiceDeps {
  /** Deletes every record with the records module's reference and session handling. */
  readonly truncateRecords: (collection: Collection) => Promise<void>;
  readonly database: Database;
  readonly registry: CollectionRegistry;
  readonly secrets: SecretBox;
}

const LIST_SCHEMA: QuerySchema = {
  table: COLLECTIONS_TABLE,
  columns: new Map<string, QueryColumn>([
    ['id', { kind: 'text', hidden: false }],
    ['name', { kind: 'text', hidden: false }],
    ['type', { kind: 'text', hidden: false }],
    ['system', { kind: 'bool', hidden: false }],
    ['created', { kind: 'text', hidden: false }],
    ['updated', { kind: 'text', hidden: false }],
  ]),
};

const parsedIndexes = (c: Collection): ParsedIndex[] => c.indexes.map((text) => ({ ...parseIndex(text), table: c.name }));

export function createCollectionService({ database, registry, secrets, truncateRecords }: CollectionServiceDeps): CollectionService {
  const buildContext = (extra: Partial<BuildContext> = {}): BuildContext => ({ find: (x) => registry.get(x), all: () => registry.all(), secrets, ...extra });

  function mustFind(idOrName: string): Collection {
    const c = registry.get(idOrName);
    if (!c) throw notFound();
    return c;
  }

  function toJson(c: Collection): CollectionJson {
    const json: CollectionJson = {
      id: c.id, name: c.name, type: c.type, system: c.system, fields: c.fields, indexes: c.indexes,
      listRule: c.listRule, viewRule: c.viewRule, createRule: c.createRule, updateRule: c.updateRule, deleteRule: c.deleteRule,
      created: c.created, updated: c.updated,
    };
    if (c.type === 'view') json.viewQuery = c.viewQuery;
    if (c.auth) Object.assign(json, publicAuthOptions(c.auth));
    return json;
  }

  /**
   * Runs a schema plan and the collection row write in one unit, then refreshes the registry.
   * A unique violation is the rows breaking a new index, or (in the row write) another node having
   * saved the same collection id since this registry last loaded.
   */
  async function commit(plan: SchemaPlan, failure: string, write: (trx: Trx) => Promise<void>): Promise<void> {
    let isWritingRow = false;
    try {
      await database.transaction(async (trx) => {
        await applyPlan(database, trx, plan, async () => {
          isWritingRow = true;
          await write(trx);
          isWritingRow = false;
        });
      });
    } catch (err) {
      const violation = database.dialect.translateError(err);
      if (violation?.kind === 'unique' && isWritingRow) {
        throw new ValidationError(failure, { id: fieldError('validation_pk_invalid', 'The collection id is invalid or already exists.') }, { cause: err });
      }
      if (violation?.kind === 'unique') {
        throw new ValidationError(failure, {
          indexes: fieldError('validation_invalid_index_expression', 'The existing records break a unique index.'),
        }, { cause: err });
      }
      throw err;
    } finally {
      await registry.reload();
    }
  }

  async function create(body: unknown, options: { allowSystem?: boolean } = {}): Promise<CollectionJson> {
    const { collection, indexes } = buildCollection(body, null, buildContext(options));
    await commit(planCreate(database, collection, indexes), 'Failed to create collection.', (trx) => registry.save(trx, collection, true));
    return toJson(registry.get(collection.id)!);
  }

  async function update(idOrName: string, body: unknown): Promise<CollectionJson> {
    const previous = mustFind(idOrName);
    const { collection, indexes } = buildCollection(body, previous, buildContext());
    await commit(planUpdate(database, previous, parsedIndexes(previous), collection, indexes), 'Failed to update collection.', (trx) => registry.save(trx, collection, false));
    return toJson(registry.get(collection.id)!);
  }

  function referencesTo(target: Collection): Collection[] {
    return registry.all().filter((c) => c.id !== target.id && c.fields.some((f) => f.type === 'relation' && f.collectionId === target.id));
  }

  async function remove(idOrName: string): Promise<void> {
    const c = mustFind(idOrName);
    if (c.system) throw new AppError('bad_request', 'System collections cannot be deleted.');
    const referencing = referencesTo(c);
    if (referencing.length) {
      throw new AppError('bad_request', `The collection is still referenced by ${referencing.map((r) => r.name).join(', ')}.`);
    }
    await commit(planDrop(database, c), 'Failed to delete collection.', (trx) => registry.remove(trx, c.id));
  }

  async function truncate(idOrName: string): Promise<void> {
    const c = mustFind(idOrName);
    if (c.type === 'view') throw new AppError('bad_request', 'View collections cannot be truncated.');
    await truncateRecords(c);
  }

  async function importCollections(body: unknown): Promise<void> {
    const input = body as { collections?: unknown; deleteMissing?: unknown } | null;
    if (!input || !Array.isArray(input.collections) || input.collections.length === 0) {
      throw new ValidationError('Failed to import collections.', { collections: fieldError('validation_required', 'Cannot be blank.') });
    }
    const deleteMissing = input.deleteMissing === true;
    const failures: Record<string, ReturnType<typeof fieldError>> = {};
    for (const [i, raw] of (input.collections as unknown[]).entries()) {
      const r = (raw ?? {}) as { id?: unknown; name?: unknown };
      const existing = (typeof r.id === 'string' && registry.get(r.id)) || (typeof r.name === 'string' && registry.get(r.name)) || null;
      try {
        if (existing) await update(existing.id, raw);
        else await create(raw);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        failures[String(i)] = fieldError('validation_collections_import_failure', err.message, { errors: err.data });
        break;
      }
    }
    if (Object.keys(failures).length) throw new ValidationError('Failed to import collections.', { collections: failures });
    if (deleteMissing) {
      const keep = new Set((input.collections as { id?: string; name?: string }[]).flatMap((c) => [c.id, c.name?.toLowerCase()]));
      for (const c of registry.all()) {
        if (!c.system && !keep.has(c.id) && !keep.has(c.name.toLowerCase())) await remove(c.id);
      }
    }
  }

  return {
    async list(params, request) {
      return runList({
        executor: database.db,
        scope: { schema: LIST_SCHEMA, dialect: database.dialect, request, isTrusted: true },
        params,
        defaultSort: 'created',
        columns: ['id'],
        // A row another node just wrote may not be in this node's registry yet: show its id only.
        mapRow: (row) => { const c = registry.get(String(row.id)); return c ? toJson(c) : { id: row.id }; },
      });
    },
    view: (idOrName) => toJson(mustFind(idOrName)),
    create,
    update,
    remove,
    truncate,
    importCollections,
    scaffolds: () => ({ base: scaffold('base'), auth: scaffold('auth'), view: scaffold('view') }),
    toJson,
  };
}

