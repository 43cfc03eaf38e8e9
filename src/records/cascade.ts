// What deleting a record does to the records that point at it: cascade deletes, cleared references,
// or a refusal when a required reference would be left empty (PocketBase's rules).
import { isMultiple, toDb, type CollectionRegistry, type FieldOf } from '../collections/index.js';
import { AppError } from '../core/errors.js';
import type { DialectAdapter, Executor } from '../db/index.js';
import { planFor, readRow, type CollectionPlan, type StoredRecord } from './plan.js';
import type { RecordChange } from './service.js';

// The system collection of OAuth2 links (auth/oauth2/external-auths.ts).
const EXTERNAL_AUTHS = '_externalAuths';
const REQUIRED_REFERENCE = 'The record cannot be deleted because it is part of a required reference in another record.';
// A bound on cascade recursion (each level is a deleted record, so cycles end well before it).
const MAX_CASCADE_DEPTH = 1000;

export interface Cascade {
  /** Deletes one record inside `trx` and resolves every reference to it; returns every change made. */
  deleteWithReferences(trx: Executor, plan: CollectionPlan, record: StoredRecord): Promise<RecordChange[]>;
}

export function createCascade({ registry, dialect }: { registry: CollectionRegistry; dialect: DialectAdapter }): Cascade {
  /** Deletes one record and resolves every reference to it; returns all records deleted. */
  async function deleteWithReferences(trx: Executor, plan: CollectionPlan, record: StoredRecord, depth = 0): Promise<RecordChange[]> {
    if (depth > MAX_CASCADE_DEPTH) throw new AppError('bad_request', 'The delete cascades too deep.');
    // As PocketBase does, the row goes before its references are resolved: a reference cycle
    // (A <-> B, or a long self-referencing chain) then ends instead of coming back to this record.
    await trx.deleteFrom(plan.table).where('id', '=', record.id).execute();
    if (plan.collection.type === 'auth') {
      await trx.deleteFrom('_sessions').where('collectionId', '=', plan.collection.id).where('recordId', '=', record.id).execute();
      // Its OAuth2 links go with it, as in PocketBase.
      if (registry.get(EXTERNAL_AUTHS)) {
        await trx.deleteFrom(EXTERNAL_AUTHS).where('collectionRef', '=', plan.collection.id).where('recordRef', '=', record.id).execute();
      }
    }
    const changes: RecordChange[] = [];
    for (const other of registry.all()) {
      if (other.type === 'view') continue; // views have no rows of their own to change
      const otherPlan = planFor(other);
      for (const field of other.fields) {
        if (field.type !== 'relation' || field.collectionId !== plan.collection.id) continue;
        changes.push(...(await resolveReferences(trx, otherPlan, field, record.id, depth)));
      }
    }
    changes.push({ action: 'delete', collection: plan.collection, record });
    return changes;
  }

  async function resolveReferences(trx: Executor, plan: CollectionPlan, field: FieldOf<'relation'>, id: string, depth: number): Promise<RecordChange[]> {
    const multiple = isMultiple(field);
    // NOTE: ids are [a-z0-9], so the quoted id can be searched for in the JSON array text on every engine.
    const rows = await trx.selectFrom(plan.table).selectAll(plan.table)
      .where(field.name, multiple ? 'like' : '=', multiple ? `%"${id}"%` : id).execute();
    const changes: RecordChange[] = [];
    for (const row of rows) {
      const referencing = readRow(plan, row, dialect);
      const remaining = multiple ? (referencing[field.name] as string[]).filter((x) => x !== id) : [];
      if (field.cascadeDelete && remaining.length === 0) {
        if (referencing.id === id && plan.collection.id === field.collectionId) continue; // self-reference
        changes.push(...(await deleteWithReferences(trx, plan, referencing, depth + 1)));
        continue;
      }
      if (field.required && remaining.length === 0) throw new AppError('bad_request', REQUIRED_REFERENCE);
      const value = multiple ? remaining : '';
      await trx.updateTable(plan.table).set({ [field.name]: toDb(field, value, dialect) }).where('id', '=', referencing.id).execute();
      changes.push({ action: 'update', collection: plan.collection, record: { ...referencing, [field.name]: value } });
    }
    return changes;
  }

  return { deleteWithReferences: (trx, plan, record) => deleteWithReferences(trx, plan, record) };
}
