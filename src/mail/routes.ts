// `GET /api/mails` and `/api/mails/{id}` (superusers): what the dev catcher kept.
import type { FastifyPluginAsync } from 'fastify';
import { AppError } from '../core/errors.js';
import { requireSuperuser } from '../http/index.js';
import { parseListParams } from '../query/index.js';
import type { MailCatcher } from './ports.js';

export const mailRoutes: FastifyPluginAsync<{ catcher: MailCatcher }> = async (app, { catcher }) => {
  app.get('/mails', async (req) => {
    requireSuperuser(req);
    const params = parseListParams(req.query as Record<string, unknown>);
    return catcher.list(params.page, params.perPage);
  });

  app.get<{ Params: { id: string } }>('/mails/:id', async (req) => {
    requireSuperuser(req);
    const mail = await catcher.get(req.params.id);
    if (!mail) throw new AppError('not_found');
    return mail;
  });
};
