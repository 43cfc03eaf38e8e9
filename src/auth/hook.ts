// Reads the caller from `Authorization` on every request: the raw token (as the SDK sends it) or
// `Bearer <token>`; with cookie mode on and no such header, from the session cookie instead.
// Anything unusable is a guest, never an error, as in PocketBase.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AuthState } from '../core/auth-state.js';
import { isUnsafeMethod, type AuthCookies } from './cookies.js';
import type { AuthService } from './service.js';

const BEARER = /^bearer\s+/i;

export function tokenFromHeader(header: string | undefined): string | null {
  if (!header) return null;
  // The SDK sends the bare token; only a header starting with b/B can carry the scheme.
  const first = header.charCodeAt(0);
  const token = (first === 0x62 || first === 0x42 ? header.replace(BEARER, '') : header).trim();
  return token === '' ? null : token;
}

const plugin: FastifyPluginAsync<{ auth: AuthService; cookies?: AuthCookies }> = async (app, { auth, cookies }) => {
  // Requests whose caller came from the cookie, for the CSRF check and the clean-up after them.
  const byCookie = new WeakSet<FastifyRequest>();

  /** A caller from the cookie may go on with a safe method, or an unsafe one that proves its origin. */
  const acceptCookie = (req: FastifyRequest, state: AuthState | null, done: (err?: Error) => void): void => {
    const refusal = state ? cookies!.refusal(req) : null;
    req.auth = refusal ? null : state;
    if (state && !refusal) byCookie.add(req);
    done(refusal ?? undefined);
  };

  // Callback style, so a guest or a token seen before costs no promise and no extra tick.
  app.addHook('onRequest', (req, _reply, done) => {
    const header = tokenFromHeader(req.headers.authorization);
    if (header) {
      const known = auth.authenticateCached(header);
      if (known) {
        req.auth = known;
        done();
        return;
      }
      auth.authenticate(header).then((state) => {
        req.auth = state;
        done();
      }, done);
      return;
    }
    const token = req.headers.cookie === undefined ? null : cookies?.tokenOf(req);
    if (!token) {
      req.auth = null;
      done();
      return;
    }
    const known = auth.authenticateCached(token);
    if (known) {
      acceptCookie(req, known, done);
      return;
    }
    auth.authenticate(token).then((state) => acceptCookie(req, state, done), done);
  });

  if (!cookies) return;
  // A change made by the cookie's own caller may have ended its session (signing out, a new
  // password, deleting the record): the browser should drop the cookies with this answer.
  app.addHook('onSend', (req, reply, payload, done) => {
    if (!req.auth || !byCookie.has(req) || !isUnsafeMethod(req.method) || cookies.isIssuing(reply)) {
      done(null, payload);
      return;
    }
    const token = req.auth.token;
    if (auth.authenticateCached(token)) {
      done(null, payload);
      return;
    }
    // A failed lookup leaves the cookies be: the next request finds out again.
    auth.authenticate(token).then((still) => {
      if (!still) cookies.clear(reply);
    }).catch(() => undefined).finally(() => done(null, payload));
  });
};

export const authHook = fp(plugin, { name: 'mainspring-auth-hook' });
