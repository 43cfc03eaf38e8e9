// Parser for the `sort` query parameter (`-created,title,@random`), as PocketBase's
// search.ParseSortFromString plus the per-term checks of its search provider.

import type { PathOperand } from './ast.js';
import { DEFAULT_FILTER_LIMITS, MAX_SORT_TERMS, MAX_SORT_TERM_LENGTH, exceedsByteLength, syntaxError } from './limits.js';
import { parsePath } from './path.js';
import type { PathOptions } from './path.js';

export type SortDirection = 'asc' | 'desc';

export type SortTerm = {
  readonly path: PathOperand | { readonly kind: 'random' } | { readonly kind: 'rowid' };
  readonly direction: SortDirection;
};

// Sort keys never pass through fexpr, so PocketBase accepts any `^\w+` start (digits too).
// Modifiers are parsed and left to the compiler: PocketBase sorts by `title:lower` or `tags:length`.
const SORT_PATH: PathOptions = { maxSegments: DEFAULT_FILTER_LIMITS.maxPathSegments, allowLeadingDigit: true };

const RANDOM = { kind: 'random' } as const;
const ROWID = { kind: 'rowid' } as const;

/** Parses a comma list of sort keys; `''` gives `[]`. Throws a 400 `AppError` on a bad key or over 8 keys. */
export function parseSort(input: string): SortTerm[] {
  if (input === '') return [];
  const terms: SortTerm[] = [];
  let start = 0;
  for (;;) {
    const comma = input.indexOf(',', start);
    const end = comma < 0 ? input.length : comma;
    if (terms.length === MAX_SORT_TERMS) throw syntaxError('too many sort keys', start);
    terms.push(parseTerm(input.slice(start, end), start));
    if (comma < 0) return terms;
    start = comma + 1;
  }
}

// Trim, then `-` means descending and a `+` is dropped; exactly one sign character, as PocketBase.
function parseTerm(raw: string, offset: number): SortTerm {
  const term = trimSpace(raw);
  const first = term.charCodeAt(0);
  const direction: SortDirection = first === 0x2d ? 'desc' : 'asc';
  const name = first === 0x2d || first === 0x2b ? term.slice(1) : term;
  if (exceedsByteLength(name, MAX_SORT_TERM_LENGTH)) throw syntaxError('sort key too long', offset);
  if (name === '@random') return { path: RANDOM, direction };
  if (name === '@rowid') return { path: ROWID, direction };
  return { path: parsePath(name, SORT_PATH, offset), direction };
}

// Go's strings.TrimSpace (unicode.IsSpace), which differs from String.prototype.trim at U+0085 and U+FEFF.
function trimSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isGoSpace(s.charCodeAt(start))) start++;
  while (end > start && isGoSpace(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

function isGoSpace(c: number): boolean {
  if (c <= 0xff) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0;
  return c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000;
}
