// The columns an index touches, and binding them to a collection's real column names.
import { IndexSyntaxError, type ParsedIndex, type WhereExpr } from './types.js';

/** Every column the index names, key columns first, each once (case-insensitively, as SQLite). */
export function referencedColumns(idx: ParsedIndex): string[] {
  const seen = new Map<string, string>();
  const add = (name: string): void => {
    if (!seen.has(name.toLowerCase())) seen.set(name.toLowerCase(), name);
  };
  idx.columns.forEach((c) => add(c.name));
  if (idx.where) visitColumns(idx.where, add);
  return [...seen.values()];
}

/**
 * Checks every referenced column against `known` and rewrites names to their stored spelling.
 * NOTE: SQLite matches column names case-insensitively but PostgreSQL's quoted names do not, so the
 * DDL must use the field's own spelling. Throws IndexSyntaxError naming the first unknown column.
 */
export function resolveIndexColumns(idx: ParsedIndex, known: Iterable<string>): ParsedIndex {
  const byLower = new Map<string, string>();
  for (const name of known) byLower.set(name.toLowerCase(), name);
  const resolve = (name: string): string => {
    const real = byLower.get(name.toLowerCase());
    if (real === undefined) throw new IndexSyntaxError(`Unknown column ${name}.`);
    return real;
  };
  return {
    ...idx,
    columns: idx.columns.map((c) => ({ ...c, name: resolve(c.name) })),
    where: idx.where ? mapColumns(idx.where, resolve) : null,
  };
}

function visitColumns(expr: WhereExpr, visit: (name: string) => void): void {
  mapColumns(expr, (name) => {
    visit(name);
    return name;
  });
}

function mapColumns(expr: WhereExpr, map: (name: string) => string): WhereExpr {
  switch (expr.kind) {
    case 'and':
    case 'or':
      return { kind: expr.kind, left: mapColumns(expr.left, map), right: mapColumns(expr.right, map) };
    case 'not':
      return { kind: 'not', expr: mapColumns(expr.expr, map) };
    case 'isNull':
      return { ...expr, column: map(expr.column) };
    case 'cmp': {
      const column = map(expr.column);
      const value = expr.value !== null && typeof expr.value === 'object' ? { column: map(expr.value.column) } : expr.value;
      return { ...expr, column, value };
    }
  }
}
