// HTTP shapes of the collections API (superusers only): PocketBase's paths and statuses.
import type { FastifyPluginAsync } from 'fastify';
import { requestInfo, requireSuperuser } from '../http/index.js';
import { parseListParams } from '../query/index.js';
import type { CollectionService } from './service.js';

type Params = { collection: string };

const idParam = {
  type: 'object',
  properties: { collection: { type: 'string', minLength: 1, maxLength: 255 } },
  required: ['collection'],
} as const;

const importBody = {
  type: 'object',
  properties: { collections: { type: 'array', maxItems: 1000, items: { type: 'object' } }, deleteMissing: { type: 'boolean' } },
  required: ['collections'],
} as const;
const collectionBody = { type: 'object' } as const;

export const collectionRoutes: FastifyPluginAsync<{ collections: CollectionService }> = async (app, { collections }) => {
  app.addHook('preHandler', async (req) => {
    requireSuperuser(req);
  });

  app.get('/collections', async (req) => collections.list(parseListParams(req.query as Record<string, unknown>), requestInfo(req)));

  app.get('/collections/meta/scaffolds', async () => collections.scaffolds());

  app.put('/collections/import', { schema: { body: importBody } }, async (req, reply) => {
    await collections.importCollections(req.body);
    return reply.code(204).send();
  });

  app.post('/collections', { schema: { body: collectionBody } }, async (req) => collections.create(req.body));

  app.get<{ Params: Params }>('/collections/:collection', { schema: { params: idParam } }, async (req) => collections.view(req.params.collection));

  app.patch<{ Params: Params }>('/collections/:collection', { schema: { params: idParam, body: collectionBody } }, async (req) =>
    collections.update(req.params.collection, req.body ?? {}));

  app.delete<{ Params: Params }>('/collections/:collection', { schema: { params: idParam } }, async (req, reply) => {
    await collections.remove(req.params.collection);
    return reply.code(204).send();
  });

  app.delete<{ Params: Params }>('/collections/:collection/truncate', { schema: { params: idParam } }, async (req, reply) => {
    await collections.truncate(req.params.collection);
    return reply.code(204).send();
  });
};
