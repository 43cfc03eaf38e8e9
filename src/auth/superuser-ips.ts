// `superuserIPs` (API.md §10): when set, superusers act only from those addresses. From anywhere
// else a superuser token counts as a guest, and the `_superusers` sign-in routes answer 403 before
// looking at the credentials, so they tell nothing about them.
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { forbidden } from '../core/errors.js';
import { ipList, type IpList } from '../http/index.js';

const CREDENTIAL_ROUTE = /^\/api\/collections\/:collection\/(auth-with-|request-|confirm-)/;

export interface SuperuserIpOptions {
  readonly allowed: () => readonly string[];
  /** Whether a `:collection` parameter names `_superusers` (by id or name). */
  readonly isSuperusers: (idOrName: string) => boolean;
}

const plugin: FastifyPluginAsync<SuperuserIpOptions> = async (app, { allowed, isSuperusers }) => {
  let source: readonly string[] | null = null;
  let list: IpList = ipList([]);

  app.addHook('onRequest', (req, _reply, done) => {
    const entries = allowed();
    if (entries.length === 0) return done();
    if (entries !== source) {
      source = entries;
      list = ipList(entries);
    }
    if (list.has(req.ip)) return done();
    if (req.auth?.isSuperuser) req.auth = null;
    const collection = (req.params as { collection?: unknown } | undefined)?.collection;
    if (req.method === 'POST' && typeof collection === 'string' && CREDENTIAL_ROUTE.test(req.routeOptions.url ?? '') && isSuperusers(collection)) {
      done(forbidden('Superusers are not allowed to sign in from this IP address.'));
      return;
    }
    done();
  });
};

export const superuserIps = fp(plugin, { name: 'mainspring-superuser-ips', dependencies: ['mainspring-auth-hook'] });
