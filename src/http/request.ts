// The one place FastifyRequest is augmented, plus the guards routes use to demand a caller and
// the `@request.*` view of a request that rules and filters read.
import type { FastifyRequest } from 'fastify';
import type { AuthState } from '../core/auth-state.js';
import { AppError } from '../core/errors.js';
import type { RequestInfo } from '../query/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller; null for a guest (a missing, bad, expired or revoked token counts as a guest). */
    auth: AuthState | null;
  }
}

export function requireAuth(req: FastifyRequest): AuthState {
  if (!req.auth) throw new AppError('unauthorized', 'The request requires valid record authorization token.');
  return req.auth;
}

export function requireSuperuser(req: FastifyRequest): AuthState {
  if (!req.auth) throw new AppError('unauthorized', 'The request requires valid record authorization token.');
  if (!req.auth.isSuperuser) throw new AppError('forbidden', 'The authorized record is not allowed to perform this action.');
  return req.auth;
}

/** Header names as rules see them: lowercase, `-` turned into `_` (`@request.headers.x_token`). */
const ruleHeaderNames = new Map<string, string>();
const MAX_REMEMBERED_NAMES = 1000;

function ruleHeaderName(name: string): string {
  let ruleName = ruleHeaderNames.get(name);
  if (ruleName === undefined) {
    ruleName = name.toLowerCase().replace(/-/g, '_');
    // Clients choose header names; remember only a bounded set (the common ones come first).
    if (ruleHeaderNames.size < MAX_REMEMBERED_NAMES) ruleHeaderNames.set(name, ruleName);
  }
  return ruleName;
}

function ruleHeaders(req: FastifyRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const headers = req.headers;
  for (const name in headers) {
    const value = headers[name];
    out[ruleHeaderName(name)] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

function plainObject(value: unknown): Readonly<Record<string, unknown>> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

// `@request.auth` is the same for every request of one signed-in caller (an AuthState lives as long
// as its cached token): build it once, frozen since it is shared.
const callerViews = new WeakMap<AuthState, RequestInfo['auth']>();
function callerView(auth: AuthState): RequestInfo['auth'] {
  let view = callerViews.get(auth);
  if (!view) {
    view = Object.freeze({ ...auth.record, collectionId: auth.collectionId, collectionName: auth.collectionName });
    callerViews.set(auth, view);
  }
  return view;
}

/** What `@request.*` means for this request; `context` is PocketBase's (`default`, `password`, …). */
export function requestInfo(req: FastifyRequest, context = 'default'): RequestInfo {
  return {
    auth: req.auth ? callerView(req.auth) : null,
    method: req.method,
    context,
    query: plainObject(req.query),
    headers: ruleHeaders(req),
    body: plainObject(req.body),
  };
}
