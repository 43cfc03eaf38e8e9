// Tokenizer for the filter language, following github.com/ganigeorgiev/fexpr's scanner (which
// PocketBase uses) character for character, so the same inputs are accepted and rejected.

import type { CompareOp, FunctionName } from './ast.js';
import { syntaxError } from './limits.js';

export type Token =
  | { readonly kind: 'lparen' | 'rparen' | 'comma' | 'and' | 'or' | 'eof'; readonly start: number }
  | { readonly kind: 'op'; readonly op: CompareOp; readonly anyOf: boolean; readonly start: number }
  | { readonly kind: 'string'; readonly value: string; readonly start: number }
  | { readonly kind: 'number'; readonly value: number; readonly raw: string; readonly start: number }
  | { readonly kind: 'ident'; readonly text: string; readonly start: number }
  /** An identifier directly followed by `(`; the `(` is consumed. */
  | { readonly kind: 'call'; readonly name: FunctionName; readonly start: number };

// Character classes, one lookup per ASCII code.
const WS = 1; // fexpr: space, tab, \n only (a \r is an unexpected character there too)
const IDENT_START = 2; // letters, `_`, `@` (fexpr also takes `#`, which no PocketBase field can match)
const IDENT_PART = 4; // letters, digits, `_`, `.`, `:`
const SIGN = 8; // = ? ! > < ~
const JOIN = 16; // & |
const DIGIT = 32;

const CLASS = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) CLASS[c] = IDENT_PART | DIGIT;
for (let c = 0x41; c <= 0x5a; c++) CLASS[c] = IDENT_START | IDENT_PART;
for (let c = 0x61; c <= 0x7a; c++) CLASS[c] = IDENT_START | IDENT_PART;
CLASS[0x5f] = IDENT_START | IDENT_PART; // _
CLASS[0x40] = IDENT_START; // @
CLASS[0x2e] = IDENT_PART; // .
CLASS[0x3a] = IDENT_PART; // :
for (const ch of '=?!><~') CLASS[ch.charCodeAt(0)] = SIGN;
for (const ch of '&|') CLASS[ch.charCodeAt(0)] = JOIN;
for (const ch of ' \t\n') CLASS[ch.charCodeAt(0)] = WS;

const cls = (c: number): number => (c < 128 ? CLASS[c]! : 0);

const OPS: Readonly<Record<string, { op: CompareOp; anyOf: boolean }>> = {
  '=': { op: '=', anyOf: false },
  '!=': { op: '!=', anyOf: false },
  '>': { op: '>', anyOf: false },
  '>=': { op: '>=', anyOf: false },
  '<': { op: '<', anyOf: false },
  '<=': { op: '<=', anyOf: false },
  '~': { op: '~', anyOf: false },
  '!~': { op: '!~', anyOf: false },
  '?=': { op: '=', anyOf: true },
  '?!=': { op: '!=', anyOf: true },
  '?>': { op: '>', anyOf: true },
  '?>=': { op: '>=', anyOf: true },
  '?<': { op: '<', anyOf: true },
  '?<=': { op: '<=', anyOf: true },
  '?~': { op: '~', anyOf: true },
  '?!~': { op: '!~', anyOf: true },
};

const FUNCTIONS: ReadonlySet<string> = new Set<FunctionName>(['geoDistance', 'strftime']);

const SLASH = 0x2f;
const NEWLINE = 0x0a;
const LPAREN = 0x28;
const RPAREN = 0x29;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const COLON = 0x3a;
const BACKSLASH = 0x5c;
const SQUOTE = 0x27;
const DQUOTE = 0x22;

export class Lexer {
  private pos = 0;

  constructor(private readonly input: string) {}

