// Turns a collection change into DDL and applies it all-or-nothing: inside the transaction where the
// engine has transactional DDL, otherwise step by step with compensating statements (MariaDB).
import { sql } from 'kysely';
import type { ColumnSpec, Database, Executor } from '../db/index.js';
import { columnKind } from './fields/values.js';
import { dropIndexDdl, formatIndex, indexDdl, referencedColumns, type IndexColumnKind, type ParsedIndex } from './indexes/index.js';
import type { Collection, Field } from './model.js';

/** One reversible change: what to run, and what undoes it. */
interface Step {
  readonly forward: readonly string[];
  readonly backward: readonly string[];
}

export interface SchemaPlan {
  /** Steps that lose nothing and can be undone. */
  readonly reversible: readonly Step[];
  /** Steps run last, once everything else succeeded (dropping columns). */
  readonly destructive: readonly string[];
}

const columnOf = (f: Field): ColumnSpec => ({ name: f.name, kind: columnKind(f) });

function indexColumnKinds(fields: readonly Field[]): Record<string, IndexColumnKind> {
  const kinds: Record<string, IndexColumnKind> = {};
  for (const f of fields) {
    const kind = columnKind(f);
    kinds[f.name] = kind === 'number' ? 'number' : kind === 'bool' ? 'bool' : kind === 'json' || kind === 'jsonArray' ? 'json' : 'text';
  }
  return kinds;
}

export function planCreate(database: Database, collection: Collection, indexes: readonly ParsedIndex[]): SchemaPlan {
  const d = database.dialect;
  const kinds = indexColumnKinds(collection.fields);
  return {
    reversible: [
      { forward: d.createTable(collection.name, collection.fields.map(columnOf)), backward: d.dropTable(collection.name) },
      ...indexes.map((idx) => ({
        forward: indexDdl(idx, d.engine, collection.name, kinds),
        backward: dropIndexDdl(idx, d.engine, collection.name),
      })),
    ],
    destructive: [],
  };
}

export function planDrop(database: Database, collection: Collection): SchemaPlan {
  const d = database.dialect;
  return { reversible: [], destructive: collection.type === 'view' ? d.dropView(collection.name) : d.dropTable(collection.name) };
}

/** A view's SQL: its query, and the column list when `id` must be cast to text. */
export interface ViewSql {
  readonly query: string;
  readonly columns?: readonly string[] | undefined;
}

/** Creates a view, or replaces `previous` (its query, its name or both) with one. */
export function planView(database: Database, previous: Collection | null, name: string, view: ViewSql): SchemaPlan {
  const d = database.dialect;
  const create: Step = { forward: d.createView(name, view.query, view.columns), backward: d.dropView(name) };
  if (!previous) return { reversible: [create], destructive: [] };
  // NOTE: only MariaDB runs `backward`; the old view comes back in its id-cast form (which reads the
  // same rows), since whether its id needed the cast was settled by a probe when it was saved.
  const restore = d.createView(previous.name, previous.viewQuery, previous.fields.map((f) => f.name));
  return { reversible: [{ forward: d.dropView(previous.name), backward: restore }, create], destructive: [] };
}

