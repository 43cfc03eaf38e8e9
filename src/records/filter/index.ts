// The filter and sort languages: text in, syntax tree out. Knows nothing of collections or SQL;
// the records compiler resolves paths and builds the query.

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
