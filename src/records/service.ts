// The records API's work: list, view, create, update and delete on any collection, with rules,
// validation, relation checks and cascades. Never sees HTTP; routes hand it a RecordContext.
import type { Collection, CollectionRegistry } from '../collections/index.js';
import { toDb } from '../collections/index.js';
import { createCascade } from './cascade.js';
import { createExpander } from './expand.js';
import { createSearchThrottle } from './search-throttle.js';
import type { AuthState } from '../core/auth-state.js';
import { AppError, ValidationError, fieldError, type FieldError } from '../core/errors.js';
import { randomString } from '../core/ids.js';
import { sql, type CompiledQuery, type RawBuilder, type SqlBool } from 'kysely';
import type { Database, Executor } from '../db/index.js';
import { compileList, runCompiledList, type CompiledList, type ListParams, type ListResult, type RequestInfo } from '../query/index.js';
import { applyModifiers, hasNul, mismatch, prepareInput, relationIds, type PreparedInput } from './input.js';
import { planFor, readRow, schemaResolver, serializeRecord, type CollectionPlan, type CompiledRule, type StoredRecord, type Viewer } from './plan.js';
import { createCompiledCache } from './compiled-cache.js';
import { allOf, ruleCondition } from './rules.js';

export interface RecordContext {
  readonly auth: AuthState | null;
  readonly request: RequestInfo;
  /** The `expand` parameter: relations to include in the answer. */
  readonly expand?: string;
  /** Who is asking, for the empty-search throttle (the client IP). */
  readonly client?: string;
}

export interface PasswordHasher {
  hash(plain: string): Promise<string>;
  verify(hash: string, plain: string): Promise<boolean>;
}

export type RecordJson = Record<string, unknown>;

export interface RecordChange {
  readonly action: 'create' | 'update' | 'delete';
  readonly collection: Collection;
  readonly record: StoredRecord;
}

/** The reads and writes a request (or one item of a batch) performs. */
export interface RecordOperations {
  list(collection: string, params: ListParams, ctx: RecordContext): Promise<ListResult<RecordJson>>;
  view(collection: string, id: string, ctx: RecordContext): Promise<RecordJson>;
  create(collection: string, body: unknown, ctx: RecordContext): Promise<RecordJson>;
  update(collection: string, id: string, body: unknown, ctx: RecordContext): Promise<RecordJson>;
  remove(collection: string, id: string, ctx: RecordContext): Promise<void>;
  /** Deletes every record of a collection, resolving references and sessions as deletes do. */
  truncate(collection: Collection): Promise<void>;
  /** Whether a record with this id exists, whatever the rules say (batch upserts). */
  exists(collection: string, id: string): Promise<boolean>;
}

export interface RecordService extends RecordOperations {
  /** Runs `fn` with operations bound to one transaction: all commit together or none does. */
  batch<T>(fn: (ops: RecordOperations) => Promise<T>): Promise<T>;
  /** A stored record with every field (secrets too), or null. For the auth module. */
  findStored(collection: Collection, id: string): Promise<StoredRecord | null>;
  /** The first record whose `field` equals `value` (case-insensitively when asked). */
  findByField(collection: Collection, field: string, value: string, options?: { ignoreCase?: boolean }): Promise<StoredRecord | null>;
  /**
   * Stores a new hash of the same password in an auth record, if its hash is still `previous` (a
   * concurrent password change wins). Not a record change: no event, sessions and tokenKey untouched.
   */
  replacePasswordHash(collection: Collection, recordId: string, previous: string, next: string): Promise<boolean>;
  /** Whether the record matches a rule for this request (superusers-only rules never match). */
  matchesRule(collection: Collection, rule: 'authRule' | 'manageRule' | 'mfaRule', recordId: string, request: RequestInfo): Promise<boolean>;
  serialize(collection: Collection, record: StoredRecord, viewer: Viewer): RecordJson;
  /** The record as `viewer` sees it, expanded as `ctx.expand` asks (auth replies). */
  present(collection: Collection, record: StoredRecord, ctx: RecordContext, viewer: Viewer): Promise<RecordJson>;
  /** Called after each committed change; returns the unsubscribe function. */
  onChange(listener: (change: RecordChange) => void): () => void;
}

