// The filter and sort languages and PocketBase's list envelope: text in, parameterised SQL out.
// Generic machinery: it meets a domain only through QuerySchema (a table and the columns it may name)
// and SchemaResolver (the other tables a filter may reach).

export type {
  CompareExpr,
  CompareOp,
  Expr,
  FunctionName,
  LogicalExpr,
  MacroName,
  Operand,
  PathModifier,
  PathOperand,
} from './ast.js';
/** PocketBase's date and integer macros (`@now`, `@todayStart`, `@weekday`, ...). */
export { MACRO_NAMES, PATH_MODIFIERS } from './ast.js';
export type { FilterLimits } from './limits.js';
/** Limits for a client `filter` parameter: 3500 bytes, 200 comparisons, depth 32, 32 path segments. */
export { DEFAULT_FILTER_LIMITS, MAX_SORT_TERMS } from './limits.js';
/** Filter text to tree; `null` when empty. Throws `AppError('bad_request')` on bad input. */
export { parseFilter } from './parser.js';
/** Tree to filter text that parses back to the same tree. */
export { printFilter, printOperand } from './print.js';
export type { SortDirection, SortTerm } from './sort.js';
/** `sort` parameter to terms; `[]` when empty. Throws `AppError('bad_request')` on bad input. */
export { parseSort } from './sort.js';
export type { FilterScope, QueryColumn, QuerySchema, ReadAccess, RequestInfo, SchemaResolver } from './scope.js';
/**
 * A parsed filter to one SQL condition with SQLite's meaning on every engine; and one `sort` path
 * (relations, JSON paths, `:lower`, `:length`) to its ORDER BY keys.
 */
export { compileExpr, compileSortKey } from './compile.js';
/** Joins one filter may make, and relation hops in one path. */
export { MAX_JOINS, MAX_RELATION_DEPTH } from './joins.js';
export type { CompiledList, ListParams, ListQuery, ListResult } from './list.js';
/** Query parameters, filter and sort compilation, and the paged query with its count. */
export { DEFAULT_PER_PAGE, MAX_PER_PAGE, compileFilterText, compileList, compileSort, parseListParams, runCompiledList, runList } from './list.js';
