// `GET`/`POST /api/realtime` (the event stream and its subscriptions) and `GET`/`POST
// /api/oauth2-redirect`, where OAuth2 providers send the browser back to the SDK's popup flow.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { toAppError } from '../http/index.js';
import type { RealtimeHub } from './hub.js';
import type { SseSink } from './ports.js';
import type { RealtimeRelay } from './relay.js';
import { forwardOAuth2Redirect, setSubscriptions } from './service.js';
import { parseSubscribeBody } from './topics.js';

export interface RealtimeRoutesOptions {
  readonly hub: RealtimeHub;
  /** With several nodes: reaches a client held by another node. Without it, only this node's clients. */
  readonly relay?: RealtimeRelay;
}

/** Where the popup lands; the dashboard's page tells the user to close it. */
export const OAUTH2_SUCCESS_PATH = '/_/#/auth/oauth2-redirect-success';
export const OAUTH2_FAILURE_PATH = '/_/#/auth/oauth2-redirect-failure';

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-store',
  // NOTE: nginx buffers proxied responses by default, which would hold events back.
  'x-accel-buffering': 'no',
} as const;

function sinkFor(reply: FastifyReply): SseSink {
  const res = reply.raw;
  return {
    write(chunk) {
      if (!res.writableEnded && !res.destroyed) res.write(chunk);
    },
    get pendingBytes() {
      return res.writableLength;
    },
    end() {
      if (!res.writableEnded && !res.destroyed) res.end();
    },
  };
}

/** A form or query value as one string: the first of repeated values, '' when absent. */
function textValue(source: unknown, name: string): string {
  if (source === null || typeof source !== 'object') return '';
  const value = (source as Record<string, unknown>)[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '';
}

export const realtimeRoutes: FastifyPluginAsync<RealtimeRoutesOptions> = async (app, { hub, relay }) => {
  // Open streams would keep the server from closing: end them before it waits for requests.
  app.addHook('preClose', (done) => {
    hub.close();
    done();
  });

  // HEAD would open a stream that sends nothing: not exposed.
  app.get('/realtime', { exposeHeadRoute: false }, (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    // The headers set so far (request id, CORS) are kept: EventSource is often cross-origin.
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) res.setHeader(name, value);
    res.writeHead(200, SSE_HEADERS);
    let clientId: string;
    try {
      clientId = hub.connect({ ip: req.ip, sink: sinkFor(reply) }).id;
    } catch {
      // Shutting down: the SDK reconnects elsewhere or later.
      res.end();
      return;
    }
    res.on('close', () => hub.disconnect(clientId));
    res.on('error', () => hub.disconnect(clientId));
  });

  app.post('/realtime', async (req, reply) => {
    const body = parseSubscribeBody(req.body);
    const request = { ...body, auth: req.auth, ip: req.ip };
    if (relay) await relay.setSubscriptions(request);
    else setSubscriptions(hub, request);
    return reply.code(204).send();
  });

  async function redirect(req: FastifyRequest, reply: FastifyReply, source: unknown, status: 303 | 307): Promise<FastifyReply> {
    const input = { state: textValue(source, 'state'), code: textValue(source, 'code'), error: textValue(source, 'error'), ip: req.ip };
    const outcome = relay ? await relay.forwardOAuth2Redirect(input) : await forwardOAuth2Redirect(hub, input);
    if (outcome !== 'success') req.log.debug({ outcome }, 'oauth2 redirect failed');
    return reply.redirect(outcome === 'success' ? OAUTH2_SUCCESS_PATH : OAUTH2_FAILURE_PATH, status);
  }

  app.get('/oauth2-redirect', (req, reply) => redirect(req, reply, req.query, 307));

  // Apple posts the answer as a form (response_mode=form_post); a body that cannot be read is a
  // failed sign-in for the person in the popup, not an API error.
  app.post('/oauth2-redirect', {
    errorHandler(err, req, reply) {
      if (toAppError(err)) req.log.debug({ err }, 'oauth2 redirect body unreadable');
      else req.log.error({ err }, 'oauth2 redirect failed');
      return reply.redirect(OAUTH2_FAILURE_PATH, 303);
    },
  }, (req, reply) => redirect(req, reply, req.body, 303));
};
