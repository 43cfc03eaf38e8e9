// PocketBase's `expand` parameter: related records (relation fields and `<collection>_via_<field>`
// back-relations), nested up to 6 levels, each level read in one query per relation and filtered
// by the related collection's view rule with context `expand`.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Collection, CollectionRegistry, FieldOf } from '../collections/index.js';
import { isMultiple } from '../collections/index.js';
import type { AuthState } from '../core/auth-state.js';
import type { DialectAdapter, Executor } from '../db/index.js';
import type { RequestInfo } from '../query/index.js';
import { planFor, readRow, schemaResolver, serializeRecord, type CollectionPlan, type StoredRecord } from './plan.js';
import { ruleCondition } from './rules.js';

/** One record being answered: what was stored, and the JSON the client gets (expand goes in it). */
export interface ExpandItem {
  readonly stored: StoredRecord;
  readonly json: Record<string, unknown>;
}

export interface ExpandContext {
  readonly executor: Executor;
  readonly auth: AuthState | null;
  readonly request: RequestInfo;
}

interface ExpandNode {
  readonly children: Map<string, ExpandNode>;
}

export const MAX_EXPAND_DEPTH = 6;
const MAX_EXPAND_PATHS = 50;
/** Back-relations give at most this many records per parent, as PocketBase does. */
const MAX_BACK_RELATIONS = 1000;
const BACK_RELATION = /^(\w+)_via_(\w+)$/;

/** Parses `author,tags.owner,comments_via_post`; deeper paths than 6 levels are cut there. */
export function parseExpand(text: string): ExpandNode | null {
  const root: ExpandNode = { children: new Map() };
  let paths = 0;
  for (const raw of text.split(',')) {
    const path = raw.trim();
    if (path === '' || ++paths > MAX_EXPAND_PATHS) continue;
    let node = root;
    for (const key of path.split('.').slice(0, MAX_EXPAND_DEPTH)) {
      if (!/^\w+$/.test(key)) break;
      let child = node.children.get(key);
      if (!child) {
        child = { children: new Map() };
        node.children.set(key, child);
      }
      node = child;
    }
  }
  return root.children.size > 0 ? root : null;
}

function hasUniqueIndexOn(collection: Collection, field: string): boolean {
  const single = new RegExp(`^\\s*CREATE\\s+UNIQUE\\s+INDEX\\s+.+?\\s+ON\\s+\\S+\\s*\\(\\s*[\`"\\[]?${field}[\`"\\]]?\\s*\\)`, 'i');
  return collection.indexes.some((text) => single.test(text));
}

