// Splits a view query into tokens: strings, quoted names and comments are settled here, so the
// checks and the select-list reader see only the query's structure.
// NOTE: this lexer is for helpful messages and field inference; the guarantee that a view query
// is one SELECT is the database's own parse of it as a bound sub-select (DialectAdapter.sampleQuery).

export type SqlToken =
  /** A name, possibly dotted and quoted in parts (`p."title"`): `parts` are unquoted. */
  | { readonly type: 'name'; readonly parts: readonly string[]; readonly isQuoted: boolean; readonly start: number; readonly end: number }
  | { readonly type: 'literal'; readonly start: number; readonly end: number }
  | { readonly type: 'open' | 'close' | 'comma' | 'semicolon' | 'star' | 'other'; readonly start: number; readonly end: number };

const CLOSING: Readonly<Record<string, string>> = { '"': '"', '`': '`', '[': ']' };
const WORD = /[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*/y;
const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const DOLLAR_TAG = /\$(?:[A-Za-z_]\w*)?\$/y;

export interface LexOptions {
  /** `\` escapes the next character inside '…' (MariaDB's default). */
  readonly hasBackslashEscapes: boolean;
}

/** Where a quoted run that starts at `pos` with `quote` ends (one past the closing quote). */
function skipQuoted(text: string, pos: number, quote: string, hasBackslashEscapes: boolean): number {
  let i = pos + 1;
  while (i < text.length) {
    const ch = text[i];
    if (hasBackslashEscapes && ch === '\\') {
      i += 2;
      continue;
    }
    if (ch === quote) {
      if (text[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return text.length;
}

function skipComment(text: string, pos: number): number | null {
  const two = text.slice(pos, pos + 2);
  if (two === '--' || text[pos] === '#') {
    const eol = text.indexOf('\n', pos);
    return eol === -1 ? text.length : eol + 1;
  }
  if (two === '/*') {
    const close = text.indexOf('*/', pos + 2);
    return close === -1 ? text.length : close + 2;
  }
  return null;
}

function unquote(raw: string): string {
  const first = raw[0] ?? '';
  if (CLOSING[first] === undefined) return raw;
  const quote = CLOSING[first];
  return raw.slice(1, -1).split(quote + quote).join(quote);
}

/** Reads one name part (a word or a quoted name) at `pos`; null when there is none. */
function readNamePart(text: string, pos: number, options: LexOptions): { part: string; end: number; isQuoted: boolean } | null {
  const ch = text[pos] ?? '';
  const closing = CLOSING[ch];
  if (closing !== undefined) {
    const end = skipQuoted(text, pos, closing, options.hasBackslashEscapes && ch !== '[');
    return { part: unquote(text.slice(pos, end)), end, isQuoted: true };
  }
  WORD.lastIndex = pos;
  const word = WORD.exec(text);
  return word ? { part: word[0], end: pos + word[0].length, isQuoted: false } : null;
}

export function lexSql(text: string, options: LexOptions): SqlToken[] {
  const tokens: SqlToken[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const comment = skipComment(text, i);
    if (comment !== null) {
      i = comment;
      continue;
    }
    const start = i;
    if (ch === "'") {
      i = skipQuoted(text, i, "'", options.hasBackslashEscapes);
      tokens.push({ type: 'literal', start, end: i });
      continue;
    }
    DOLLAR_TAG.lastIndex = i;
    const tag = ch === '$' ? DOLLAR_TAG.exec(text) : null;
    if (tag) {
      // PostgreSQL's dollar quoting: $tag$ … $tag$.
      const close = text.indexOf(tag[0], i + tag[0].length);
      i = close === -1 ? text.length : close + tag[0].length;
      tokens.push({ type: 'literal', start, end: i });
      continue;
    }
    NUMBER.lastIndex = i;
    const number = /[0-9.]/.test(ch) ? NUMBER.exec(text) : null;
    if (number) {
      i += number[0].length;
      tokens.push({ type: 'literal', start, end: i });
      continue;
    }
    const first = readNamePart(text, i, options);
    if (first) {
      const parts = [first.part];
      let isQuoted = first.isQuoted;
      i = first.end;
      // A dotted name: `a.b`, `"a"."b"`; `a.*` leaves the star as its own token.
      while (text[i] === '.') {
        const next = readNamePart(text, i + 1, options);
        if (!next) break;
        parts.push(next.part);
        isQuoted ||= next.isQuoted;
        i = next.end;
      }
      tokens.push({ type: 'name', parts, isQuoted, start, end: i });
      continue;
    }
    const single = ch === '(' ? 'open' : ch === ')' ? 'close' : ch === ',' ? 'comma' : ch === ';' ? 'semicolon' : ch === '*' ? 'star' : 'other';
    i++;
    tokens.push({ type: single, start, end: i });
  }
  return tokens;
}

/** The upper-cased keyword a token spells, or '' (quoted names are never keywords). */
export function keywordOf(token: SqlToken | undefined): string {
  return token?.type === 'name' && !token.isQuoted && token.parts.length === 1 ? token.parts[0]!.toUpperCase() : '';
}
