// Size limits for filter input, checked while parsing so hostile input fails fast,
// and the one way every filter/sort syntax failure is reported (a generic 400).

import { AppError } from '../core/errors.js';

export interface FilterLimits {
  /** Input size in UTF-8 bytes, as PocketBase's `len(filter)` counts it (MaxFilterLength). */
  readonly maxLength: number;
  /** Comparisons (`a = b`) in one filter, as PocketBase's DefaultFilterExprLimit. */
  readonly maxExpressions: number;
  /** Nested `( )` groups plus function calls. Capped at HARD_MAX_DEPTH whatever the caller asks. */
  readonly maxDepth: number;
  /** Segments of one path, `@`-root and JSON keys included. */
  readonly maxPathSegments: number;
}

// NOTE: PocketBase applies the 3500-byte limit to the client `filter` parameter only, not to rules;
// callers parsing a rule should pass `{ maxLength: Infinity }`. The 200-comparison limit applies to both.
export const DEFAULT_FILTER_LIMITS: FilterLimits = Object.freeze({
  maxLength: 3500,
  maxExpressions: 200,
  maxDepth: 32,
  // PocketBase allows 6 relation hops + the field (7 segments) after an `@collection.x`/`@request.auth`
  // prefix, and JSON keys past a JSON field are unlimited; only the compiler knows which segment is
  // which, so this is a sanity bound and the relation-depth rule belongs to the compiler.
  maxPathSegments: 32,
});

/** Recursion guard: the parser recurses once per nesting level, so never allow enough to hurt the stack. */
export const HARD_MAX_DEPTH = 1000;

/** Sort terms per request and bytes per term (PocketBase's DefaultSortExprLimit, MaxSortFieldLength). */
export const MAX_SORT_TERMS = 8;
export const MAX_SORT_TERM_LENGTH = 255;

/**
 * The 400 for any malformed filter or sort. The client sees PocketBase's generic message only;
 * the reason (never the input) rides in `cause` for logs and tests.
 */
export function syntaxError(reason: string, offset?: number): AppError {
  const detail = offset === undefined ? reason : `${reason} at offset ${offset}`;
  return new AppError('bad_request', undefined, {}, { cause: new Error(detail) });
}

/** UTF-8 size of `input`, computed only when the UTF-16 length leaves it in doubt. */
export function exceedsByteLength(input: string, max: number): boolean {
  if (input.length > max) return true; // every UTF-16 unit is at least one UTF-8 byte
  if (input.length * 3 <= max) return false; // and at most three
  return Buffer.byteLength(input, 'utf8') > max;
}