/** Acts as a superuser without a token: for the server's own writes (the CLI, confirmed mail links). */
export function systemContext(): RecordContext {
  const auth: AuthState = {
    collectionId: '', collectionName: '_superusers', record: { id: '' }, sessionId: '', isSuperuser: true, token: '', refreshable: false,
  };
  return { auth, request: { auth: null, method: 'POST', context: 'default', query: {}, headers: {}, body: {} } };
}

/** Where operations run: the executor, how they open a transaction, and where their changes go. */
interface WriteScope {
  readonly executor: Executor;
  transaction<T>(fn: (trx: Executor) => Promise<T>): Promise<T>;
  emit(changes: readonly RecordChange[]): void;
}

export interface RecordServiceDeps {
  readonly database: Database;
  readonly registry: CollectionRegistry;
  readonly passwords: PasswordHasher;
}

// A literal, not a parameter: SQLite plans `LIMIT ?` anew on every run (≈5 µs a lookup).
const ONE_ROW = sql.lit(1);

const MISSING_COLLECTION = 'Missing collection context.';
const CREATE_FAILED = 'Failed to create record.';
const UPDATE_FAILED = 'Failed to update record.';
const BAD_BODY = 'Failed to load the submitted data due to invalid formatting.';

function asBody(body: unknown): Readonly<Record<string, unknown>> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new AppError('bad_request', BAD_BODY);
  return body as Record<string, unknown>;
}

/**
 * The context rules see for a write: `@request.body` is the body after the write modifiers, without
 * the hidden fields a non-superuser cannot set anyway (an auth collection's password stays), as in PocketBase.
 */
function withBody(ctx: RecordContext, plan: CollectionPlan, body: Readonly<Record<string, unknown>>): RecordContext {
  let visible = body;
  if (!ctx.auth?.isSuperuser) {
    const hidden = plan.collection.fields.filter((f) => f.hidden && !(plan.collection.type === 'auth' && f.name === 'password'));
    if (hidden.some((f) => Object.prototype.hasOwnProperty.call(body, f.name))) {
      visible = { ...body };
      for (const f of hidden) delete (visible as Record<string, unknown>)[f.name];
    }
  }
  return { ...ctx, request: { ...ctx.request, body: visible } };
}

function viewerOf(collection: Collection, auth: AuthState | null): Viewer {
  return {
    isSuperuser: auth?.isSuperuser ?? false,
    ownRecordId: auth && auth.collectionId === collection.id ? auth.record.id : null,
  };
}

