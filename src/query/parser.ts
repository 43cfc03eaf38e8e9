// Recursive-descent parser from filter text to the Expr tree, with PocketBase's (fexpr's) syntax.
// It recurses only into `( )` groups and function calls, and checks the depth before each step.

import { MACRO_NAMES } from './ast.js';
import type { CompareExpr, Expr, FunctionName, MacroName, Operand } from './ast.js';
import { Lexer } from './lexer.js';
import type { Token } from './lexer.js';
import { DEFAULT_FILTER_LIMITS, HARD_MAX_DEPTH, exceedsByteLength, syntaxError } from './limits.js';
import type { FilterLimits } from './limits.js';
import { parsePath } from './path.js';
import type { PathOptions } from './path.js';

const MACROS: ReadonlySet<string> = new Set(MACRO_NAMES);
const MAX_CALL_ARGS = 10; // strftime's limit; geoDistance takes exactly 4

/**
 * Parses a filter or rule into its syntax tree; `null` when there is nothing to apply (an empty,
 * whitespace-only or comment-only input, or only empty `()` groups). Throws a 400 `AppError` on
 * anything malformed or over `limits`.
 */
export function parseFilter(input: string, limits?: Partial<FilterLimits>): Expr | null {
  const resolved: FilterLimits = limits === undefined ? DEFAULT_FILTER_LIMITS : { ...DEFAULT_FILTER_LIMITS, ...limits };
  if (exceedsByteLength(input, resolved.maxLength)) throw syntaxError('filter too long');
  return new Parser(input, resolved).parse();
}

type Join = 'and' | 'or';

class Parser {
  private readonly lexer: Lexer;
  private tok: Token;
  private comparisons = 0;
  private readonly maxDepth: number;
  private readonly maxExpressions: number;
  private readonly pathOptions: PathOptions;

  constructor(input: string, limits: FilterLimits) {
    this.lexer = new Lexer(input);
    this.tok = this.lexer.next();
    this.maxDepth = Math.min(limits.maxDepth, HARD_MAX_DEPTH);
    this.maxExpressions = limits.maxExpressions;
    this.pathOptions = { maxSegments: limits.maxPathSegments, allowLeadingDigit: false };
  }

  parse(): Expr | null {
    if (this.tok.kind === 'eof') return null;
    const expr = this.sequence(0);
    const end = this.current();
    if (end.kind !== 'eof') throw syntaxError('expected && or ||', end.start);
    return expr;
  }

  // Reads `tok` through a call so TypeScript drops narrowing from before `advance()` ran.
  private current(): Token {
    return this.tok;
  }

  private advance(): void {
    this.tok = this.lexer.next();
  }

  // sequence := item (('&&' | '||') item)*
  //
  // PRECEDENCE: fexpr itself has none: it returns each group as a flat list of items, each tagged
  // with the join before it, and PocketBase prints that list into one parenthesised SQL group:
  // `a && b || c && d` becomes `(a AND b OR c AND d)`. The database's own precedence then applies,
  // so `&&` binds tighter than `||` and both associate left; this tree says exactly that.
  //
  // An empty group `()` is skipped the way fexpr skips it: the item after it takes the join that
  // follows the `()`, so `a || () && b` means `a && b`.
  private sequence(depth: number): Expr | null {
    const items: Expr[] = [];
    const joins: Join[] = [];
    let join: Join = 'and';
    for (;;) {
      const item = this.item(depth);
      if (item !== null) {
        if (items.length > 0) joins.push(join);
        items.push(item);
      }
      const kind = this.tok.kind;
      if (kind !== 'and' && kind !== 'or') return fold(items, joins);
      join = kind;
      this.advance();
    }
  }

  // item := '(' ')' | '(' sequence ')' | operand op operand
  private item(depth: number): Expr | null {
    const open = this.tok;
    if (open.kind !== 'lparen') return this.comparison(depth);
    if (depth + 1 > this.maxDepth) throw syntaxError('too deeply nested', open.start);
    this.advance();
    const inner = this.tok.kind === 'rparen' ? null : this.sequence(depth + 1);
    if (this.tok.kind !== 'rparen') throw syntaxError('expected )', this.tok.start);
    this.advance();
    return inner;
  }

