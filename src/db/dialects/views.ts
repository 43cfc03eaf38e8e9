// View DDL shared by the dialects: a view is its query run as a sub-select, so the text can only be
// a query expression, never a second statement (PocketBase wraps view queries the same way).
import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../ports.js';

const VIEW_ALIAS = '_ms_view';

/**
 * `CREATE VIEW` over `query`; with `columns`, each is listed and `id` goes through `castIdText`.
 * NOTE: the query sits on lines of its own so that a trailing `--` comment ends before the `)`.
 */
export function createViewDdl(q: (name: string) => string, castIdText: (ref: string) => string, view: string, query: string, columns?: readonly string[]): string[] {
  const list = columns?.length ? columns.map((c) => (c === 'id' ? `${castIdText(q(c))} AS ${q(c)}` : q(c))).join(', ') : '*';
  return [`CREATE VIEW ${q(view)} AS SELECT ${list} FROM (\n${query}\n) AS ${q(VIEW_ALIAS)}`];
}

/** The first rows of `query`, wrapped exactly as createViewDdl wraps it; `limit` is bound or a literal. */
export async function sampleRows(db: Executor, q: (name: string) => string, query: string, limit: RawBuilder<unknown>): Promise<Record<string, unknown>[]> {
  const { rows } = await sql<Record<string, unknown>>`SELECT * FROM (\n${sql.raw(query)}\n) AS ${sql.raw(q(VIEW_ALIAS))} LIMIT ${limit}`.execute(db);
  return rows;
}