export function createRecordService({ database, registry, passwords }: RecordServiceDeps): RecordService {
  const { db, dialect } = database;
  const listeners = new Set<(change: RecordChange) => void>();

  function emit(changes: readonly RecordChange[]): void {
    for (const change of changes) for (const listener of listeners) listener(change);
  }

  const cascade = createCascade({ registry, dialect });
  const expander = createExpander({ registry, dialect });
  // Other collections, for rules and filters that reach them (relations, back-relations, @collection).
  const schemas = schemaResolver(registry);
  const throttle = createSearchThrottle();

  function mustCollection(idOrName: string): CollectionPlan {
    const collection = registry.get(idOrName);
    if (!collection) throw new AppError('not_found', MISSING_COLLECTION);
    return planFor(collection);
  }

  function toRow(plan: CollectionPlan, record: Readonly<Record<string, unknown>>, names: Iterable<string>): Record<string, unknown> {
    const row: Record<string, unknown> = {};
    for (const name of names) {
      const field = plan.fields.get(name);
      if (field) row[name] = toDb(field, record[name], dialect);
    }
    return row;
  }

  // The unconditioned lookup by id, compiled once per collection version and rerun with a new id:
  // the hot path of every view, update and token check skips Kysely's builder and compiler.
  const byIdQueries = new WeakMap<CollectionPlan, CompiledQuery>();
  function byIdQuery(plan: CollectionPlan): CompiledQuery {
    let compiled = byIdQueries.get(plan);
    if (!compiled) {
      compiled = db.selectFrom(plan.table).selectAll(plan.table).where(`${plan.table}.id`, '=', '').limit(ONE_ROW).compile();
      byIdQueries.set(plan, compiled);
    }
    return compiled;
  }

  /**
   * Runs a compiled read: on the hot path outside transactions, on the transaction inside one.
   * `prepared` marks SQL whose text repeats: lookups by id and lists, whose values are parameters.
   */
  async function selectRows(executor: Executor, query: CompiledQuery, prepared = false): Promise<readonly Record<string, unknown>[]> {
    return executor === db ? database.selectRows<Record<string, unknown>>(query, { prepared }) : (await executor.executeQuery<Record<string, unknown>>(query)).rows;
  }

  /** The lookup by id under `condition`, compiled with an empty id that `runById` replaces. */
  function compileById(plan: CollectionPlan, condition: RawBuilder<SqlBool>): CompiledQuery {
    return db.selectFrom(plan.table).selectAll(plan.table).where(`${plan.table}.id`, '=', '').where(condition).limit(ONE_ROW).compile();
  }

  async function runById(executor: Executor, plan: CollectionPlan, id: string, compiled: CompiledQuery): Promise<StoredRecord | null> {
    if (hasNul(id)) return null; // no stored value holds NUL, and PostgreSQL refuses it as a parameter
    // The id is the first parameter: Kysely numbers parameters in the order they appear in the SQL.
    const rows = await selectRows(executor, { ...compiled, parameters: [id, ...compiled.parameters.slice(1)] }, true);
    const row = rows[0];
    return row ? readRow(plan, row, dialect) : null;
  }

  function selectOne(executor: Executor, plan: CollectionPlan, id: string, condition: ReturnType<typeof ruleCondition>): Promise<StoredRecord | null> {
    return runById(executor, plan, id, condition ? compileById(plan, condition) : byIdQuery(plan));
  }

  // The lookup by id under a rule, and list queries (rule, filter, sort and page), compiled once
  // per caller where they read only the caller.
  const byIdUnderRule = createCompiledCache<CompiledQuery>(1);
  const listQueries = createCompiledCache<CompiledList>(64);
  function ruleLookup(plan: CollectionPlan, rule: CompiledRule, ctx: RecordContext, isSuperuser: boolean): CompiledQuery {
    if (isSuperuser || rule.kind !== 'filter') {
      // Throws the 403 of a superusers-only rule; null for everyone else.
      const condition = ruleCondition(plan, rule, ctx.request, isSuperuser, dialect, schemas);
      return condition ? compileById(plan, condition) : byIdQuery(plan);
    }
    return byIdUnderRule.get(rule, ctx.auth, ctx.request, '', registry.version, (onVolatile) =>
      compileById(plan, ruleCondition(plan, rule, ctx.request, isSuperuser, dialect, schemas, onVolatile)!));
  }

  async function checkRelations(executor: Executor, plan: CollectionPlan, input: PreparedInput, errors: Record<string, FieldError>): Promise<void> {
    for (const field of plan.collection.fields) {
      if (field.type !== 'relation' || !input.changed.has(field.name) || errors[field.name]) continue;
      const ids = relationIds(field, input.record[field.name]);
      if (ids.length === 0) continue;
      const target = registry.get(field.collectionId);
      const found = target ? await executor.selectFrom(target.name).select('id').where('id', 'in', ids).execute() : [];
      if (found.length !== new Set(ids).size) {
        errors[field.name] = fieldError('validation_missing_rel_records', 'Failed to find all relation records with the provided ids.');
      }
    }
  }

  /** Maps a unique-index failure to the fields it names; rethrows anything else. */
  function uniqueError(plan: CollectionPlan, err: unknown, message: string): never {
    const violation = dialect.translateError(err);
    if (violation?.kind !== 'unique') throw err;
    let columns = violation.columns.filter((c) => plan.fields.has(c));
    if (columns.length === 0 && violation.index) columns = indexColumns(plan.collection, violation.index);
    const data: Record<string, FieldError> = {};
    for (const c of columns) {
      data[c] = c === 'id'
        ? fieldError('validation_pk_invalid', 'The record primary key is invalid or already exists.')
        : fieldError('validation_not_unique', 'Value must be unique.');
    }
    throw new ValidationError(message, data);
  }

  function checkAuthForm(plan: CollectionPlan, body: Readonly<Record<string, unknown>>, input: PreparedInput, errors: Record<string, FieldError>): void {
    if (plan.collection.type !== 'auth' || input.newPassword === null || errors.password) return;
    if (body.passwordConfirm !== input.newPassword) errors.passwordConfirm = mismatch();
  }

  async function hashSecrets(plan: CollectionPlan, input: PreparedInput, rotateTokenKey: boolean): Promise<void> {
    // Every password-type field is stored hashed, not only the auth `password` (SECURITY).
    for (const [name, plain] of input.plainPasswords) input.record[name] = await passwords.hash(plain);
    if (plan.collection.type !== 'auth') return;
    if (rotateTokenKey) {
      input.record.tokenKey = randomString(50, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789');
      (input.changed as Set<string>).add('tokenKey');
    }
  }

  /** Which of `ids` the caller manages through the auth collection's manageRule. */
  async function managedAmong(executor: Executor, plan: CollectionPlan, ids: readonly string[], ctx: RecordContext): Promise<ReadonlySet<string>> {
    const rule = plan.manageRule;
    if (plan.collection.type !== 'auth' || ids.length === 0 || rule.kind === 'superusers' || !ctx.auth) return new Set();
    if (rule.kind === 'public') return new Set(ids);
    const condition = ruleCondition(plan, rule, ctx.request, false, dialect, schemas);
    let query = executor.selectFrom(plan.table).select(`${plan.table}.id`).where(`${plan.table}.id`, 'in', ids);
    if (condition) query = query.where(condition);
    return new Set((await query.execute()).map((row) => String(row.id)));
  }

  function failIfErrors(errors: Record<string, FieldError>, message: string): void {
    if (Object.keys(errors).length > 0) throw new ValidationError(message, errors);
  }

  /** The record operations on one executor: the database itself, or one batch transaction. */
  function operations(scope: WriteScope): RecordOperations & { answer: (plan: CollectionPlan, records: readonly StoredRecord[], ctx: RecordContext, viewer?: Viewer) => Promise<RecordJson[]> } {
    /** The record the caller may act on under `rule`, or a 404 as PocketBase answers for a failed rule. */
    async function loadUnderRule(plan: CollectionPlan, id: string, rule: CompiledRule, ctx: RecordContext): Promise<StoredRecord> {
      const isSuperuser = ctx.auth?.isSuperuser ?? false;
      const record = await runById(scope.executor, plan, id, ruleLookup(plan, rule, ctx, isSuperuser));
      if (!record) throw new AppError('not_found');
      return record;
    }

    async function create(idOrName: string, rawBody: unknown, ctx: RecordContext): Promise<RecordJson> {
      const plan = mustCollection(idOrName);
      const isSuperuser = ctx.auth?.isSuperuser ?? false;
      if (plan.collection.type === 'view') throw new AppError('bad_request', CREATE_FAILED);
      // Rules see the body as it will be stored: after the write modifiers.
      const body = applyModifiers(plan, null, asBody(rawBody));
      const createRule = ruleCondition(plan, plan.rules.createRule, withBody(ctx, plan, body).request, isSuperuser, dialect, schemas);
      const input = prepareInput(plan, null, body, { isSuperuser });
      const errors = { ...input.errors };
      checkAuthForm(plan, body, input, errors);
      if (plan.collection.type === 'auth') {
        if (body.passwordConfirm === undefined && !errors.password) errors.passwordConfirm = fieldError('validation_required', 'Cannot be blank.');
        // Only superusers and manageRule matches (checked on the inserted row below) may set `verified`.
        if (!isSuperuser && input.record.verified === true && plan.manageRule.kind === 'superusers') errors.verified = mismatch();
      }
      // Missing related records are reported together with every other field error, as PocketBase does.
      await checkRelations(scope.executor, plan, input, errors);
      failIfErrors(errors, CREATE_FAILED);
      await hashSecrets(plan, input, plan.collection.type === 'auth');
      const record = input.record as StoredRecord;

      const insert = async (executor: Executor): Promise<void> => {
        try {
          await executor.insertInto(plan.table).values(toRow(plan, record, plan.fields.keys())).execute();
        } catch (err) {
          uniqueError(plan, err, CREATE_FAILED);
        }
      };
      const checksVerified = !isSuperuser && record.verified === true && plan.collection.type === 'auth';
      if (!createRule && !checksVerified) {
        // One statement is atomic by itself: no BEGIN and COMMIT round trips (two of three on a server).
        await insert(scope.executor);
      } else {
        await scope.transaction(async (trx) => {
          await insert(trx);
          // PocketBase tests the create rule against the would-be row: insert, check, roll back on failure.
          if (createRule && !(await selectOne(trx, plan, record.id, createRule))) {
            throw new AppError('bad_request', CREATE_FAILED);
          }
          if (checksVerified) {
            const managed = await managedAmong(trx, plan, [record.id], ctx);
            if (!managed.has(record.id)) throw new ValidationError(CREATE_FAILED, { verified: mismatch() });
          }
        });
      }
      scope.emit([{ action: 'create', collection: plan.collection, record }]);
      return (await answer(plan, [record], ctx))[0]!;
    }

    async function update(idOrName: string, id: string, rawBody: unknown, ctx: RecordContext): Promise<RecordJson> {
      const plan = mustCollection(idOrName);
      const isSuperuser = ctx.auth?.isSuperuser ?? false;
      if (plan.collection.type === 'view') throw new AppError('bad_request', UPDATE_FAILED);
      // A superusers-only rule answers 403 before anything is read.
      ruleCondition(plan, plan.rules.updateRule, ctx.request, isSuperuser, dialect, schemas);
      const current = await selectOne(scope.executor, plan, id, null);
      if (!current) throw new AppError('not_found');
      // The update rule sees the body after the write modifiers, folded onto the stored record.
      const body = applyModifiers(plan, current, asBody(rawBody));
      const existing = await loadUnderRule(plan, id, plan.rules.updateRule, withBody(ctx, plan, body));
      const input = prepareInput(plan, existing, body, { isSuperuser });
      const errors = { ...input.errors };
      let rotate = false;
      if (plan.collection.type === 'auth') {
        checkAuthForm(plan, body, input, errors);
        const emailChanged = input.record.email !== existing.email;
        const verifiedChanged = input.record.verified !== existing.verified;
        // Superusers and callers the manageRule lets in may change email, verified and the password freely.
        const canManage = isSuperuser || (await managedAmong(scope.executor, plan, [existing.id], ctx)).has(existing.id);
        if (!canManage) {
          if (emailChanged) errors.email = mismatch();
          if (verifiedChanged) errors.verified = mismatch();
          if (input.newPassword !== null && !errors.password) {
            const old = typeof body.oldPassword === 'string' ? body.oldPassword : '';
            if (old === '' || !(await passwords.verify(String(existing.password), old))) {
              errors.oldPassword = fieldError('validation_invalid_old_password', 'Missing or invalid old password.');
            }
          }
        }
        rotate = input.newPassword !== null || emailChanged;
      }
      await checkRelations(scope.executor, plan, input, errors);
      failIfErrors(errors, UPDATE_FAILED);
      await hashSecrets(plan, input, rotate);
      const record = input.record as StoredRecord;

      await scope.transaction(async (trx) => {
        const row = toRow(plan, record, input.changed);
        if (Object.keys(row).length === 0) return;
        try {
          await trx.updateTable(plan.table).set(row).where('id', '=', id).execute();
        } catch (err) {
          uniqueError(plan, err, UPDATE_FAILED);
        }
        // A new password or email rotates the tokenKey: every session ends with the old tokens,
        // the caller's own included, as PocketBase signs everyone out.
        if (rotate) await trx.deleteFrom('_sessions').where('collectionId', '=', plan.collection.id).where('recordId', '=', id).execute();
      });
      scope.emit([{ action: 'update', collection: plan.collection, record }]);
      return (await answer(plan, [record], ctx))[0]!;
    }

    async function remove(idOrName: string, id: string, ctx: RecordContext): Promise<void> {
      const plan = mustCollection(idOrName);
      if (plan.collection.type === 'view') throw new AppError('bad_request', 'Failed to delete record.');
      const existing = await loadUnderRule(plan, id, plan.rules.deleteRule, ctx);
      const changes = await scope.transaction((trx) => cascade.deleteWithReferences(trx, plan, existing));
      scope.emit(changes);
    }

    /** Deletes every record, one by one where references or sessions need resolving, all or nothing. */
    async function truncate(collection: Collection): Promise<void> {
      const plan = planFor(collection);
      if (collection.type === 'view') throw new AppError('bad_request', 'View collections cannot be truncated.');
      const isReferenced = registry.all().some((c) => c.fields.some((f) => f.type === 'relation' && f.collectionId === collection.id));
      const changes = await scope.transaction(async (trx) => {
        if (!isReferenced && collection.type !== 'auth') {
          await trx.deleteFrom(plan.table).execute();
          return [];
        }
        const all: RecordChange[] = [];
        const gone = new Set<string>();
        for (const row of await trx.selectFrom(plan.table).selectAll(plan.table).execute()) {
          const record = readRow(plan, row, dialect);
          // A cascade from an earlier record may already have taken this one.
          if (gone.has(record.id)) continue;
          for (const change of await cascade.deleteWithReferences(trx, plan, record)) {
            all.push(change);
            if (change.action === 'delete' && change.collection.id === collection.id) gone.add(change.record.id);
          }
        }
        return all;
      });
      scope.emit(changes);
    }


    /** Records as the caller may see them, expanded as the request asks. */
    async function answer(plan: CollectionPlan, records: readonly StoredRecord[], ctx: RecordContext, given?: Viewer): Promise<RecordJson[]> {
      let viewer = given ?? viewerOf(plan.collection, ctx.auth);
      if (plan.collection.type === 'auth' && !viewer.isSuperuser) {
        viewer = { ...viewer, managedIds: await managedAmong(scope.executor, plan, records.map((r) => r.id), ctx) };
      }
      if (!ctx.expand) return records.map((stored) => serializeRecord(plan, stored, viewer));
      const items = records.map((stored) => ({ stored, json: serializeRecord(plan, stored, viewer) }));
      await expander.expand({ executor: scope.executor, auth: ctx.auth, request: ctx.request }, plan.collection, items, ctx.expand);
      return items.map((item) => item.json);
    }

    async function list(idOrName: string, params: ListParams, ctx: RecordContext): Promise<ListResult<RecordJson>> {
      const plan = mustCollection(idOrName);
      const isSuperuser = ctx.auth?.isSuperuser ?? false;
      const rule = plan.rules.listRule;
      const key = `${params.page}\u0000${params.perPage}\u0000${params.skipTotal ? 1 : 0}\u0000${params.sort}\u0000${params.filter}`;
      const compiled = listQueries.get(rule, ctx.auth, ctx.request, key, registry.version, (onVolatile) => compileList({
        executor: scope.executor,
        scope: { schema: plan.schema, dialect, request: ctx.request, isTrusted: isSuperuser, schemas, onVolatile },
        params,
        where: ruleCondition(plan, rule, ctx.request, isSuperuser, dialect, schemas, onVolatile),
        // Views have no rowid: they keep the order their query gives.
        defaultSort: plan.collection.type === 'view' ? '' : '@rowid',
      }));
      const page = await runCompiledList(compiled, params, (query) => selectRows(scope.executor, query, true), (row) => readRow(plan, row, dialect));
      const filtersByRule = plan.collection.listRule !== null && plan.collection.listRule !== '';
      if (page.items.length === 0 && !isSuperuser && filtersByRule && params.filter !== '' && ctx.client !== undefined) {
        await throttle.afterEmptySearch(ctx.client, plan.collection.id);
      }
      return { ...page, items: await answer(plan, page.items, ctx) };
    }

    async function view(idOrName: string, id: string, ctx: RecordContext): Promise<RecordJson> {
      const plan = mustCollection(idOrName);
      const record = await loadUnderRule(plan, id, plan.rules.viewRule, ctx);
      // The common case needs no second query: no expand, and no emails to reveal by manageRule.
      if (!ctx.expand && plan.collection.type !== 'auth') return serializeRecord(plan, record, viewerOf(plan.collection, ctx.auth));
      return (await answer(plan, [record], ctx))[0]!;
    }

    async function exists(idOrName: string, id: string): Promise<boolean> {
      return (await selectOne(scope.executor, mustCollection(idOrName), id, null)) !== null;
    }

    return { list, view, create, update, remove, truncate, exists, answer };
  }

  const root = operations({ executor: db, transaction: (fn) => database.transaction(fn), emit });

  async function batch<T>(fn: (ops: RecordOperations) => Promise<T>): Promise<T> {
    const pending: RecordChange[] = [];
    const result = await database.transaction((trx) =>
      fn(operations({ executor: trx, transaction: (inner) => inner(trx), emit: (changes) => pending.push(...changes) })));
    // Listeners hear of a batch's changes only once it has committed.
    emit(pending);
    return result;
  }

  return {
    ...root,
    batch,
    findStored: (collection, id) => selectOne(db, planFor(collection), id, null),
    async findByField(collection, field, value, options = {}) {
      const plan = planFor(collection);
      if (!plan.fields.has(field) || hasNul(value)) return null;
      const column = `${plan.table}.${field}`;
      let query = db.selectFrom(plan.table).selectAll(plan.table);
      query = options.ignoreCase
        ? query.where((eb) => eb(eb.fn('lower', [eb.ref(column)]), '=', value.toLowerCase()))
        : query.where(column, '=', value);
      const row = await query.limit(ONE_ROW).executeTakeFirst();
      return row ? readRow(plan, row, dialect) : null;
    },
    async replacePasswordHash(collection, recordId, previous, next) {
      const plan = planFor(collection);
      if (collection.type !== 'auth' || previous === '') return false;
      const result = await db.updateTable(plan.table).set({ password: next })
        .where('id', '=', recordId).where('password', '=', previous).executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async matchesRule(collection, ruleName, recordId, request) {
      const plan = planFor(collection);
      const rule = plan[ruleName];
      if (rule.kind === 'superusers') return false;
      if (rule.kind === 'public') return true;
      const condition = allOf([ruleCondition(plan, rule, request, false, dialect, schemas)]);
      return (await selectOne(db, plan, recordId, condition)) !== null;
    },
    serialize: (collection, record, viewer) => serializeRecord(planFor(collection), record, viewer),
    present: async (collection, record, ctx, viewer) => (await root.answer(planFor(collection), [record], ctx, viewer))[0]!,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The columns of a named index, read from the collection's PocketBase-syntax index list. */
function indexColumns(collection: Collection, indexName: string): string[] {
  for (const text of collection.indexes) {
    const m = /INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?[`"[]?(\w+)[`"\]]?\s+ON\s+[`"[]?\w+[`"\]]?\s*\(([^)]*)\)/i.exec(text);
    if (!m || m[1] !== indexName) continue;
    return m[2]!.split(',').map((part) => part.trim().split(/\s+/)[0]!.replace(/[`"[\]]/g, '')).filter((c) => collection.fields.some((f) => f.name === c));
  }
  return [];
}
