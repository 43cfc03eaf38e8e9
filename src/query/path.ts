// Validates a field path (`author.name`, `@request.auth.id:isset`, `@collection.members:m.user`) and
// splits it into segments and modifier. Shared by the filter parser and the sort parser.

import { PATH_MODIFIERS } from './ast.js';
import type { PathModifier, PathOperand } from './ast.js';
import { syntaxError } from './limits.js';

export interface PathOptions {
  readonly maxSegments: number;
  /** Sort keys skip fexpr, so PocketBase lets them start with a digit (`^\w+`); filter identifiers cannot. */
  readonly allowLeadingDigit: boolean;
}

const DOT = 0x2e;
const COLON = 0x3a;
const AT = 0x40;

const isWordChar = (c: number): boolean =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

const MODIFIERS: ReadonlySet<string> = new Set(PATH_MODIFIERS);

// `@request.<key>`: the first two take no further segments, the rest need at least one (PocketBase's
// allowedFields patterns in core/record_field_resolver.go).
const REQUEST_LEAF_KEYS: ReadonlySet<string> = new Set(['context', 'method']);
const REQUEST_BRANCH_KEYS: ReadonlySet<string> = new Set(['auth', 'body', 'query', 'headers']);

/** Parses `text` as a path or throws a 400; `offset` only locates the error in its `cause`. */
export function parsePath(text: string, options: PathOptions, offset = 0): PathOperand {
  const fail = (reason: string): never => {
    throw syntaxError(reason, offset);
  };
  const segments: string[] = [];
  let segStart = 0;
  let colon = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === DOT) {
      if (i === segStart) fail('empty path segment');
      if (colon >= 0) checkAlias(segStart, colon, i, segments, fail);
      if (segments.length + 1 >= options.maxSegments) fail('too many path segments');
      segments.push(text.slice(segStart, i));
      segStart = i + 1;
      colon = -1;
    } else if (c === COLON) {
      if (colon >= 0 || i === segStart) fail('misplaced ":" in path');
      colon = i;
    } else if (!isWordChar(c) && !(c === AT && i === 0)) {
      fail('invalid path character');
    }
  }
  if (segStart === text.length) fail('empty path segment');

  let modifier: PathModifier | null = null;
  if (colon < 0) {
    segments.push(text.slice(segStart));
  } else {
    const name = text.slice(colon + 1);
    if (!MODIFIERS.has(name)) fail('unknown path modifier');
    modifier = name as PathModifier;
    segments.push(text.slice(segStart, colon));
  }

  checkRoot(segments, modifier, options, fail);
  return { kind: 'path', segments, modifier };
}

// `:alias` is only valid in the collection segment of `@collection.<name>:<alias>.<field>`.
function checkAlias(start: number, colon: number, end: number, segments: readonly string[],
  fail: (reason: string) => never): void {
  if (segments.length !== 1 || segments[0] !== '@collection') fail('misplaced ":" in path');
  if (colon === start || colon === end - 1) fail('empty @collection alias');
}

function checkRoot(segments: readonly string[], modifier: PathModifier | null, options: PathOptions,
  fail: (reason: string) => never): void {
  const root = segments[0] ?? '';
  const first = root.charCodeAt(0);
  if (first !== AT) {
    if (isDigit(first) && !options.allowLeadingDigit) fail('path starts with a digit');
    return;
  }
  if (root === '@request') {
    const key = segments[1];
    if (key !== undefined && REQUEST_LEAF_KEYS.has(key)) {
      if (segments.length !== 2 || modifier !== null) fail('invalid @request path');
    } else if (key === undefined || !REQUEST_BRANCH_KEYS.has(key) || segments.length < 3) {
      fail('invalid @request path');
    }
    return;
  }
  if (root === '@collection') {
    if (segments.length < 3) fail('invalid @collection path');
    return;
  }
  // Macros are handled before paths; `@random`/`@rowid` are sort keys, never filter operands.
  fail('unknown @ identifier');
}
