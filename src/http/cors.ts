// CORS as PocketBase serves it by default: any origin may call the API. Written here rather than
// taken from @fastify/cors because it runs on every request, where that plugin's per-request
// option merging measured about 5% of a GET by id; the whole policy fits in two functions.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const ALLOWED_METHODS = 'GET, HEAD, PUT, PATCH, POST, DELETE';

/** Every answer may be read by any origin; called from the one onRequest hook. */
export function allowAnyOrigin(reply: FastifyReply): void {
  reply.header('access-control-allow-origin', '*');
}

/** Preflight requests (any OPTIONS) get the methods and the headers the browser asked for. */
export function registerPreflight(app: FastifyInstance): void {
  app.options('*', (req: FastifyRequest, reply: FastifyReply) => {
    reply.header('access-control-allow-methods', ALLOWED_METHODS);
    reply.header('vary', 'Access-Control-Request-Headers');
    const requested = req.headers['access-control-request-headers'];
    if (requested !== undefined) reply.header('access-control-allow-headers', requested);
    // Safari waits for a body on a 204 without an explicit zero length.
    reply.code(204).header('content-length', '0').send();
  });
}