export function createExpander({ registry, dialect }: { registry: CollectionRegistry; dialect: DialectAdapter }) {
  const schemas = schemaResolver(registry);
  /** Reads records of `plan` matching `where` that the caller may view (context `expand`). */
  async function fetchVisible(ctx: ExpandContext, plan: CollectionPlan, where: RawBuilder<SqlBool>): Promise<StoredRecord[]> {
    const isSuperuser = ctx.auth?.isSuperuser ?? false;
    let rule;
    try {
      rule = ruleCondition(plan, plan.rules.viewRule, { ...ctx.request, context: 'expand' }, isSuperuser, dialect, schemas);
    } catch {
      return []; // a superusers-only view rule: the caller sees none of them
    }
    let query = ctx.executor.selectFrom(plan.table).selectAll(plan.table).where(where);
    if (rule) query = query.where(rule);
    const rows = await query.execute();
    return rows.map((row) => readRow(plan, row, dialect));
  }

  function toItems(ctx: ExpandContext, plan: CollectionPlan, records: readonly StoredRecord[]): ExpandItem[] {
    const viewer = { isSuperuser: ctx.auth?.isSuperuser ?? false, ownRecordId: ctx.auth && ctx.auth.collectionId === plan.collection.id ? ctx.auth.record.id : null };
    return records.map((stored) => ({ stored, json: serializeRecord(plan, stored, viewer) }));
  }

  function attach(item: ExpandItem, key: string, value: unknown): void {
    const expand = (item.json.expand ??= {}) as Record<string, unknown>;
    expand[key] = value;
  }

  async function expandRelation(ctx: ExpandContext, items: readonly ExpandItem[], field: FieldOf<'relation'>, node: ExpandNode): Promise<void> {
    const target = registry.get(field.collectionId);
    if (!target) return;
    const plan = planFor(target);
    const ids = new Set<string>();
    for (const item of items) {
      const value = item.stored[field.name];
      for (const id of Array.isArray(value) ? value : [value]) if (typeof id === 'string' && id !== '') ids.add(id);
    }
    if (ids.size === 0) return;
    const related = toItems(ctx, plan, await fetchVisible(ctx, plan, sql<SqlBool>`${sql.ref(`${plan.table}.id`)} IN (${sql.join([...ids])})`));
    await expandLevel(ctx, plan, related, node);
    const byId = new Map(related.map((r) => [r.stored.id, r]));
    for (const item of items) {
      const value = item.stored[field.name];
      if (isMultiple(field)) {
        const list = (Array.isArray(value) ? value : []).map((id) => byId.get(String(id))?.json).filter((r) => r !== undefined);
        if (list.length > 0) attach(item, field.name, list);
      } else {
        const found = typeof value === 'string' ? byId.get(value) : undefined;
        if (found) attach(item, field.name, found.json);
      }
    }
  }

  async function expandBackRelation(ctx: ExpandContext, parent: CollectionPlan, items: readonly ExpandItem[], key: string, node: ExpandNode): Promise<void> {
    const m = BACK_RELATION.exec(key);
    const source = m ? registry.get(m[1]!) : undefined;
    const field = source?.fields.find((f): f is FieldOf<'relation'> => f.name === m![2] && f.type === 'relation' && f.collectionId === parent.collection.id);
    if (!source || !field || source.type === 'view') return;
    const plan = planFor(source);
    const parentIds = items.map((i) => i.stored.id);
    const multiple = isMultiple(field);
    const column = sql.ref(`${plan.table}.${field.name}`);
    const found = await fetchVisible(ctx, plan, multiple
      // NOTE: ids are [a-z0-9], so a quoted id can be looked for in the JSON array text on every engine.
      ? sql<SqlBool>`(${sql.join(parentIds.map((id) => sql`${column} LIKE ${`%"${id}"%`}`), sql` OR `)})`
      : sql<SqlBool>`${column} IN (${sql.join(parentIds)})`);
    const related = toItems(ctx, plan, found);
    await expandLevel(ctx, plan, related, node);
    const asObject = !multiple && hasUniqueIndexOn(source, field.name);
    for (const item of items) {
      const mine = related.filter((r) => {
        const value = r.stored[field.name];
        return Array.isArray(value) ? value.includes(item.stored.id) : value === item.stored.id;
      }).slice(0, MAX_BACK_RELATIONS);
      if (mine.length === 0) continue;
      attach(item, key, asObject ? mine[0]!.json : mine.map((r) => r.json));
    }
  }

  async function expandLevel(ctx: ExpandContext, plan: CollectionPlan, items: readonly ExpandItem[], tree: ExpandNode): Promise<void> {
    if (items.length === 0) return;
    for (const [key, node] of tree.children) {
      const field = plan.fields.get(key);
      if (field?.type === 'relation') await expandRelation(ctx, items, field, node);
      else if (key.includes('_via_')) await expandBackRelation(ctx, plan, items, key, node);
      // Anything else is not expandable and is skipped, as PocketBase skips it.
    }
  }

  return {
    /** Adds `expand` to each item's JSON as the `expand` parameter asks. */
    async expand(ctx: ExpandContext, collection: Collection, items: readonly ExpandItem[], expandParam: string | undefined): Promise<void> {
      if (!expandParam) return;
      const tree = parseExpand(expandParam);
      if (tree) await expandLevel(ctx, planFor(collection), items, tree);
    },
  };
}

export type Expander = ReturnType<typeof createExpander>;
