// Everything the request path needs about one collection, computed once per collection version:
// the filterable columns (with relation targets and the listRule joins must meet), the per-field
// readers and the parsed rules. Keyed by the frozen Collection object, so a reload of the
// registry retires old plans by itself.
import { columnKind, fromDb, type Collection, type CollectionRegistry, type Field } from '../collections/index.js';
import type { DialectAdapter } from '../db/index.js';
import { parseFilter, type Expr, type QueryColumn, type QuerySchema, type SchemaResolver } from '../query/index.js';

export type RuleName = 'listRule' | 'viewRule' | 'createRule' | 'updateRule' | 'deleteRule';

/** A rule as the service applies it: superusers only, everyone, or a filter every caller must match. */
export type CompiledRule =
  | { readonly kind: 'superusers' }
  | { readonly kind: 'public' }
  | { readonly kind: 'filter'; readonly expr: Expr };

interface Reader {
  readonly name: string;
  readonly field: Field;
  /** Only superusers see it (the field's `hidden` flag). */
  readonly isHidden: boolean;
  /** Never leaves the server (password, tokenKey). */
  readonly isSecret: boolean;
}

export interface CollectionPlan {
  readonly collection: Collection;
  readonly table: string;
  readonly schema: QuerySchema;
  readonly fields: ReadonlyMap<string, Field>;
  readonly readers: readonly Reader[];
  readonly rules: Readonly<Record<RuleName, CompiledRule>>;
  readonly authRule: CompiledRule;
  readonly manageRule: CompiledRule;
  /** Which records MFA applies to; an empty `mfa.rule` means every record (public). */
  readonly mfaRule: CompiledRule;
}

const SECRET_FIELDS: ReadonlySet<string> = new Set(['password', 'tokenKey']);
const RULE_LIMITS = { maxLength: Number.POSITIVE_INFINITY };

function compileRule(text: string | null): CompiledRule {
  if (text === null) return { kind: 'superusers' };
  const expr = parseFilter(text, RULE_LIMITS);
  return expr === null ? { kind: 'public' } : { kind: 'filter', expr };
}

// `CREATE UNIQUE INDEX name ON table (col [COLLATE x] [ASC|DESC])`: one column, optionally partial.
const SINGLE_UNIQUE = /^\s*CREATE\s+UNIQUE\s+INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?\S+\s+ON\s+\S+\s*\(\s*[`"[]?(\w+)[`"\]]?(?:\s+COLLATE\s+\w+)?(?:\s+(?:ASC|DESC))?\s*\)/i;

/** Fields with a single-column unique index: a back-relation over one of them is single-valued. */
function uniqueColumns(collection: Collection): ReadonlySet<string> {
  const out = new Set<string>();
  for (const text of collection.indexes) {
    const m = SINGLE_UNIQUE.exec(text);
    if (m) out.add(m[1]!);
  }
  return out;
}

function queryColumn(field: Field): QueryColumn {
  const isList = field.type === 'select' || field.type === 'relation' || field.type === 'file';
  return {
    kind: columnKind(field),
    hidden: field.hidden,
    ...(isList ? { isList } : {}),
    ...(field.type === 'relation' ? { relationTo: field.collectionId } : {}),
  };
}

function buildPlan(collection: Collection): CollectionPlan {
  const isAuth = collection.type === 'auth';
  const columns = new Map<string, QueryColumn>();
  const readers: Reader[] = [];
  for (const field of collection.fields) {
    const isSecret = field.type === 'password' || (isAuth && SECRET_FIELDS.has(field.name));
    // NOTE: password hashes are never filterable, not even by superusers.
    if (field.type !== 'password') columns.set(field.name, queryColumn(field));
    readers.push({ name: field.name, field, isHidden: field.hidden, isSecret });
  }
  const listRule = compileRule(collection.listRule);
  return {
    collection,
    table: collection.name,
    schema: {
      table: collection.name,
      hasRowid: collection.type !== 'view',
      id: collection.id,
      columns,
      // A client filter joining this collection sees only the rows its listRule lets it list.
      readAccess: listRule,
      uniqueColumns: uniqueColumns(collection),
      hasEmailVisibility: isAuth,
    },
    fields: new Map(collection.fields.map((f) => [f.name, f])),
    readers,
    rules: {
      listRule,
      viewRule: compileRule(collection.viewRule),
      createRule: compileRule(collection.createRule),
      updateRule: compileRule(collection.updateRule),
      deleteRule: compileRule(collection.deleteRule),
    },
    authRule: compileRule(collection.auth?.authRule ?? null),
    manageRule: compileRule(collection.auth?.manageRule ?? null),
    mfaRule: compileRule(collection.auth ? collection.auth.mfa.rule : null),
  };
}

const plans = new WeakMap<Collection, CollectionPlan>();

/** The plan of this collection version, built on first use. */
export function planFor(collection: Collection): CollectionPlan {
  let plan = plans.get(collection);
  if (!plan) {
    plan = buildPlan(collection);
    plans.set(collection, plan);
  }
  return plan;
}

/**
 * Other collections as the filter compiler sees them (relation targets, `x_via_y`, `@collection.x`),
 * read from the registry at compile time so a reload is seen at once.
 */
export function schemaResolver(registry: Pick<CollectionRegistry, 'get'>): SchemaResolver {
  return {
    schema(idOrName) {
      const collection = registry.get(idOrName);
      return collection ? planFor(collection).schema : undefined;
    },
  };
}

/** A stored row as API values, every field included (secrets too): the service's working form. */
export type StoredRecord = Readonly<Record<string, unknown>> & { readonly id: string };

export function readRow(plan: CollectionPlan, row: Readonly<Record<string, unknown>>, dialect: DialectAdapter): StoredRecord {
  const out: Record<string, unknown> = {};
  for (const r of plan.readers) out[r.name] = fromDb(r.field, row[r.name], dialect);
  return out as StoredRecord;
}

/** Who is looking at a record, for field visibility. */
export interface Viewer {
  readonly isSuperuser: boolean;
  /** The caller's own record in this collection: they see their email. */
  readonly ownRecordId: string | null;
  /** Auth replies always include the email. */
  readonly alwaysShowEmail?: boolean;
  /** Records the caller manages through the collection's manageRule: they see those emails. */
  readonly managedIds?: ReadonlySet<string>;
}

/** The record as a client may see it, in PocketBase's shape. */
export function serializeRecord(plan: CollectionPlan, record: StoredRecord, viewer: Viewer): Record<string, unknown> {
  const out: Record<string, unknown> = { collectionId: plan.collection.id, collectionName: plan.collection.name };
  const isAuth = plan.collection.type === 'auth';
  for (const r of plan.readers) {
    if (r.isSecret) continue;
    if (r.isHidden && !viewer.isSuperuser) continue;
    if (isAuth && r.name === 'email' && !canSeeEmail(record, viewer)) continue;
    out[r.name] = record[r.name];
  }
  return out;
}

function canSeeEmail(record: StoredRecord, viewer: Viewer): boolean {
  return viewer.isSuperuser || viewer.alwaysShowEmail === true || record.emailVisibility === true ||
    viewer.ownRecordId === record.id || viewer.managedIds?.has(record.id) === true;
}
