// Reads the caller from `Authorization` on every request: the raw token (as the SDK sends it) or
// `Bearer <token>`. Anything unusable is a guest, never an error, as in PocketBase.
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { AuthService } from './service.js';

const BEARER = /^bearer\s+/i;

export function tokenFromHeader(header: string | undefined): string | null {
  if (!header) return null;
  // The SDK sends the bare token; only a header starting with b/B can carry the scheme.
  const first = header.charCodeAt(0);
  const token = (first === 0x62 || first === 0x42 ? header.replace(BEARER, '') : header).trim();
  return token === '' ? null : token;
}

const plugin: FastifyPluginAsync<{ auth: AuthService }> = async (app, { auth }) => {
  // Callback style, so a guest or a token seen before costs no promise and no extra tick.
  app.addHook('onRequest', (req, _reply, done) => {
    const token = tokenFromHeader(req.headers.authorization);
    if (!token) {
      req.auth = null;
      done();
      return;
    }
    const known = auth.authenticateCached(token);
    if (known) {
      req.auth = known;
      done();
      return;
    }
    auth.authenticate(token).then((state) => {
      req.auth = state;
      done();
    }, done);
  });
};

export const authHook = fp(plugin, { name: 'mainspring-auth-hook' });
