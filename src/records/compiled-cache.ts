// Compiled SQL kept per caller. A rule or filter compiles to the same SQL for every request of one
// caller unless it reads the rest of the request or the clock (the compiler reports that through
// `onVolatile`). Entries hang off the rule object (a changed collection brings new rules) and the
// caller's record object (a changed auth record is a new object), and die with either; any
// collection change (a join reads other collections) retires them through the registry version.
import type { AuthState } from '../core/auth-state.js';
import type { RequestInfo } from '../query/index.js';

interface Entry<T> {
  readonly version: number;
  /** null: the SQL depends on more than the caller and is compiled on every request. */
  readonly value: T | null;
}

const GUEST = Object.freeze({});

/** The object a caller's entries hang off, or null when the request's `@request.auth` is not the caller's own. */
function callerKey(auth: AuthState | null, request: RequestInfo): object | null {
  if (auth === null) return request.auth === null ? GUEST : null;
  const seen = request.auth;
  return seen !== null && seen.id === auth.record.id && seen.collectionId === auth.collectionId ? auth.record : null;
}

export interface CompiledCache<T> {
  /**
   * The value for (`owner`, caller, `key`) at registry `version`; on a miss `build` compiles it,
   * and it is kept unless the compiler called `onVolatile`.
   */
  get(owner: object, auth: AuthState | null, request: RequestInfo, key: string, version: number, build: (onVolatile: () => void) => T): T;
}

/** `maxPerCaller` bounds the distinct keys (filter texts, pages) kept for one caller of one owner. */
export function createCompiledCache<T>(maxPerCaller: number): CompiledCache<T> {
  const byOwner = new WeakMap<object, WeakMap<object, Map<string, Entry<T>>>>();
  return {
    get(owner, auth, request, key, version, build) {
      const caller = callerKey(auth, request);
      if (caller === null) return build(() => {});
      let byCaller = byOwner.get(owner);
      if (!byCaller) byOwner.set(owner, (byCaller = new WeakMap()));
      let entries = byCaller.get(caller);
      if (!entries) byCaller.set(caller, (entries = new Map()));
      const hit = entries.get(key);
      if (hit && hit.version === version && hit.value !== null) return hit.value;
      let isVolatile = false;
      const value = build(() => { isVolatile = true; });
      if (entries.size >= maxPerCaller) entries.clear();
      entries.set(key, { version, value: isVolatile ? null : value });
      return value;
    },
  };
}