  /** The next significant token; whitespace and `//` comments are skipped. */
  next(): Token {
    const input = this.input;
    const len = input.length;
    let pos = this.skipTrivia(this.pos);
    this.pos = pos;
    if (pos >= len) return { kind: 'eof', start: pos };

    const start = pos;
    const c = input.charCodeAt(pos);
    const k = cls(c);
    if (c === LPAREN) return this.punct('lparen', start);
    if (c === RPAREN) return this.punct('rparen', start);
    if (c === COMMA) return this.punct('comma', start);
    if (c === SQUOTE || c === DQUOTE) return this.string(start, c);
    if (k & DIGIT || c === MINUS) return this.number(start);
    if (k & IDENT_START) return this.identifier(start);
    if (k & SIGN) {
      do pos++;
      while (pos < len && cls(input.charCodeAt(pos)) & SIGN);
      const found = OPS[input.slice(start, pos)];
      if (found === undefined) throw syntaxError('invalid operator', start);
      this.pos = pos;
      return { kind: 'op', op: found.op, anyOf: found.anyOf, start };
    }
    if (k & JOIN) {
      do pos++;
      while (pos < len && cls(input.charCodeAt(pos)) & JOIN);
      const text = input.slice(start, pos);
      this.pos = pos;
      if (text === '&&') return { kind: 'and', start };
      if (text === '||') return { kind: 'or', start };
      throw syntaxError('invalid join operator', start);
    }
    throw syntaxError('unexpected character', start);
  }

  private punct(kind: 'lparen' | 'rparen' | 'comma', start: number): Token {
    this.pos = start + 1;
    return { kind, start };
  }

  private skipTrivia(pos: number): number {
    const input = this.input;
    const len = input.length;
    while (pos < len) {
      const c = input.charCodeAt(pos);
      if (cls(c) & WS) {
        pos++;
      } else if (c === SLASH) {
        if (input.charCodeAt(pos + 1) !== SLASH) throw syntaxError('invalid comment', pos);
        const eol = input.indexOf('\n', pos + 2);
        pos = eol < 0 ? len : eol + 1;
      } else {
        break;
      }
    }
    return pos;
  }

  // fexpr: a quote ends the text unless the character before it is a backslash; then every
  // backslash+quote (that quote only) becomes the quote. Other backslashes stay as they are, so
  // a text can never end with a backslash.
  private string(start: number, quote: number): Token {
    const input = this.input;
    const q = quote === SQUOTE ? "'" : '"';
    let end = input.indexOf(q, start + 1);
    while (end > start + 1 && input.charCodeAt(end - 1) === BACKSLASH) end = input.indexOf(q, end + 1);
    if (end < 0) throw syntaxError('unterminated text', start);
    this.pos = end + 1;
    const raw = input.slice(start + 1, end);
    // NOTE: fexpr reads NUL as end of input; PostgreSQL cannot store it. Refuse it outright.
    if (raw.includes('\0')) throw syntaxError('NUL in text', start);
    const value = raw.includes('\\' + q) ? raw.replaceAll('\\' + q, q) : raw;
    return { kind: 'string', value, start };
  }

  // fexpr: an optional leading `-`, digits and at most one `.`; no exponent. It may not be just
  // `-` or end with `.` (`-.5` is accepted, `.5` is not a number start at all).
  private number(start: number): Token {
    const input = this.input;
    const len = input.length;
    let pos = start + 1;
    let hadDot = false;
    while (pos < len) {
      const c = input.charCodeAt(pos);
      if (cls(c) & DIGIT) pos++;
      else if (c === DOT && !hadDot) {
        hadDot = true;
        pos++;
      } else break;
    }
    this.pos = pos;
    const raw = input.slice(start, pos);
    const last = raw.charCodeAt(raw.length - 1);
    if (raw === '-' || last === DOT) throw syntaxError('invalid number', start);
    const value = Number(raw);
    // NOTE: PocketBase's cast.ToFloat64 silently turns an overflowing literal into 0; refuse it instead.
    if (!Number.isFinite(value)) throw syntaxError('number out of range', start);
    return { kind: 'number', value, raw, start };
  }

  private identifier(start: number): Token {
    const input = this.input;
    const len = input.length;
    let pos = start + 1;
    while (pos < len && cls(input.charCodeAt(pos)) & IDENT_PART) pos++;
    this.pos = pos;
    const text = input.slice(start, pos);
    if (input.charCodeAt(pos) === LPAREN) {
      if (!FUNCTIONS.has(text)) throw syntaxError('unknown function', start);
      this.pos = pos + 1;
      return { kind: 'call', name: text as FunctionName, start };
    }
    // fexpr's isValidIdentifier: no trailing `.`/`:`, and not a lone `@` or `_`.
    const last = text.charCodeAt(text.length - 1);
    if (last === DOT || last === COLON || text === '@' || text === '_') {
      throw syntaxError('invalid identifier', start);
    }
    return { kind: 'ident', text, start };
  }
}