  private comparison(depth: number): CompareExpr {
    const left = this.operand(depth);
    const sign = this.tok;
    if (sign.kind !== 'op') throw syntaxError('expected an operator', sign.start);
    if (++this.comparisons > this.maxExpressions) throw syntaxError('too many expressions', sign.start);
    this.advance();
    const right = this.operand(depth);
    return { kind: 'compare', op: sign.op, anyOf: sign.anyOf, left, right };
  }

  private operand(depth: number): Operand {
    const t = this.tok;
    switch (t.kind) {
      case 'string':
        this.advance();
        return { kind: 'string', value: t.value };
      case 'number':
        this.advance();
        return { kind: 'number', value: t.value, raw: t.raw };
      case 'ident':
        this.advance();
        return this.identifier(t.text, t.start);
      case 'call':
        return this.call(t.name, t.start, depth);
      default:
        throw syntaxError('expected an operand', t.start);
    }
  }

  // NOTE: PocketBase resolves an identifier as a field first and falls back to `null`/`true`/`false`
  // compared case-insensitively (strings.EqualFold); field names may not be those words, so
  // `NULL`/`True` are keywords here too.
  private identifier(text: string, start: number): Operand {
    if (text.length === 4 || text.length === 5) {
      const lower = text.toLowerCase();
      if (lower === 'null') return { kind: 'null' };
      if (lower === 'true') return { kind: 'bool', value: true };
      if (lower === 'false') return { kind: 'bool', value: false };
    }
    if (text.charCodeAt(0) === 0x40 && MACROS.has(text)) {
      return { kind: 'macro', name: text as MacroName };
    }
    return parsePath(text, this.pathOptions, start);
  }

  // call := name '(' [arg (',' arg)* [',']] ')'   (fexpr allows one trailing comma)
  private call(name: FunctionName, start: number, depth: number): Operand {
    if (depth + 1 > this.maxDepth) throw syntaxError('too deeply nested', start);
    this.advance(); // the lexer consumed the `(` with the name
    const args: Operand[] = [];
    let expectComma = false;
    for (;;) {
      const t = this.tok;
      if (t.kind === 'rparen') break;
      if (expectComma) {
        if (t.kind !== 'comma') throw syntaxError('expected , or )', t.start);
        expectComma = false;
        this.advance();
        continue;
      }
      // PocketBase's functions take no function arguments, so a nested call is never valid.
      if (t.kind === 'comma' || t.kind === 'call') throw syntaxError('invalid function argument', t.start);
      if (args.length === MAX_CALL_ARGS) throw syntaxError('too many function arguments', t.start);
      args.push(this.operand(depth + 1));
      expectComma = true;
    }
    this.advance();
    checkArguments(name, args, start);
    return { kind: 'call', name, args };
  }
}

// Argument rules from PocketBase's tools/search/token_functions.go. "Identifier" there is any bare
// word: a path, a macro, `null`, `true` or `false`.
function checkArguments(name: FunctionName, args: readonly Operand[], start: number): void {
  const isIdentifier = (a: Operand): boolean =>
    a.kind === 'path' || a.kind === 'macro' || a.kind === 'null' || a.kind === 'bool';
  if (name === 'geoDistance') {
    if (args.length !== 4 || !args.every((a) => a.kind === 'number' || isIdentifier(a))) {
      throw syntaxError('geoDistance takes 4 number or field arguments', start);
    }
    return;
  }
  // strftime(format, [time-value, modifiers...])
  const ok = args.every((a, i) =>
    i === 1 ? a.kind === 'string' || a.kind === 'number' || isIdentifier(a) : a.kind === 'string');
  if (args.length < 1 || !ok) throw syntaxError('invalid strftime arguments', start);
}

// Builds the tree for one group: `&&` runs first, then `||`, each left-associative. Iterative, so
// a long chain costs no stack here.
function fold(items: readonly Expr[], joins: readonly Join[]): Expr | null {
  let current = items[0];
  if (current === undefined) return null;
  let result: Expr | null = null;
  for (let i = 1; i < items.length; i++) {
    const next = items[i]!;
    if (joins[i - 1] === 'and') {
      current = { kind: 'and', left: current, right: next };
    } else {
      result = result === null ? current : { kind: 'or', left: result, right: current };
      current = next;
    }
  }
  return result === null ? current : { kind: 'or', left: result, right: current };
}
