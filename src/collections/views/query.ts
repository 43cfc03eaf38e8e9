// Reads a view query's shape: that it is one SELECT, its result columns (expression and name) and
// the tables it reads, as PocketBase's identifiers parser does, so fields can follow their sources.
import { keywordOf, lexSql, type LexOptions, type SqlToken } from './lexer.js';

/** A problem with a view query; its message follows PocketBase's "Invalid query - …". */
export class ViewQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ViewQueryError';
  }
}

export interface SelectColumn {
  /** The expression as written (without its alias). */
  readonly expression: string;
  /** The alias, or a plain column's own name; null when the engine would make one up. */
  readonly name: string | null;
  /** For a plain column reference, its name parts: `p.title` → ['p', 'title']. */
  readonly ref: readonly string[] | null;
}

export interface TableRef {
  readonly name: string;
  readonly alias: string;
}

export interface ParsedViewQuery {
  /** The query without surrounding blanks and semicolons: what the view is built from. */
  readonly query: string;
  readonly columns: readonly SelectColumn[];
  /** FROM and JOIN tables in order (sub-selects are left out); the first is the main table. */
  readonly tables: readonly TableRef[];
}

const SELECT_END = new Set(['FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'WINDOW', 'UNION', 'INTERSECT', 'EXCEPT', 'OFFSET', 'FETCH', 'INTO', 'FOR']);
const FROM_END = new Set(['WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'WINDOW', 'UNION', 'INTERSECT', 'EXCEPT', 'OFFSET', 'FETCH', 'INTO', 'FOR', 'RETURNING']);
const JOIN_WORDS = new Set(['JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'OUTER', 'CROSS', 'NATURAL', 'STRAIGHT_JOIN', 'LATERAL']);
/** Words that end an expression rather than name it (`CASE … END`, `x IS NULL`). */
const NOT_ALIASES = new Set([
  'END', 'NULL', 'TRUE', 'FALSE', 'AND', 'OR', 'NOT', 'IS', 'ELSE', 'THEN', 'WHEN', 'CASE', 'IN', 'LIKE',
  'BETWEEN', 'DISTINCT', 'ALL', 'COLLATE', 'ESCAPE', 'AS', 'FROM', 'ASC', 'DESC', 'ON', 'USING',
]);

const MULTIPLE_STATEMENTS = 'multiple statements are not supported';
const NOT_A_SELECT = 'the query must be a single SELECT statement';
const WILDCARD = 'wildcard columns (*) are not supported - manually type the collection field names you want the view query to have';

/** Trims blanks and semicolons around the query, as PocketBase does before anything else. */
export function trimViewQuery(text: string): string {
  return text.replace(/^[\s;]+|[\s;]+$/g, '');
}

/** Top-level (depth 0) positions of `tokens`, with the depth each token sits at. */
function depths(tokens: readonly SqlToken[]): number[] {
  const out: number[] = [];
  let depth = 0;
  for (const t of tokens) {
    if (t.type === 'close') depth--;
    if (depth < 0) throw new ViewQueryError('unbalanced parentheses');
    out.push(depth);
    if (t.type === 'open') depth++;
  }
  if (depth !== 0) throw new ViewQueryError('unbalanced parentheses');
  return out;
}

/** Splits `tokens` at top-level tokens for which `isBoundary` holds (the boundaries are dropped). */
function splitTop(tokens: readonly SqlToken[], level: readonly number[], isBoundary: (t: SqlToken) => boolean): SqlToken[][] {
  const parts: SqlToken[][] = [[]];
  tokens.forEach((t, i) => {
    if (level[i] === 0 && isBoundary(t)) parts.push([]);
    else parts[parts.length - 1]!.push(t);
  });
  return parts.filter((p) => p.length > 0);
}

function readColumn(text: string, item: readonly SqlToken[]): SelectColumn {
  const last = item[item.length - 1]!;
  const beforeLast = item[item.length - 2];
  if (last.type === 'star') throw new ViewQueryError(WILDCARD);
  let expr = item;
  let alias: string | null = null;
  const isSimpleName = last.type === 'name' && last.parts.length === 1;
  if (isSimpleName && item.length >= 3 && keywordOf(beforeLast) === 'AS') {
    alias = last.parts[0]!;
    expr = item.slice(0, -2);
  } else if (isSimpleName && beforeLast && !NOT_ALIASES.has(keywordOf(last)) && ['name', 'literal', 'close'].includes(beforeLast.type)) {
    alias = last.parts[0]!;
    expr = item.slice(0, -1);
  }
  const first = expr[0]!;
  const ref = expr.length === 1 && first.type === 'name' ? first.parts : null;
  return {
    expression: text.slice(first.start, expr[expr.length - 1]!.end),
    name: alias ?? (ref ? ref[ref.length - 1]! : null),
    ref,
  };
}

function readTables(from: readonly SqlToken[], level: readonly number[]): TableRef[] {
  const tables: TableRef[] = [];
  const segments = splitTop(from, level, (t) => t.type === 'comma' || JOIN_WORDS.has(keywordOf(t)));
  for (const segment of segments) {
    const [first, second, third] = segment;
    // A sub-select or a table function names no collection.
    if (first?.type !== 'name' || second?.type === 'open') continue;
    const name = first.parts[first.parts.length - 1]!;
    let alias = name;
    if (keywordOf(second) === 'AS' && third?.type === 'name') alias = third.parts[0]!;
    else if (second?.type === 'name' && second.parts.length === 1 && !['ON', 'USING', 'WITH', 'FORCE', 'USE', 'IGNORE'].includes(keywordOf(second))) alias = second.parts[0]!;
    tables.push({ name, alias });
  }
  return tables;
}

/** Checks that `text` is one SELECT (or WITH … SELECT) and reads its columns and tables. */
export function parseViewQuery(text: string, options: LexOptions): ParsedViewQuery {
  const query = trimViewQuery(text);
  const tokens = lexSql(query, options);
  if (tokens.some((t) => t.type === 'semicolon')) throw new ViewQueryError(MULTIPLE_STATEMENTS);
  const leading = keywordOf(tokens[0]);
  if (leading !== 'SELECT' && leading !== 'WITH') throw new ViewQueryError(NOT_A_SELECT);
  const level = depths(tokens);
  const top = (i: number) => level[i] === 0;

  const selectAt = tokens.findIndex((t, i) => top(i) && keywordOf(t) === 'SELECT');
  if (selectAt === -1) throw new ViewQueryError(NOT_A_SELECT);
  let start = selectAt + 1;
  while (['DISTINCT', 'ALL'].includes(keywordOf(tokens[start]))) start++;
  let end = tokens.findIndex((t, i) => i >= start && top(i) && SELECT_END.has(keywordOf(t)));
  if (end === -1) end = tokens.length;
  const items = splitTop(tokens.slice(start, end), level.slice(start, end), (t) => t.type === 'comma');
  if (items.length === 0) throw new ViewQueryError(NOT_A_SELECT);
  const columns = items.map((item) => readColumn(query, item));

  let tables: TableRef[] = [];
  if (keywordOf(tokens[end]) === 'FROM') {
    const fromStart = end + 1;
    let fromEnd = tokens.findIndex((t, i) => i >= fromStart && top(i) && FROM_END.has(keywordOf(t)));
    if (fromEnd === -1) fromEnd = tokens.length;
    tables = readTables(tokens.slice(fromStart, fromEnd), level.slice(fromStart, fromEnd));
  }
  return { query, columns, tables };
}

/**
 * Every name a query mentions, lower-cased, parts separately: an over-approximation of the tables it
 * reads (sub-selects included), enough to refuse changes that would break a view.
 */
export function mentionedNames(text: string, options: LexOptions): Set<string> {
  const names = new Set<string>();
  for (const t of lexSql(text, options)) if (t.type === 'name') for (const part of t.parts) names.add(part.toLowerCase());
  return names;
}
