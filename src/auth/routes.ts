// HTTP shapes of the sign-in routes on any auth collection (API.md §6).
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { requestInfo, requireSuperuser } from '../http/index.js';
import { parseListParams } from '../query/index.js';
import type { AuthLog } from './auth-log.js';
import type { AuthCookies } from './cookies.js';
import { appleClientSecret, type OAuth2Service } from './oauth2/index.js';
import type { AuthReply, AuthService, Peer } from './service.js';

type Params = { collection: string };
const params = {
  type: 'object',
  properties: { collection: { type: 'string', minLength: 1, maxLength: 255 } },
  required: ['collection'],
} as const;

const passwordBody = {
  type: 'object',
  properties: {
    identity: { type: 'string', maxLength: 1024 },
    password: { type: 'string', maxLength: 1024 },
    identityField: { type: 'string', maxLength: 255 },
  },
} as const;

/** A query parameter's text (the first of a repeated key, as PocketBase reads it). */
function queryText(req: FastifyRequest, name: string): string | undefined {
  const raw = (req.query as Record<string, unknown> | undefined)?.[name];
  const first: unknown = Array.isArray(raw) ? raw[0] : raw;
  return typeof first === 'string' ? first : undefined;
}

const expandOf = (req: FastifyRequest): string | undefined => queryText(req, 'expand');

function peerOf(req: FastifyRequest): Peer {
  return { ip: req.ip, userAgent: String(req.headers['user-agent'] ?? '') };
}

const recordOf = (req: FastifyRequest): string | undefined => queryText(req, 'record') || undefined;

export interface AuthRoutesOptions {
  readonly auth: AuthService;
  readonly oauth2: OAuth2Service;
  readonly authLog: AuthLog;
  readonly cookies: AuthCookies;
}

