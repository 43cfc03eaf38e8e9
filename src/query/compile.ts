// Compiles a parsed filter into one parameterised SQL condition with SQLite's meaning on every
// engine (API.md §5). Paths through relations share one set of LEFT JOINs, evaluated in one
// EXISTS over the row, as PocketBase's joins are; a plain operator on a many-valued side must hold
// for every value (a NOT EXISTS over all of them), the `?` form for at least one.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { CompareExpr, Expr, Operand } from './ast.js';
import { geoDistance, strftime } from './functions.js';
import { createContext, invalid, JoinSpace, type CompileContext } from './joins.js';
import { macroValue } from './macros.js';
import { resolvePath, type MultiSource, type Resolved, type RuleCompiler } from './resolve.js';
import type { FilterScope } from './scope.js';
import { compareScalars, literal, type Scalar } from './values.js';

export type { FilterScope, QueryColumn, QuerySchema, ReadAccess, RequestInfo, SchemaResolver } from './scope.js';

interface Run {
  readonly scope: FilterScope;
  readonly ctx: CompileContext;
  readonly space: JoinSpace;
  readonly compileRule: RuleCompiler;
}

function resolve(operand: Operand, run: Run, asText: boolean, isSortKey = false): Resolved {
  switch (operand.kind) {
    case 'string':
    case 'number':
    case 'bool':
      return { kind: 'one', value: literal(operand.value) };
    case 'null':
      return { kind: 'one', value: literal(null) };
    case 'macro':
      return { kind: 'one', value: literal(macroValue(operand.name, run.ctx.now)) };
    case 'path':
      return resolvePath(operand, { ...run, options: { asText, isSortKey } });
    case 'call': {
      const args = (a: Operand): Resolved => resolve(a, run, false);
      const value = operand.name === 'geoDistance' ? geoDistance(operand.args, args, run.ctx) : strftime(operand.args, args, run.ctx);
      return { kind: 'one', value };
    }
  }
}

/** The values a side stands for in the shared joins: one, or each value known now. */
function mainValues(r: Resolved): Scalar[] {
  if (r.kind !== 'list') return [r.value];
  return r.values.length === 0 ? [literal(null)] : r.values.map(literal);
}

const isMany = (r: Resolved): boolean => r.kind === 'many' || (r.kind === 'list' && r.multi);

function anyOf(conditions: readonly RawBuilder<SqlBool>[]): RawBuilder<SqlBool> {
  return conditions.length === 1 ? conditions[0]! : sql<SqlBool>`(${sql.join(conditions, sql` OR `)})`;
}

function pairs(left: readonly Scalar[], right: readonly Scalar[], f: (l: Scalar, r: Scalar) => RawBuilder<SqlBool>): RawBuilder<SqlBool>[] {
  return left.flatMap((l) => right.map((r) => f(l, r)));
}

function compileCompare(expr: CompareExpr, run: Run): RawBuilder<SqlBool> {
  const d = run.ctx.dialect;
  const asText = expr.op === '~' || expr.op === '!~';
  const l = resolve(expr.left, run, asText);
  const r = resolve(expr.right, run, asText);
  const cmp = (a: Scalar, b: Scalar): RawBuilder<SqlBool> => compareScalars(a, expr.op, b, d);
  const some = anyOf(pairs(mainValues(l), mainValues(r), cmp));
  if (expr.anyOf || (!isMany(l) && !isMany(r))) return some;

  // Every value must match: at least one pair does, and no pair is known to fail.
  const sources: MultiSource[] = [];
  const valuesOf = (side: Resolved): Scalar[] => {
    if (side.kind !== 'many') return mainValues(side);
    const source = side.every();
    sources.push(source);
    return [source.value];
  };
  const lv = valuesOf(l);
  const rv = valuesOf(r);
  if (sources.length === 0) {
    // Only values known now: a pair fails when its comparison is false (not when it is NULL).
    const fails = pairs(lv, rv, (a, b) => sql<SqlBool>`(CASE WHEN NOT (${cmp(a, b)}) THEN 1 ELSE 0 END) = 1`);
    return sql<SqlBool>`(${some} AND NOT ${anyOf(fails)})`;
  }
  const fails = anyOf(pairs(lv, rv, (a, b) => sql<SqlBool>`NOT (${cmp(a, b)})`));
  const from = sql.join(sources.map((s) => s.from), sql` CROSS JOIN `);
  const where = sql.join(sources.map((s) => s.where), sql` AND `);
  return sql<SqlBool>`(${some} AND NOT EXISTS (SELECT 1 FROM ${from} WHERE ${where} AND (${fails})))`;
}

