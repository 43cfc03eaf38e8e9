// Writes a ParsedIndex back as PocketBase writes indexes (dbutils.Index.Build), and renders WHERE
// clauses for any engine through a small quoting interface.
import type { ParsedIndex, WhereExpr, WhereValue } from './types.js';

/** How one engine spells names and values; `literal` learns the column it is compared with. */
export interface SqlSpelling {
  ident(name: string): string;
  literal(value: Exclude<WhereValue, { column: string }>, column: string): string;
}

const backtick = (name: string): string => `\`${name.replace(/`/g, '``')}\``;

/** PocketBase's wire spelling: backtick names, SQLite literals. */
export const POCKETBASE_SPELLING: SqlSpelling = { ident: backtick, literal: sqliteLiteral };

/** SQLite literal; strings double their quotes, numbers must be finite. */
export function sqliteLiteral(value: Exclude<WhereValue, { column: string }>): string {
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') return numberLiteral(value);
  return `'${value.replace(/'/g, "''")}'`;
}

/** A finite number in a form every engine reads back exactly (large integers as exponents). */
export function numberLiteral(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError('index literal is not a finite number');
  return Number.isInteger(value) && !Number.isSafeInteger(value) ? value.toExponential() : String(value);
}

/**
 * The canonical wire form. As PocketBase's Build: one column stays inline, several go one per line
 * indented by two spaces; IF NOT EXISTS is kept when given.
 */
export function formatIndex(idx: ParsedIndex): string {
  const head = `CREATE ${idx.unique ? 'UNIQUE ' : ''}INDEX ${idx.ifNotExists ? 'IF NOT EXISTS ' : ''}`;
  const columns = idx.columns.map(
    (c) => `${backtick(c.name)}${c.nocase ? ' COLLATE NOCASE' : ''}${c.direction ? ` ${c.direction}` : ''}`,
  );
  const list = columns.length > 1 ? `\n  ${columns.join(',\n  ')}\n` : columns.join('');
  const where = idx.where ? ` WHERE ${renderWhere(idx.where, POCKETBASE_SPELLING)}` : '';
  return `${head}${backtick(idx.name)} ON ${backtick(idx.table)} (${list})${where}`;
}

const PRECEDENCE: Readonly<Record<WhereExpr['kind'], number>> = { or: 1, and: 2, not: 3, cmp: 4, isNull: 4 };

/**
 * Renders a WHERE AST with as few parentheses as keep its exact shape, so that parsing the output
 * yields the same tree (a right-nested AND/OR keeps its parentheses).
 */
export function renderWhere(expr: WhereExpr, spelling: SqlSpelling): string {
  switch (expr.kind) {
    case 'and':
    case 'or': {
      const op = expr.kind.toUpperCase();
      const left = wrap(expr.left, PRECEDENCE[expr.left.kind] < PRECEDENCE[expr.kind], spelling);
      const right = wrap(expr.right, PRECEDENCE[expr.right.kind] <= PRECEDENCE[expr.kind], spelling);
      return `${left} ${op} ${right}`;
    }
    case 'not':
      return `NOT ${wrap(expr.expr, PRECEDENCE[expr.expr.kind] < PRECEDENCE.not, spelling)}`;
    case 'isNull':
      return `${spelling.ident(expr.column)} IS ${expr.negated ? 'NOT ' : ''}NULL`;
    case 'cmp': {
      const value = expr.value;
      const right = value !== null && typeof value === 'object' ? spelling.ident(value.column) : spelling.literal(value, expr.column);
      return `${spelling.ident(expr.column)} ${expr.op} ${right}`;
    }
  }
}

function wrap(expr: WhereExpr, needsParens: boolean, spelling: SqlSpelling): string {
  const text = renderWhere(expr, spelling);
  return needsParens ? `(${text})` : text;
}
