// Collection indexes: PocketBase's CREATE INDEX strings in, a closed AST, the wire form and each
// engine's DDL out (API.md §3 `indexes`).
import { fieldError, type FieldError } from '../../core/errors.js';
import type { IndexSyntaxError } from './types.js';

export type { CmpOp, ColumnRef, IndexColumn, IndexDirection, ParsedIndex, WhereExpr, WhereValue } from './types.js';
/** Thrown by parseIndex (and resolveIndexColumns) for anything outside the supported grammar. */
export { IndexSyntaxError } from './types.js';
/**
 * Parses `CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (col [COLLATE NOCASE] [ASC|DESC], …)
 * [WHERE …]` with a restricted WHERE (AND/OR/NOT, comparisons, IS [NOT] NULL); throws IndexSyntaxError.
 */
export { parseIndex, MAX_INDEX_COLUMNS, MAX_INDEX_NAME_LENGTH } from './parse.js';
/** The canonical wire form, as PocketBase's own Index.Build writes it (backtick names). */
export { formatIndex } from './format.js';
/** Key and WHERE columns of an index; binding them to a collection's real column names. */
export { referencedColumns, resolveIndexColumns } from './columns.js';
/**
 * Per-engine CREATE and DROP statements (run in order); see ddl.ts for each engine's rewrites.
 * `mysqlGeneratedColumnName` names MariaDB's stand-in column for a key column.
 */
export { indexDdl, dropIndexDdl, mysqlGeneratedColumnName, GENERATED_COLUMN_PREFIX } from './ddl.js';
export type { ColumnKinds, IndexColumnKind, IndexEngine } from './ddl.js';

/** PocketBase's code and text for a bad index; the parser's reason rides along in `params`. */
export const INVALID_INDEX_CODE = 'validation_invalid_index_expression';
export const INVALID_INDEX_MESSAGE = 'Invalid CREATE INDEX expression.';

/** The field error for `indexes.<n>` when parsing fails, as PocketBase reports it. */
export function indexFieldError(err: IndexSyntaxError): FieldError {
  return fieldError(INVALID_INDEX_CODE, INVALID_INDEX_MESSAGE, { reason: err.message });
}
