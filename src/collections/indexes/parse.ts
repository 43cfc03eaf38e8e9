// Parses PocketBase's `CREATE INDEX` strings (SQLite syntax) into a ParsedIndex.
// SECURITY: an injection boundary; the grammar is closed and the WHERE clause becomes a small AST.
import { excerpt, tokenize, type Token } from './tokenize.js';
import { IndexSyntaxError, type CmpOp, type IndexColumn, type IndexDirection, type ParsedIndex, type WhereExpr, type WhereValue } from './types.js';

/** MariaDB's identifier limit; PostgreSQL's is 63 bytes and truncates silently, SQLite has none. */
export const MAX_INDEX_NAME_LENGTH = 64;
/** InnoDB's limit on key parts, applied everywhere so an index valid on one engine is valid on all. */
export const MAX_INDEX_COLUMNS = 16;
/** Bounds recursion on hostile input such as `((((…`. */
const MAX_WHERE_DEPTH = 32;

// Bare words that can never be a column in WHERE; they are operators SQLite has and we do not.
const WHERE_KEYWORDS = new Set([
  'and', 'or', 'not', 'is', 'in', 'like', 'glob', 'match', 'regexp', 'between', 'escape', 'collate',
  'case', 'when', 'then', 'else', 'end', 'exists', 'select', 'cast', 'where', 'isnull', 'notnull',
]);
const FLIPPED: Readonly<Record<CmpOp, CmpOp>> = { '=': '=', '!=': '!=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/** Parses `CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (col [COLLATE NOCASE] [ASC|DESC], …) [WHERE …]`. */
export function parseIndex(sql: string): ParsedIndex {
  if (typeof sql !== 'string') throw new IndexSyntaxError('An index must be a string.');
  return new Parser(tokenize(sql)).parseIndex();
}

type Operand = { readonly column: string } | { readonly literal: Exclude<WhereValue, { column: string }> };

class Parser {
  private i = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parseIndex(): ParsedIndex {
    this.expectKeyword('CREATE');
    const unique = this.acceptKeyword('UNIQUE');
    this.expectKeyword('INDEX', unique ? 'after UNIQUE' : 'after CREATE');
    const ifNotExists = this.acceptKeyword('IF');
    if (ifNotExists) {
      this.expectKeyword('NOT', 'after IF');
      this.expectKeyword('EXISTS', 'after IF NOT');
    }
    const name = this.identifier('an index name');
    if (name.length > MAX_INDEX_NAME_LENGTH) {
      throw new IndexSyntaxError(`The index name must be at most ${MAX_INDEX_NAME_LENGTH} characters.`);
    }
    this.expectKeyword('ON', 'after the index name');
    const table = this.identifier('a table name');
    const columns = this.parseColumns();
    const where = this.acceptKeyword('WHERE') ? this.parseOr(0) : null;
    this.parseEnd();
    return { name, unique, ...(ifNotExists ? { ifNotExists } : {}), table, columns, where };
  }

  private parseColumns(): IndexColumn[] {
    this.expectPunct('(', 'after the table name');
    if (this.peekPunct(')')) throw new IndexSyntaxError('The index has no columns.', this.peek().pos);
    const columns: IndexColumn[] = [];
    const seen = new Set<string>();
    do {
      const pos = this.peek().pos;
      const column = this.parseColumn();
      // SQLite column names are case-insensitive, and MariaDB refuses a column twice in one key.
      if (seen.has(column.name.toLowerCase())) {
        throw new IndexSyntaxError(`The column ${column.name} appears twice in the index.`, pos);
      }
      seen.add(column.name.toLowerCase());
      columns.push(column);
    } while (this.acceptPunct(','));
    this.expectPunct(')', 'after the column list');
    if (columns.length > MAX_INDEX_COLUMNS) {
      throw new IndexSyntaxError(`An index may have at most ${MAX_INDEX_COLUMNS} columns.`);
    }
    return columns;
  }

  private parseColumn(): IndexColumn {
    const name = this.identifier('a column name');
    if (this.peekPunct('(')) throw new IndexSyntaxError('Expressions are not allowed in the column list; name columns only.', this.peek().pos);
    let nocase = false;
    if (this.acceptKeyword('COLLATE')) {
      const token = this.next();
      const collation = token.type === 'word' || token.type === 'quoted' ? token.value : '';
      if (collation.toUpperCase() !== 'NOCASE') throw new IndexSyntaxError('Only COLLATE NOCASE is supported.', token.pos);
      nocase = true;
    }
    let direction: IndexDirection | null = null;
    if (this.acceptKeyword('ASC')) direction = 'ASC';
    else if (this.acceptKeyword('DESC')) direction = 'DESC';
    return { name, nocase, direction };
  }

  private parseEnd(): void {
    const sawSemicolon = this.acceptPunct(';');
    const token = this.peek();
    if (token.type === 'eof') return;
    if (sawSemicolon) throw new IndexSyntaxError('Only one statement is allowed.', token.pos);
    throw new IndexSyntaxError(`Unexpected ${describe(token)} at position ${token.pos}.`, token.pos);
  }

  // WHERE: OR < AND < NOT < comparison, as in SQL.
  private parseOr(depth: number): WhereExpr {
    let left = this.parseAnd(depth);
    while (this.acceptKeyword('OR')) left = { kind: 'or', left, right: this.parseAnd(depth) };
    return left;
  }

  private parseAnd(depth: number): WhereExpr {
    let left = this.parseNot(depth);
    while (this.acceptKeyword('AND')) left = { kind: 'and', left, right: this.parseNot(depth) };
    return left;
  }

  private parseNot(depth: number): WhereExpr {
    if (depth > MAX_WHERE_DEPTH) throw new IndexSyntaxError('The WHERE clause is nested too deeply.', this.peek().pos);
    if (this.acceptKeyword('NOT')) return { kind: 'not', expr: this.parseNot(depth + 1) };
    if (this.acceptPunct('(')) {
      const expr = this.parseOr(depth + 1);
      this.expectPunct(')', 'to close the parenthesis');
      return expr;
    }
    return this.parsePredicate();
  }

  private parsePredicate(): WhereExpr {
    const start = this.peek().pos;
    const left = this.parseOperand();
    if (this.acceptKeyword('IS')) {
      const negated = this.acceptKeyword('NOT');
      this.expectKeyword('NULL', negated ? 'after IS NOT' : 'after IS');
      if (!('column' in left)) throw new IndexSyntaxError('IS NULL needs a column on its left.', start);
      return { kind: 'isNull', column: left.column, negated };
    }
    const token = this.next();
    if (token.type !== 'op') {
      throw new IndexSyntaxError(
        `Unsupported ${describe(token)} at position ${token.pos}: use =, !=, <>, <, <=, >, >= or IS [NOT] NULL.`,
        token.pos,
      );
    }
    const right = this.parseOperand();
    if ('column' in left) return { kind: 'cmp', column: left.column, op: token.value, value: 'column' in right ? right : right.literal };
    if ('column' in right) return { kind: 'cmp', column: right.column, op: FLIPPED[token.value], value: left.literal };
    throw new IndexSyntaxError('A comparison needs a column on one side.', start);
  }

  private parseOperand(): Operand {
    const token = this.next();
    switch (token.type) {
      case 'string':
      case 'number':
        return { literal: token.value };
      case 'punct': {
        const number = this.peek();
        if (token.value === '-' && number.type === 'number') {
          this.i++;
          return { literal: number.value === 0 ? 0 : -number.value };
        }
        break;
      }
      case 'quoted':
        this.refuseCall();
        return { column: token.value };
      case 'word': {
        const lower = token.value.toLowerCase();
        if (lower === 'null') return { literal: null };
        if (lower === 'true' || lower === 'false') return { literal: lower === 'true' };
        this.refuseCall();
        if (WHERE_KEYWORDS.has(lower)) break;
        return { column: token.value };
      }
      default:
        break;
    }
    throw new IndexSyntaxError(`Expected a column or a value but found ${describe(token)} at position ${token.pos}.`, token.pos);
  }

  private refuseCall(): void {
    if (this.peekPunct('(')) throw new IndexSyntaxError('Function calls are not allowed in WHERE.', this.peek().pos);
  }

  private identifier(what: string): string {
    const token = this.next();
    if (token.type === 'word' || token.type === 'quoted') return token.value;
    throw new IndexSyntaxError(`Expected ${what} but found ${describe(token)} at position ${token.pos}.`, token.pos);
  }

  private peek(): Token {
    return this.tokens[this.i] ?? (this.tokens[this.tokens.length - 1] as Token);
  }

  private next(): Token {
    const token = this.peek();
    if (token.type !== 'eof') this.i++;
    return token;
  }

  private acceptKeyword(keyword: string): boolean {
    const token = this.peek();
    if (token.type !== 'word' || token.value.toUpperCase() !== keyword) return false;
    this.i++;
    return true;
  }

  private expectKeyword(keyword: string, where?: string): void {
    if (this.acceptKeyword(keyword)) return;
    const token = this.peek();
    const context = where ? ` ${where}` : '';
    throw new IndexSyntaxError(`Expected ${keyword}${context} but found ${describe(token)} at position ${token.pos}.`, token.pos);
  }

  private peekPunct(value: string): boolean {
    const token = this.peek();
    return token.type === 'punct' && token.value === value;
  }

  private acceptPunct(value: string): boolean {
    if (!this.peekPunct(value)) return false;
    this.i++;
    return true;
  }

  private expectPunct(value: string, where: string): void {
    if (this.acceptPunct(value)) return;
    const token = this.peek();
    throw new IndexSyntaxError(`Expected "${value}" ${where} but found ${describe(token)} at position ${token.pos}.`, token.pos);
  }
}

function describe(token: Token): string {
  switch (token.type) {
    case 'eof':
      return 'the end of the index';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'word':
      return `"${excerpt(token.value)}"`;
    case 'quoted':
      return `the name "${excerpt(token.value)}"`;
    default:
      return `"${token.value}"`;
  }
}
