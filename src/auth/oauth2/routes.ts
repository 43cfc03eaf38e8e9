// `POST /api/collections/{c}/auth-with-oauth2` (API.md §6).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { requestInfo } from '../../http/index.js';
import type { OAuth2Service } from './service.js';

const params = {
  type: 'object',
  properties: { collection: { type: 'string', minLength: 1, maxLength: 255 } },
  required: ['collection'],
} as const;

function expandOf(req: FastifyRequest): string | undefined {
  const raw = (req.query as Record<string, unknown> | undefined)?.expand;
  const first: unknown = Array.isArray(raw) ? raw[0] : raw;
  return typeof first === 'string' ? first : undefined;
}

export const oauth2Routes: FastifyPluginAsync<{ oauth2: OAuth2Service }> = async (app, { oauth2 }) => {
  app.post<{ Params: { collection: string } }>('/collections/:collection/auth-with-oauth2', { schema: { params } }, (req) =>
    oauth2.authWithOAuth2(req.params.collection, req.body, req.auth, {
      ip: req.ip,
      userAgent: String(req.headers['user-agent'] ?? ''),
      request: requestInfo(req, 'oauth2'),
      expand: expandOf(req),
    }));
};
