// Cookie mode (Mainspring's addition, opt-in through the `authCookie` settings): sign-in answers
// also set an HttpOnly session cookie and a readable CSRF cookie, and requests that authenticate
// by that cookie must prove they come from the app's own pages before they may change anything.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import { readCookie, serializeCookie } from '../http/index.js';
import type { AuthReply } from './service.js';
import { peekAuthClaims } from './tokens.js';

export interface AuthCookieSettings {
  readonly enabled: boolean;
  readonly name: string;
  readonly sameSite: 'Lax' | 'Strict';
}

export interface AuthCookies {
  /** The session token the cookie carries; null when cookie mode is off or there is none. */
  tokenOf(req: FastifyRequest): string | null;
  /**
   * For a request authenticated by the cookie: null when it may go on, else the 403 to answer.
   * Safe methods always pass; unsafe ones need `X-CSRF-Token` equal to the CSRF cookie and, when
   * the browser sent an Origin, the server's own origin.
   */
  refusal(req: FastifyRequest): AppError | null;
  /**
   * Sets both cookies for a sign-in answer when cookie mode is on and the request came from the
   * server's own origin (or sent none); returns the answer unchanged.
   */
  issue(reply: FastifyReply, answer: AuthReply): AuthReply;
  /** Tells the browser to drop both cookies (the session behind them has ended). */
  clear(reply: FastifyReply): void;
  /** Whether this reply already sets the session cookie (a sign-in answer). */
  isIssuing(reply: FastifyReply): boolean;
}

export interface AuthCookiesOptions {
  /** Read at each request, so a settings change applies to the next one. */
  readonly settings: () => AuthCookieSettings;
  /** MS_PUBLIC_URL: the origin browsers see when the server sits behind a proxy. */
  readonly publicUrl: string;
}

/** Methods that may change state; only these need the CSRF proof (GET, HEAD and OPTIONS must not change anything). */
const UNSAFE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const CSRF_HEADER = 'x-csrf-token';
const CSRF_SUFFIX = '_csrf';
const BAD_CSRF = 'Missing or invalid CSRF token: send the value of the CSRF cookie in the X-CSRF-Token header.';
const FOREIGN_ORIGIN = 'Cross-origin requests cannot use the auth cookie.';

export const isUnsafeMethod = (method: string): boolean => UNSAFE_METHODS.has(method);

/** Equal strings, compared in constant time (hashes first, so lengths leak nothing either). */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

export function createAuthCookies({ settings, publicUrl }: AuthCookiesOptions): AuthCookies {
  const publicOrigin = originOf(publicUrl);

  /** The request's own origin, from Host (or X-Forwarded-Host/-Proto from a trusted proxy). */
  const requestOrigin = (req: FastifyRequest): string | null => originOf(`${req.protocol}://${req.host}`);

  const isOwnOrigin = (req: FastifyRequest, origin: string): boolean =>
    origin !== 'null' && (origin === publicOrigin || origin === requestOrigin(req));

  const write = (reply: FastifyReply, s: AuthCookieSettings, token: string, csrf: string, maxAge: number): void => {
    const common = { secure: true, sameSite: s.sameSite, path: '/', maxAge } as const;
    reply.header('set-cookie', [
      serializeCookie(s.name, token, { ...common, httpOnly: true }),
      serializeCookie(s.name + CSRF_SUFFIX, csrf, common),
    ]);
  };

  return {
    tokenOf(req) {
      const s = settings();
      if (!s.enabled) return null;
      const token = readCookie(req.headers.cookie, s.name);
      return token ? token : null;
    },
    refusal(req) {
      if (!UNSAFE_METHODS.has(req.method)) return null;
      const origin = req.headers.origin;
      if (origin !== undefined && !isOwnOrigin(req, origin)) return new AppError('forbidden', FOREIGN_ORIGIN);
      const expected = readCookie(req.headers.cookie, settings().name + CSRF_SUFFIX);
      const sent = req.headers[CSRF_HEADER];
      if (!expected || typeof sent !== 'string' || !sameSecret(sent, expected)) return new AppError('forbidden', BAD_CSRF);
      return null;
    },
    issue(reply, answer) {
      const s = settings();
      // A sign-in posted from another site (a form aiming to sign the victim in as the attacker)
      // gets its JSON answer, as without cookie mode, but no cookie.
      const origin = reply.request.headers.origin;
      const claims = s.enabled && (origin === undefined || isOwnOrigin(reply.request, origin)) ? peekAuthClaims(answer.token) : null;
      if (!claims) return answer;
      const maxAge = claims.exp - Math.floor(Date.now() / 1000);
      if (maxAge > 0) write(reply, s, answer.token, randomBytes(32).toString('base64url'), maxAge);
      return answer;
    },
    clear(reply) {
      write(reply, settings(), '', '', 0);
    },
    isIssuing(reply) {
      const name = `${settings().name}=`;
      const set = reply.getHeader('set-cookie');
      const values = Array.isArray(set) ? set : typeof set === 'string' ? [set] : [];
      return values.some((v) => String(v).startsWith(name));
    },
  };
}
