// Asks the database what a view query returns: a sample of rows (which also proves the text is one
// query), and the result columns of a throw-away view, from which the fields are derived.
import { sql } from 'kysely';
import { randomString } from '../../core/ids.js';
import type { Database, Executor, ViewColumn } from '../../db/index.js';
import type { Field } from '../model.js';
import { deriveViewFields, type FindByName } from './fields.js';
import { ViewQueryError, type ParsedViewQuery } from './query.js';

/** How many rows PocketBase's dry run reads to catch empty or repeated ids early. */
const SAMPLE_SIZE = 10;
const MAX_REASON_LENGTH = 500;

export interface ViewShape {
  readonly fields: readonly Field[];
  /** The column list for the view DDL when `id` must be cast to text; undefined when it is text already. */
  readonly columns?: readonly string[];
}

/** The engine's complaint, shortened as PocketBase shortens it. */
function reasonOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s+/g, ' ').trim().slice(0, MAX_REASON_LENGTH);
}

async function run(executor: Executor, statements: readonly string[]): Promise<void> {
  // NOTE: the statements come from the dialect adapter; the query in them passed sampleQuery first.
  for (const statement of statements) await sql.raw(statement).execute(executor);
}

async function resultColumns(database: Database, query: string): Promise<ViewColumn[]> {
  const d = database.dialect;
  const probe = `_ms_probe_${randomString(8)}`;
  // NOTE: on SQLite and PostgreSQL the throw-away view never outlives the transaction; MariaDB
  // commits DDL at once, hence the explicit drop.
  return database.transaction(async (trx) => {
    try {
      await run(trx, d.createView(probe, query));
      return await d.viewColumns(trx, probe);
    } finally {
      await run(trx, d.dropView(probe)).catch(() => undefined);
    }
  });
}

function checkSampleIds(rows: readonly Record<string, unknown>[]): void {
  const seen = new Set<string>();
  for (const row of rows) {
    const id = row.id === null || row.id === undefined ? '' : String(row.id);
    if (id === '') throw new ViewQueryError('the query could return records with empty or invalid ids');
    if (seen.has(id)) throw new ViewQueryError('the query could return records with non-unique ids');
    seen.add(id);
  }
}

/** Runs the checks that need the database; throws ViewQueryError with the reason when the query is unusable. */
export async function probeViewQuery(database: Database, parsed: ParsedViewQuery, find: FindByName): Promise<ViewShape> {
  let rows: Record<string, unknown>[];
  let columns: ViewColumn[];
  try {
    rows = await database.dialect.sampleQuery(database.db, parsed.query, SAMPLE_SIZE);
    columns = await resultColumns(database, parsed.query);
  } catch (err) {
    throw new ViewQueryError(reasonOf(err));
  }
  const fields = deriveViewFields(columns, parsed, find);
  checkSampleIds(rows);
  const id = columns.find((c) => c.name === 'id');
  return id?.kind === 'text' ? { fields } : { fields, columns: columns.map((c) => c.name) };
}
