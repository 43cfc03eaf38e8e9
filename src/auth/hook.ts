// Reads the caller from `Authorization` on every request: the raw token (as the SDK sends it) or
// `Bearer <token>`. Anything unusable is a guest, never an error, as in PocketBase.
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { AuthService } from './service.js';

const BEARER = /^bearer\s+/i;

export function tokenFromHeader(header: string | undefined): string | null {
  if (!header) return null;
  const token = header.replace(BEARER, '').trim();
  return token === '' ? null : token;
}

const plugin: FastifyPluginAsync<{ auth: AuthService }> = async (app, { auth }) => {
  app.addHook('onRequest', async (req) => {
    const token = tokenFromHeader(req.headers.authorization);
    req.auth = token ? await auth.authenticate(token) : null;
  });
};

export const authHook = fp(plugin, { name: 'mainspring-auth-hook' });
