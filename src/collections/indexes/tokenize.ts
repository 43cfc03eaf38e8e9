// Splits an index string into tokens; quoting, literals and comments are settled here.
// SECURITY: anything not spelled out below is refused, so no SQL fragment survives as text.
import { IndexSyntaxError, type CmpOp } from './types.js';

export type Token =
  | { readonly type: 'word'; readonly value: string; readonly pos: number }
  | { readonly type: 'quoted'; readonly value: string; readonly pos: number }
  | { readonly type: 'string'; readonly value: string; readonly pos: number }
  | { readonly type: 'number'; readonly value: number; readonly pos: number }
  | { readonly type: 'op'; readonly value: CmpOp; readonly pos: number }
  | { readonly type: 'punct'; readonly value: '(' | ')' | ',' | ';' | '-'; readonly pos: number }
  | { readonly type: 'eof'; readonly pos: number };

/** What identifiers must look like once unquoted (PocketBase field and collection names). */
export const IDENTIFIER_RE = /^\w+$/;

const WHITESPACE = new Set([' ', '\t', '\n', '\r', '\f']);
const CLOSING_QUOTE: Readonly<Record<string, string>> = { '`': '`', '"': '"', '[': ']' };
const WORD_RE = /[A-Za-z_]\w*/y;
const NUMBER_RE = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const OPERATORS: readonly (readonly [string, CmpOp])[] = [
  ['==', '='], ['!=', '!='], ['<>', '<>'], ['<=', '<='], ['>=', '>='], ['=', '='], ['<', '<'], ['>', '>'],
];

/** Shortens echoed input so error messages stay small. */
export function excerpt(text: string): string {
  return text.length > 32 ? `${text.slice(0, 32)}…` : text;
}

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    if (WHITESPACE.has(ch)) {
      i++;
      continue;
    }
    const token = readToken(sql, i, ch);
    tokens.push(token.token);
    i = token.end;
  }
  tokens.push({ type: 'eof', pos: sql.length });
  return tokens;
}

function readToken(sql: string, pos: number, ch: string): { token: Token; end: number } {
  if ((ch === '-' && sql[pos + 1] === '-') || (ch === '/' && sql[pos + 1] === '*')) {
    throw new IndexSyntaxError('Comments are not allowed in an index.', pos);
  }
  if (ch === "'") return readString(sql, pos);
  const closing = CLOSING_QUOTE[ch];
  if (closing !== undefined) return readQuotedIdentifier(sql, pos, closing);
  if (/[0-9.]/.test(ch)) return readNumber(sql, pos);
  WORD_RE.lastIndex = pos;
  const word = WORD_RE.exec(sql);
  if (word) return { token: { type: 'word', value: word[0], pos }, end: pos + word[0].length };
  if (ch === '(' || ch === ')' || ch === ',' || ch === ';' || ch === '-') {
    return { token: { type: 'punct', value: ch, pos }, end: pos + 1 };
  }
  for (const [text, op] of OPERATORS) {
    if (sql.startsWith(text, pos)) return { token: { type: 'op', value: op, pos }, end: pos + text.length };
  }
  throw new IndexSyntaxError(`Unexpected character ${JSON.stringify(ch)} at position ${pos}.`, pos);
}

// '' inside a literal stands for one quote, as in SQL.
function readString(sql: string, pos: number): { token: Token; end: number } {
  let value = '';
  let i = pos + 1;
  for (;;) {
    const end = sql.indexOf("'", i);
    if (end < 0) throw new IndexSyntaxError('Unterminated string literal.', pos);
    value += sql.slice(i, end);
    if (sql[end + 1] !== "'") return { token: { type: 'string', value, pos }, end: end + 1 };
    value += "'";
    i = end + 2;
  }
}

// A doubled closing quote is part of the name; the result must still be a plain \w+ name.
function readQuotedIdentifier(sql: string, pos: number, closing: string): { token: Token; end: number } {
  let value = '';
  let i = pos + 1;
  for (;;) {
    const end = sql.indexOf(closing, i);
    if (end < 0) throw new IndexSyntaxError('Unterminated quoted identifier.', pos);
    value += sql.slice(i, end);
    if (closing === ']' || sql[end + 1] !== closing) {
      if (!IDENTIFIER_RE.test(value)) {
        throw new IndexSyntaxError(`Invalid identifier ${JSON.stringify(excerpt(value))}: use letters, digits and _ only.`, pos);
      }
      return { token: { type: 'quoted', value, pos }, end: end + 1 };
    }
    value += closing;
    i = end + 2;
  }
}

function readNumber(sql: string, pos: number): { token: Token; end: number } {
  NUMBER_RE.lastIndex = pos;
  const match = NUMBER_RE.exec(sql);
  if (!match) throw new IndexSyntaxError(`Unexpected character "." at position ${pos}.`, pos);
  const end = pos + match[0].length;
  const text = match[0];
  if (/[\w.]/.test(sql[end] ?? '')) {
    throw new IndexSyntaxError(`Invalid number or identifier at position ${pos}: quote names that start with a digit.`, pos);
  }
  const value = Number(text);
  const isIntegral = /^\d+$/.test(text);
  if (!Number.isFinite(value) || (isIntegral && !Number.isSafeInteger(value))) {
    throw new IndexSyntaxError(`The number ${excerpt(text)} is out of range.`, pos);
  }
  return { token: { type: 'number', value, pos }, end };
}
