// HTTP shapes of the records API: PocketBase's paths, statuses and query parameters.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { requestInfo } from '../http/index.js';
import { parseListParams } from '../query/index.js';
import type { RecordContext, RecordService } from './service.js';

type CollectionParams = { collection: string };
type RecordParams = { collection: string; id: string };

// NOTE: path parameters carry no schema: the router caps them at 500 characters, and an unknown
// collection or id is a 404 as in PocketBase — validating them cost ~2 µs on every request.
// Values arrive as strings (a repeated key as a list, of which the first counts, as in PocketBase);
// parseListParams gives a 400 for non-numbers, so the schema only bounds sizes.
const scalarOrList = (maxLength: number) => ({
  anyOf: [
    { type: 'string', maxLength },
    { type: 'array', maxItems: 50, items: { type: 'string', maxLength } },
  ],
}) as const;
const listQuery = {
  type: 'object',
  properties: {
    page: scalarOrList(20),
    perPage: scalarOrList(20),
    sort: scalarOrList(4000),
    filter: scalarOrList(1_000_000),
    skipTotal: scalarOrList(10),
    fields: scalarOrList(4000),
    expand: scalarOrList(4000),
  },
} as const;

// A record body is any object; its fields are checked against the collection by the service.
const recordBody = { type: 'object' } as const;

function firstValue(value: unknown): string | undefined {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

const contextOf = (req: FastifyRequest): RecordContext => ({
  auth: req.auth,
  request: requestInfo(req),
  expand: firstValue((req.query as { expand?: unknown } | undefined)?.expand),
  client: req.ip,
});

export const recordRoutes: FastifyPluginAsync<{ records: RecordService }> = async (app, { records }) => {
  app.get<{ Params: CollectionParams }>('/collections/:collection/records', { schema: { querystring: listQuery } }, (req) =>
    records.list(req.params.collection, parseListParams(req.query as Record<string, unknown>), contextOf(req)));

  app.get<{ Params: RecordParams }>('/collections/:collection/records/:id', (req) =>
    records.view(req.params.collection, req.params.id, contextOf(req)));

  app.post<{ Params: CollectionParams }>('/collections/:collection/records', { schema: { body: recordBody } }, (req) =>
    records.create(req.params.collection, req.body, contextOf(req)));

  app.patch<{ Params: RecordParams }>('/collections/:collection/records/:id', { schema: { body: recordBody } }, (req) =>
    records.update(req.params.collection, req.params.id, req.body, contextOf(req)));

  app.delete<{ Params: RecordParams }>('/collections/:collection/records/:id', async (req, reply) => {
    await records.remove(req.params.collection, req.params.id, contextOf(req));
    return reply.code(204).send();
  });
};