function compileNode(expr: Expr, run: Run): RawBuilder<SqlBool> {
  if (expr.kind === 'compare') return compileCompare(expr, run);
  const left = compileNode(expr.left, run);
  const right = compileNode(expr.right, run);
  return expr.kind === 'and' ? sql<SqlBool>`(${left} AND ${right})` : sql<SqlBool>`(${left} OR ${right})`;
}

/**
 * Compiles `expr` for the row `scope.tableRef` (default: the table itself). Throws a 400
 * `AppError('bad_request')` for anything unusable and a 403 for `@request`/`@collection` in an
 * untrusted filter.
 */
export function compileExpr(expr: Expr, scope: FilterScope): RawBuilder<SqlBool> {
  return compileWith(expr, scope, createContext(scope));
}

function compileWith(expr: Expr, scope: FilterScope, ctx: CompileContext): RawBuilder<SqlBool> {
  const outer = scope.tableRef ?? scope.schema.table;
  const compileRule: RuleCompiler = (ruleScope) => {
    const rule = ruleScope.schema.readAccess;
    return rule?.kind === 'filter' ? compileWith(rule.expr, ruleScope, ctx) : sql<SqlBool>`1 = 1`;
  };
  // First pass against the row itself: most filters need no join and stay a plain condition.
  const direct = new JoinSpace(ctx, outer);
  const condition = compileNode(expr, { scope, ctx, space: direct, compileRule });
  if (direct.clauses.length === 0) return condition;
  // Joins: the whole expression runs in one EXISTS over the row and its joined rows.
  const space = new JoinSpace(ctx, ctx.nextAlias());
  const joined = compileNode(expr, { scope, ctx, space, compileRule });
  return sql<SqlBool>`EXISTS (SELECT 1 FROM ${space.fromClause(scope.schema.table)} WHERE ${sql.ref(`${space.base}.id`)} = ${sql.ref(`${outer}.id`)} AND (${joined}))`;
}

/**
 * One value per row for `sort`: a column, a relation path through single relations, a JSON path,
 * `:lower` or `:length`. Many-valued paths are a 400.
 */
export function compileSortKey(operand: Operand, scope: FilterScope): RawBuilder<unknown>[] {
  const ctx = createContext(scope);
  const outer = scope.tableRef ?? scope.schema.table;
  const compileRule: RuleCompiler = (ruleScope) => {
    const rule = ruleScope.schema.readAccess;
    return rule?.kind === 'filter' ? compileWith(rule.expr, ruleScope, ctx) : sql<SqlBool>`1 = 1`;
  };
  const keysOf = (space: JoinSpace): RawBuilder<unknown>[] => {
    const r = resolve(operand, { scope, ctx, space, compileRule }, false, true);
    if (r.kind !== 'one') throw invalidSort();
    return sortValues(r.value, ctx);
  };
  const direct = new JoinSpace(ctx, outer);
  const keys = keysOf(direct);
  if (direct.clauses.length === 0) return keys;
  const space = new JoinSpace(ctx, ctx.nextAlias());
  return keysOf(space).map((key) =>
    sql`(SELECT ${key} FROM ${space.fromClause(scope.schema.table)} WHERE ${sql.ref(`${space.base}.id`)} = ${sql.ref(`${outer}.id`)})`);
}

const invalidSort = () => invalid('many-valued sort key');

// NOTE: SQLite orders a JSON value's NULLs, then numbers, then text; the three keys say the same anywhere.
function sortValues(value: Scalar, ctx: CompileContext): RawBuilder<unknown>[] {
  if (value.type === 'literal') return [ctx.dialect.param(value.value === null ? '' : String(value.value), 'text')];
  // NOTE: PostgreSQL puts NULLs last in ascending order; a NULL rank first orders them as SQLite does.
  if (value.type === 'column') return value.nullable ? [sql`(CASE WHEN ${value.sql} IS NULL THEN 0 ELSE 1 END)`, value.sql] : [value.sql];
  return [sql`(CASE WHEN ${value.number} IS NOT NULL THEN 1 WHEN ${value.text} IS NOT NULL THEN 2 ELSE 0 END)`, value.number, value.text];
}