export const authRoutes: FastifyPluginAsync<AuthRoutesOptions> = async (app, { auth, oauth2, authLog, cookies }) => {
  // Every sign-in answer goes through this, so cookie mode sets its cookies (impersonation does not).
  const signedIn = (reply: FastifyReply) => (answer: AuthReply): AuthReply => cookies.issue(reply, answer);

  app.post<{ Params: Params }>('/collections/:collection/auth-with-password', { schema: { params, body: passwordBody } }, (req, reply) =>
    auth.authWithPassword(req.params.collection, req.body, {
      ...peerOf(req),
      request: requestInfo(req, 'password'),
      expand: expandOf(req),
    }).then(signedIn(reply)));

  app.get<{ Params: Params }>('/collections/:collection/auth-methods', { schema: { params } }, (req) =>
    auth.authMethods(req.params.collection));

  app.post<{ Params: Params }>('/collections/:collection/auth-refresh', { schema: { params } }, (req, reply) =>
    auth.authRefresh(req.params.collection, req.auth, { ...peerOf(req), request: requestInfo(req), expand: expandOf(req) }).then(signedIn(reply)));

  app.post<{ Params: Params }>('/collections/:collection/request-verification', { schema: { params } }, async (req, reply) => {
    await auth.requestVerification(req.params.collection, req.body);
    return reply.code(204).send();
  });

  app.post<{ Params: Params }>('/collections/:collection/confirm-verification', { schema: { params } }, async (req, reply) => {
    await auth.confirmVerification(req.params.collection, req.body);
    return reply.code(204).send();
  });

  app.post<{ Params: Params }>('/collections/:collection/request-password-reset', { schema: { params } }, async (req, reply) => {
    await auth.requestPasswordReset(req.params.collection, req.body);
    return reply.code(204).send();
  });

  app.post<{ Params: Params }>('/collections/:collection/confirm-password-reset', { schema: { params } }, async (req, reply) => {
    await auth.confirmPasswordReset(req.params.collection, req.body, peerOf(req));
    return reply.code(204).send();
  });

  app.post<{ Params: Params }>('/collections/:collection/request-email-change', { schema: { params } }, async (req, reply) => {
    await auth.requestEmailChange(req.params.collection, req.auth, req.body);
    return reply.code(204).send();
  });

  app.post<{ Params: Params }>('/collections/:collection/confirm-email-change', { schema: { params } }, async (req, reply) => {
    await auth.confirmEmailChange(req.params.collection, req.body, peerOf(req));
    return reply.code(204).send();
  });

  app.post<{ Params: Params & { id: string } }>('/collections/:collection/impersonate/:id', async (req) =>
    auth.impersonate(req.params.collection, req.auth, req.params.id, req.body, {
      ...peerOf(req),
      request: requestInfo(req),
      expand: expandOf(req),
    }));

  app.post<{ Params: Params }>('/collections/:collection/auth-with-oauth2', { schema: { params } }, (req, reply) =>
    oauth2.authWithOAuth2(req.params.collection, req.body, req.auth, {
      ...peerOf(req),
      request: requestInfo(req, 'oauth2'),
      expand: expandOf(req),
    }).then(signedIn(reply)));

  app.post<{ Params: Params }>('/collections/:collection/request-otp', { schema: { params } }, (req) =>
    auth.requestOtp(req.params.collection, req.body));

  app.post<{ Params: Params }>('/collections/:collection/auth-with-otp', { schema: { params } }, (req, reply) =>
    auth.authWithOtp(req.params.collection, req.body, { ...peerOf(req), request: requestInfo(req, 'otp'), expand: expandOf(req) }).then(signedIn(reply)));

  // TOTP (Mainspring's addition, CONTRACT.md).
  app.post<{ Params: Params }>('/collections/:collection/totp/enroll', { schema: { params } }, (req) =>
    auth.totpEnroll(req.params.collection, req.auth));

  app.post<{ Params: Params }>('/collections/:collection/totp/confirm', { schema: { params } }, (req) =>
    auth.totpConfirm(req.params.collection, req.auth, req.body));

  app.delete<{ Params: Params }>('/collections/:collection/totp', { schema: { params } }, async (req, reply) => {
    await auth.totpRemove(req.params.collection, req.auth, req.body);
    return reply.code(204).send();
  });

  app.post<{ Params: Params }>('/collections/:collection/auth-with-totp', { schema: { params } }, (req, reply) =>
    auth.authWithTotp(req.params.collection, req.body, { ...peerOf(req), request: requestInfo(req, 'totp'), expand: expandOf(req) }).then(signedIn(reply)));

  // Settings helpers that belong to auth (API.md §10): superusers only.
  app.post('/settings/test/email', async (req, reply) => {
    requireSuperuser(req);
    await auth.sendTestEmail(req.body);
    return reply.code(204).send();
  });

  app.post('/settings/apple/generate-client-secret', async (req) => {
    requireSuperuser(req);
    return appleClientSecret(req.body);
  });

  // The auth log (Mainspring's addition, CONTRACT.md): superusers only.
  app.get('/auth-log', async (req) => {
    requireSuperuser(req);
    return authLog.page(parseListParams(req.query as Record<string, unknown>), requestInfo(req));
  });

  // Sessions (Mainspring's addition, CONTRACT.md): the caller's own, or a record's for superusers.
  app.get<{ Params: Params }>('/collections/:collection/sessions', { schema: { params } }, (req) =>
    auth.listSessions(req.params.collection, req.auth, {
      params: parseListParams(req.query as Record<string, unknown>),
      request: requestInfo(req),
      recordId: recordOf(req),
    }));

  app.delete<{ Params: Params & { id: string } }>('/collections/:collection/sessions/:id', async (req, reply) => {
    await auth.revokeSessionOf(req.params.collection, req.auth, req.params.id, peerOf(req));
    return reply.code(204).send();
  });

  app.delete<{ Params: Params }>('/collections/:collection/sessions', { schema: { params } }, async (req, reply) => {
    await auth.revokeOtherSessions(req.params.collection, req.auth, recordOf(req), peerOf(req));
    return reply.code(204).send();
  });
};
