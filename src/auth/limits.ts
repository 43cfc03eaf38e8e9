// Abuse protection (API.md §10): request-rate rules per client IP, PocketBase's `{label, audience,
// duration, maxRequests}`, and Mainspring's per-identity lockout: each credential attempt counts as
// a failure until it succeeds, so parallel guesses cannot outrun the count; past `maxFailures` in
// `window` the identity is locked, each lockout in a row twice as long as the one before.
// Unknown identities are counted and locked alike, so a lockout tells nothing about who exists.
import { createHash } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { CounterStore } from '../cache/index.js';
import { RateLimitedError } from '../core/errors.js';
import { ipList, type IpList } from '../http/index.js';
import type { RateLimitRule, Settings } from '../settings/index.js';
import type { AuthLog } from './auth-log.js';

type RateLimits = Settings['rateLimits'];

/** Actions by route, as rule labels name them (`users:create`, `*:authWithPassword`). */
const RECORDS = '/api/collections/:collection/records';
const AUTH = '/api/collections/:collection/';
const ROUTE_ACTIONS = new Map<string, string>([
  [`GET ${RECORDS}`, 'list'], [`POST ${RECORDS}`, 'create'], [`GET ${RECORDS}/:id`, 'view'],
  [`PATCH ${RECORDS}/:id`, 'update'], [`DELETE ${RECORDS}/:id`, 'delete'],
  [`GET ${AUTH}auth-methods`, 'listAuthMethods'], [`POST ${AUTH}auth-refresh`, 'authRefresh'],
  [`POST ${AUTH}auth-with-password`, 'authWithPassword'], [`POST ${AUTH}auth-with-oauth2`, 'authWithOAuth2'],
  [`POST ${AUTH}request-otp`, 'requestOTP'], [`POST ${AUTH}auth-with-otp`, 'authWithOTP'],
  [`POST ${AUTH}auth-with-totp`, 'authWithTOTP'], [`POST ${AUTH}totp/confirm`, 'confirmTOTP'], [`DELETE ${AUTH}totp`, 'removeTOTP'],
  [`POST ${AUTH}request-verification`, 'requestVerification'], [`POST ${AUTH}confirm-verification`, 'confirmVerification'],
  [`POST ${AUTH}request-password-reset`, 'requestPasswordReset'], [`POST ${AUTH}confirm-password-reset`, 'confirmPasswordReset'],
  [`POST ${AUTH}request-email-change`, 'requestEmailChange'], [`POST ${AUTH}confirm-email-change`, 'confirmEmailChange'],
]);

/** The `auth` group: every action that takes or sends a credential (not refresh or the methods list). */
const CREDENTIAL_ACTIONS = new Set([
  'authWithPassword', 'authWithOAuth2', 'requestOTP', 'authWithOTP', 'authWithTOTP', 'confirmTOTP', 'removeTOTP',
  'requestVerification', 'confirmVerification', 'requestPasswordReset', 'confirmPasswordReset', 'requestEmailChange', 'confirmEmailChange',
]);

/** Where each guessable action names what is being guessed, and whether that may be logged. */
const IDENTITIES: Readonly<Record<string, { readonly field: string; readonly loggable: boolean }>> = {
  authWithPassword: { field: 'identity', loggable: true },
  authWithOTP: { field: 'otpId', loggable: true },
  authWithTOTP: { field: 'mfaId', loggable: true },
  confirmPasswordReset: { field: 'token', loggable: false },
  confirmVerification: { field: 'token', loggable: false },
  confirmEmailChange: { field: 'token', loggable: false },
};

const DAY_MS = 24 * 60 * 60 * 1000;

type HookDone = (err?: Error) => void;
type Hook = (req: FastifyRequest, reply: FastifyReply, done: HookDone) => void;

/** A route's hooks of one kind with `hook` added last (a route may have none, one or a list). */
function withHook<T>(existing: T | T[] | undefined, hook: Hook): T[] {
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
  return [...list, hook as unknown as T];
}
const GUESS = Symbol('mainspring.guess');

interface Guess {
  readonly key: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    [GUESS]?: Guess;
  }
}