export function planUpdate(
  database: Database,
  previous: Collection,
  previousIndexes: readonly ParsedIndex[],
  next: Collection,
  nextIndexes: readonly ParsedIndex[],
): SchemaPlan {
  const d = database.dialect;
  const steps: Step[] = [];
  const oldTable = previous.name;
  const table = next.name;
  const oldKinds = indexColumnKinds(previous.fields);
  const newKinds = indexColumnKinds(next.fields);

  const byId = new Map(previous.fields.map((f) => [f.id, f]));
  const kept = next.fields.filter((f) => byId.has(f.id));
  const renamed = kept.filter((f) => byId.get(f.id)!.name !== f.name);

  // NOTE: an index whose text and columns stay the same is left alone (it follows a table rename on
  // every engine): rebuilding it would lock the table, and on MariaDB leave a moment without it.
  const unchanged = unchangedIndexes(previous, previousIndexes, next, nextIndexes);
  for (const idx of previousIndexes.filter((i) => !unchanged.has(indexKey(i)))) {
    steps.push({ forward: dropIndexDdl(idx, d.engine, oldTable), backward: indexDdl(idx, d.engine, oldTable, oldKinds) });
  }
  if (oldTable !== table) steps.push({ forward: d.renameTable(oldTable, table), backward: d.renameTable(table, oldTable) });

  // Two passes through temporary names, so that swapping two names works.
  // NOTE: the names are short and positional: field ids may be 100 characters, MariaDB allows 64.
  const temporary = (n: number): string => `_ms_tmp_${n}`;
  renamed.forEach((f, n) => {
    const from = byId.get(f.id)!.name;
    steps.push({ forward: d.renameColumn(table, from, temporary(n)), backward: d.renameColumn(table, temporary(n), from) });
  });
  renamed.forEach((f, n) => {
    steps.push({ forward: d.renameColumn(table, temporary(n), f.name), backward: d.renameColumn(table, f.name, temporary(n)) });
  });
  const backups: string[] = [];
  for (const f of kept) {
    const from = columnKind(byId.get(f.id)!);
    const to = columnKind(f);
    if (from === to) continue;
    const forward = d.alterColumnKind(table, f.name, from, to);
    const backward = d.alterColumnKind(table, f.name, to, from);
    if (d.hasTransactionalDdl || from !== 'jsonArray') {
      steps.push({ forward, backward });
      continue;
    }
    // NOTE: multiple -> single keeps the last value only. Without transactional DDL (MariaDB) the
    // old values wait in a backup column until the whole change has succeeded, so that a failure
    // further on can restore them exactly.
    const backup = `_ms_bak_${backups.length}`;
    backups.push(backup);
    steps.push({ forward: d.addColumn(table, { name: backup, kind: from }), backward: d.dropColumn(table, backup) });
    steps.push({ forward: d.copyColumn(table, f.name, backup), backward: [] });
    steps.push({ forward, backward: [...backward, ...d.copyColumn(table, backup, f.name)] });
  }
  for (const f of next.fields.filter((f) => !byId.has(f.id))) {
    steps.push({ forward: d.addColumn(table, columnOf(f)), backward: d.dropColumn(table, f.name) });
  }
  for (const idx of nextIndexes.filter((i) => !unchanged.has(indexKey(i)))) {
    steps.push({ forward: indexDdl(idx, d.engine, table, newKinds), backward: dropIndexDdl(idx, d.engine, table) });
  }

  const nextIds = new Set(next.fields.map((f) => f.id));
  const destructive = [
    ...previous.fields.filter((f) => !nextIds.has(f.id)).flatMap((f) => d.dropColumn(table, f.name)),
    ...backups.flatMap((b) => d.dropColumn(table, b)),
  ];
  return { reversible: steps, destructive };
}

/** An index's definition apart from its table, which a collection rename changes. */
const indexKey = (idx: ParsedIndex): string => formatIndex({ ...idx, table: '' });

/** Keys of the indexes both versions define identically, over columns whose name and kind stay. */
function unchangedIndexes(previous: Collection, previousIndexes: readonly ParsedIndex[], next: Collection, nextIndexes: readonly ParsedIndex[]): Set<string> {
  const before = new Map(previous.fields.map((f) => [f.name.toLowerCase(), f]));
  const after = new Map(next.fields.map((f) => [f.name.toLowerCase(), f]));
  const isStable = (column: string): boolean => {
    const old = before.get(column.toLowerCase());
    const now = after.get(column.toLowerCase());
    return old !== undefined && now !== undefined && old.id === now.id && old.name === now.name && columnKind(old) === columnKind(now);
  };
  const previousKeys = new Set(previousIndexes.map(indexKey));
  return new Set(nextIndexes.filter((i) => previousKeys.has(indexKey(i)) && referencedColumns(i).every(isStable)).map(indexKey));
}

async function run(executor: Executor, statements: readonly string[]): Promise<void> {
  // NOTE: every statement here was built by the dialect adapters from validated, quoted identifiers.
  for (const statement of statements) await sql.raw(statement).execute(executor);
}

/**
 * Applies `plan` around `between` (which writes the collection row). On engines without
 * transactional DDL a failure runs the completed steps' compensations in reverse order.
 */
export async function applyPlan(database: Database, trx: Executor, plan: SchemaPlan, between: () => Promise<void>): Promise<void> {
  if (database.dialect.hasTransactionalDdl) {
    for (const step of plan.reversible) await run(trx, step.forward);
    await between();
    await run(trx, plan.destructive);
    return;
  }
  const done: Step[] = [];
  try {
    for (const step of plan.reversible) {
      await run(trx, step.forward);
      done.push(step);
    }
    await between();
  } catch (err) {
    for (const step of done.reverse()) {
      try {
        await run(trx, step.backward);
      } catch {
        // Best effort: keep undoing the rest; the original error is what the caller reports.
      }
    }
    throw err;
  }
  await run(trx, plan.destructive);
}
