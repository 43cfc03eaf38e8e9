// Prints a filter tree back to filter text that parses to the same tree: for debugging, logs
// and the parser's round-trip property test. Adds parentheses only where precedence needs them.

import type { Expr, LogicalExpr, Operand } from './ast.js';

/** Filter text for `expr` (`''` for `null`); `parseFilter(printFilter(e))` deep-equals `e`. */
export function printFilter(expr: Expr | null): string {
  return expr === null ? '' : printExpr(expr);
}

function printExpr(expr: Expr): string {
  if (expr.kind === 'compare') {
    const op = (expr.anyOf ? '?' : '') + expr.op;
    return `${printOperand(expr.left)} ${op} ${printOperand(expr.right)}`;
  }
  // Walk the left spine of a same-kind chain without recursing, so a long `a && b && ...` is cheap.
  const kind = expr.kind;
  const rights: Expr[] = [];
  let node: Expr = expr;
  while (node.kind === kind) {
    rights.push((node as LogicalExpr).right);
    node = (node as LogicalExpr).left;
  }
  const parts: string[] = [kind === 'and' && node.kind === 'or' ? `(${printExpr(node)})` : printExpr(node)];
  for (let i = rights.length - 1; i >= 0; i--) {
    const right = rights[i]!;
    // Both joins associate left, and `&&` binds tighter than `||`.
    const needsParens = right.kind === 'or' || (kind === 'and' && right.kind === 'and');
    parts.push(needsParens ? `(${printExpr(right)})` : printExpr(right));
  }
  return parts.join(kind === 'and' ? ' && ' : ' || ');
}

/** One operand as filter text. Throws for a string the grammar cannot spell (ending in `\`, or NUL). */
export function printOperand(operand: Operand): string {
  switch (operand.kind) {
    case 'string':
      return quote(operand.value);
    case 'number':
      return operand.raw;
    case 'bool':
      return operand.value ? 'true' : 'false';
    case 'null':
      return 'null';
    case 'macro':
      return operand.name;
    case 'path':
      return operand.segments.join('.') + (operand.modifier === null ? '' : `:${operand.modifier}`);
    case 'call':
      return `${operand.name}(${operand.args.map(printOperand).join(', ')})`;
  }
}

// Only the quote in use can be escaped (`\'`), and a backslash before the closing quote would
// escape it, so a value ending in `\` has no spelling at all.
function quote(value: string): string {
  if (value.endsWith('\\') || value.includes('\0')) throw new Error('String has no filter spelling.');
  const q = value.includes("'") && !value.includes('"') ? '"' : "'";
  return q + value.replaceAll(q, '\\' + q) + q;
}