interface CompiledLimits {
  readonly source: RateLimits;
  readonly byLabel: ReadonlyMap<string, readonly RateLimitRule[]>;
  /** Path-prefix rules, longest first. */
  readonly prefixes: readonly RateLimitRule[];
  readonly excluded: IpList;
}

function compile(limits: RateLimits): CompiledLimits {
  const byLabel = new Map<string, RateLimitRule[]>();
  const prefixes: RateLimitRule[] = [];
  for (const rule of limits.rules) {
    if (rule.label.startsWith('/')) prefixes.push(rule);
    else byLabel.set(rule.label, [...(byLabel.get(rule.label) ?? []), rule]);
  }
  prefixes.sort((a, b) => b.label.length - a.label.length);
  return { source: limits, byLabel, prefixes, excluded: ipList(limits.excludedIPs) };
}

/** The path as the router matched it: `/api/%62atch` must meet a `/api/batch` rule. */
function decodedPath(url: string): string {
  const raw = url.split('?', 1)[0]!;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function audienceMatches(rule: RateLimitRule, req: FastifyRequest): boolean {
  // A rule saved without an audience is for everyone, as PocketBase reads it.
  return !rule.audience || (rule.audience === '@auth') === (req.auth !== null);
}

export interface LimitsOptions {
  readonly settings: () => RateLimits;
  readonly counters: CounterStore;
  readonly authLog: AuthLog;
  /** The collection a route parameter names (by id or name), or undefined. */
  readonly collection: (idOrName: string) => { readonly id: string; readonly name: string } | undefined;
  /**
   * The record a sign-in identity names, so that its email and its username share one count; an
   * identity that names none is counted as typed.
   */
  readonly recordOfIdentity?: (collectionId: string, identity: string) => Promise<string | null>;
}

const plugin: FastifyPluginAsync<LimitsOptions> = async (app, { settings, counters, authLog, collection, recordOfIdentity }) => {
  let compiled = compile(settings());
  const current = (): CompiledLimits => {
    const limits = settings();
    if (compiled.source !== limits) compiled = compile(limits);
    return compiled;
  };

  const collectionOf = (req: FastifyRequest) => {
    const param = (req.params as { collection?: unknown } | undefined)?.collection;
    return typeof param === 'string' ? collection(param) : undefined;
  };

  /** The most specific rule for the request: its exact label, then the group, then the longest path prefix. */
  function ruleFor(limits: CompiledLimits, req: FastifyRequest, action: string | undefined): RateLimitRule | undefined {
    if (action !== undefined && limits.byLabel.size > 0) {
      const name = collectionOf(req)?.name;
      const labels = [`${name}:${action}`, `*:${action}`];
      if (CREDENTIAL_ACTIONS.has(action)) labels.push(`${name}:auth`, '*:auth');
      for (const label of labels) {
        const rule = limits.byLabel.get(label)?.find((r) => audienceMatches(r, req));
        if (rule) return rule;
      }
    }
    if (limits.prefixes.length === 0) return undefined;
    const path = decodedPath(req.url);
    return limits.prefixes.find((r) => path.startsWith(r.label) && audienceMatches(r, req));
  }

  function limitRequest(req: FastifyRequest, action: string | undefined, done: HookDone): void {
    const limits = current();
    // Without path-prefix rules, only routes with an action can meet a rule.
    if (!limits.source.enabled || (action === undefined && limits.prefixes.length === 0)) return done();
    const rule = ruleFor(limits, req, action);
    if (!rule || limits.excluded.has(req.ip)) return done();
    counters.hit(`rate:${rule.label}:${rule.audience}:${req.ip}`, rule.duration * 1000).then((counter) => {
      done(counter.count > rule.maxRequests ? new RateLimitedError(counter.resetInMs / 1000) : undefined);
    }, done);
  }

  // After the body is parsed: the identity being guessed is in it.
  function checkLockout(req: FastifyRequest, identity: (typeof IDENTITIES)[string], done: HookDone): void {
    const limits = settings();
    if (!limits.enabled || !limits.lockout.enabled) return done();
    // The SDK may send an id in the query instead (PocketBase reads `mfaId` from either).
    const fromQuery: unknown = (req.query as Record<string, unknown> | undefined)?.[identity.field];
    const given = (req.body as Record<string, unknown> | undefined)?.[identity.field] ?? (Array.isArray(fromQuery) ? fromQuery[0] : fromQuery);
    const target = collectionOf(req);
    if (typeof given !== 'string' || given === '' || !target) return done();
    const normalized = given.normalize('NFKC').trim().toLowerCase();
    const byText = `${target.id}:${identity.field}:${createHash('sha256').update(normalized).digest('base64url')}`;
    const keyed = identity.field === 'identity' && recordOfIdentity
      ? recordOfIdentity(target.id, given.trim()).then((recordId) => (recordId ? `${target.id}:record:${recordId}` : byText))
      : Promise.resolve(byText);
    keyed.then((key) => attempt(key, limits.lockout).then((retryAfter) => ({ key, retryAfter }))).then(({ key, retryAfter }) => {
      if (retryAfter === null) {
        req[GUESS] = { key };
        done();
        return;
      }
      if (retryAfter < 0) {
        authLog.record({
          collectionId: target.id, recordId: key.split(':record:')[1] ?? '', identity: identity.loggable ? normalized : '', event: 'lockout', outcome: 'failure',
          ip: req.ip, userAgent: String(req.headers['user-agent'] ?? ''),
        }).catch((err: unknown) => req.log.warn({ err }, 'auth log write failed'));
      }
      done(new RateLimitedError(Math.abs(retryAfter), 'Too many failed attempts. Try again later.'));
    }, done);
  }

  // Anything but a refusal of the credential itself ends the run of failures.
  function settleLockout(req: FastifyRequest, reply: FastifyReply, done: HookDone): void {
    const guess = req[GUESS];
    if (guess && reply.statusCode !== 400 && reply.statusCode !== 429) {
      counters.delete(`fail:${guess.key}`).catch((err: unknown) => req.log.warn({ err }, 'lockout reset failed'));
    }
    done();
  }

  // Requests no route matched meet only the path-prefix rules (so `/api/` also limits scans of unknown paths).
  app.addHook('onRequest', (req, _reply, done) => {
    if (req.is404) limitRequest(req, undefined, done);
    else done();
  });

  // Each route gets only the hooks its action needs, fixed when it is registered: the request path
  // of every other route pays one settings read.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const actions = new Map(methods.flatMap((m) => {
      const action = ROUTE_ACTIONS.get(`${m} ${route.url}`);
      return action ? [[m, action] as const] : [];
    }));
    route.onRequest = withHook(route.onRequest, (req, _reply, done) => limitRequest(req, actions.get(req.method), done));
    const identities = new Map([...actions].flatMap(([m, action]) => (IDENTITIES[action] ? [[m, IDENTITIES[action]!] as const] : [])));
    if (identities.size === 0) return;
    route.preHandler = withHook(route.preHandler, (req, _reply, done) => {
      const identity = identities.get(req.method);
      if (identity) checkLockout(req, identity, done);
      else done();
    });
    route.onResponse = withHook(route.onResponse, settleLockout);
  });

  /**
   * Counts one attempt; null lets it through, otherwise the seconds to wait: negative when this
   * attempt started the lockout (so it is logged once).
   */
  async function attempt(key: string, lockout: RateLimits['lockout']): Promise<number | null> {
    const now = Date.now();
    const stored = await counters.get(`lock:${key}`);
    const lock = stored ? (JSON.parse(stored) as { until: number; strikes: number }) : null;
    if (lock && lock.until > now) return (lock.until - now) / 1000;
    const failures = await counters.hit(`fail:${key}`, lockout.window * 1000);
    if (failures.count <= lockout.maxFailures) return null;
    const strikes = (lock?.strikes ?? 0) + 1;
    const durationMs = Math.min(lockout.duration * 2 ** (strikes - 1), lockout.maxDuration) * 1000;
    await counters.put(`lock:${key}`, JSON.stringify({ until: now + durationMs, strikes }), durationMs + DAY_MS);
    await counters.delete(`fail:${key}`);
    return -durationMs / 1000;
  }
};

export const rateLimits = fp(plugin, { name: 'mainspring-rate-limits', dependencies: ['mainspring-auth-hook'] });
