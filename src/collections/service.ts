// The collections API's work: list, view, create, update, delete, truncate, import and scaffolds.
import { AppError, ValidationError, fieldError, notFound } from '../core/errors.js';
import type { SecretBox } from '../core/secret-box.js';
import type { Database, Trx } from '../db/index.js';
import { runList, type ListParams, type ListResult, type QueryColumn, type QuerySchema, type RequestInfo } from '../query/index.js';
import { buildCollection, type BuildContext, type BuiltCollection } from './definition.js';
import { parseIndex, type ParsedIndex } from './indexes/index.js';
import type { Collection, CollectionType } from './model.js';
import { applyPlan, planCreate, planDrop, planUpdate, planView, type SchemaPlan } from './schema-sync.js';
import { publicAuthOptions, scaffold } from './scaffolds.js';
import { COLLECTIONS_TABLE, type CollectionRegistry } from './store.js';
import { INVALID_VIEW_QUERY_CODE, invalidViewQueryMessage, mentionedNames, probeViewQuery, ViewQueryError, type ViewShape } from './views/index.js';

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
  const buildContext = (extra: Partial<BuildContext> = {}): BuildContext => ({
    find: (x) => registry.get(x), all: () => registry.all(), secrets, viewLex: { hasBackslashEscapes: database.dialect.hasBackslashEscapes }, ...extra,
  });
  const findByName = (name: string): Collection | undefined => {
    const c = registry.get(name);
    return c && c.name.toLowerCase() === name.toLowerCase() ? c : undefined;
  };

  /** Views whose query mentions `c` by name (SQL has no ids): they break when its table goes or changes shape. */
  function viewsReading(c: Collection): Collection[] {
    const lex = { hasBackslashEscapes: database.dialect.hasBackslashEscapes };
    return registry.all().filter((v) => v.type === 'view' && v.id !== c.id && mentionedNames(v.viewQuery, lex).has(c.name.toLowerCase()));
  }

  /**
   * Refuses a change that would leave a view reading a table or column that is gone or renamed.
   * NOTE: PocketBase re-saves such views afterwards and only logs failures; PostgreSQL would refuse
   * the DDL outright and MariaDB would keep a broken view, so the change is refused here, with a 400.
   */
  function checkViewDependents(previous: Collection, next: Collection | null): void {
    if (next) {
      const ids = new Map(next.fields.map((f) => [f.id, f.name]));
      // A view is dropped and created again whenever its query or name changes.
      const isReshaped = previous.name !== next.name || previous.fields.some((f) => ids.get(f.id) !== f.name)
        || (previous.type === 'view' && previous.viewQuery !== next.viewQuery);
      if (!isReshaped) return;
    }
    const dependents = viewsReading(previous);
    if (dependents.length === 0) return;
    const names = dependents.map((v) => v.name).join(', ');
    throw new AppError('bad_request', next
      ? `The collection is used by the view collection(s) ${names}: update or delete them before renaming or removing its tables or fields.`
      : `The collection is still used by the view collection(s) ${names}.`);
  }

  /** Asks the database what the view's query returns; a bad query is a 400 on `viewQuery`. */
  async function probeView(built: BuiltCollection, failure: string): Promise<ViewShape> {
    try {
      return await probeViewQuery(database, built.view!, findByName);
    } catch (err) {
      if (!(err instanceof ViewQueryError)) throw err;
      throw new ValidationError(failure, { viewQuery: fieldError(INVALID_VIEW_QUERY_CODE, invalidViewQueryMessage(err.message)) });
    }
  }

  /** The plan and the complete collection: a view's fields come from probing its query. */
  async function prepare(built: BuiltCollection, previous: Collection | null, failure: string): Promise<{ collection: Collection; plan: SchemaPlan }> {
    const { collection, indexes } = built;
    if (collection.type !== 'view') {
      const plan = previous ? planUpdate(database, previous, parsedIndexes(previous), collection, indexes) : planCreate(database, collection, indexes);
      return { collection, plan };
    }
    const shape = await probeView(built, failure);
    const withFields: Collection = { ...collection, fields: shape.fields };
    return { collection: withFields, plan: planView(database, previous, collection.name, { query: collection.viewQuery, columns: shape.columns }) };
  }

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
    const failure = 'Failed to create collection.';
    const { collection, plan } = await prepare(buildCollection(body, null, buildContext(options)), null, failure);
    await commit(plan, failure, (trx) => registry.save(trx, collection, true));
    return toJson(registry.get(collection.id)!);
  }

  async function update(idOrName: string, body: unknown): Promise<CollectionJson> {
    const previous = mustFind(idOrName);
    const failure = 'Failed to update collection.';
    const built = buildCollection(body, previous, buildContext());
    checkViewDependents(previous, built.collection);
    const { collection, plan } = await prepare(built, previous, failure);
    await commit(plan, failure, (trx) => registry.save(trx, collection, false));
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
    checkViewDependents(c, null);
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

