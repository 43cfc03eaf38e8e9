// The one Fastify instance: body parsing and limits, request ids, CORS, the `fields` picker, and the
// single error path that turns anything thrown (ours or Fastify's) into PocketBase's error shape.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import formbody from '@fastify/formbody';
import AjvCompiler from '@fastify/ajv-compiler';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { AppError, RateLimitedError, ValidationError, fieldError, toErrorBody, type FieldError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { allowAnyOrigin, registerPreflight } from './cors.js';
import { parseFields, pickFields } from './fields.js';
import { readMultipart, registerMultipart } from './multipart.js';
import { requestLoggerFactory } from './request-logger.js';

export interface HttpServerOptions {
  readonly log: Logger;
  /** Largest request body in bytes (PocketBase: 32 MiB). */
  readonly bodyLimit?: number;
  /** CIDRs whose X-Forwarded-For is believed. */
  readonly trustedProxies?: readonly string[];
}

export const DEFAULT_BODY_LIMIT = 32 * 1024 * 1024;
const MAX_HEADER_BYTES = 1024 * 1024;

/** Requests Node refuses before Fastify sees them (oversized headers, garbage) still get the error shape. */
function writeClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const body = JSON.stringify({ status, message: tooLarge ? 'Request header fields too large.' : 'Something went wrong while processing your request.', data: {} });
  socket.end(`HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
const BAD_BODY = 'Failed to load the submitted data due to invalid formatting.';

/** Fastify's own failures, as the codes clients see. */
const FASTIFY_CODES: Readonly<Record<string, () => AppError>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: () => new AppError('bad_request', BAD_BODY),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new AppError('bad_request', BAD_BODY),
  FST_ERR_CTP_BODY_TOO_LARGE: () => new AppError('payload_too_large'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new AppError('unsupported_media_type'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new AppError('bad_request'),
  FST_ERR_CTP_INVALID_TYPE: () => new AppError('bad_request', BAD_BODY),
};

const BY_STATUS: Readonly<Record<number, AppError['code']>> = {
  400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed',
  413: 'payload_too_large', 415: 'unsupported_media_type', 429: 'rate_limited', 503: 'unavailable',
};

/** Schema validation failures name the parameter that failed, as field errors. */
function validationError(err: FastifyError): AppError {
  const data: Record<string, FieldError> = {};
  for (const v of err.validation ?? []) {
    const missing = (v.params as { missingProperty?: string } | undefined)?.missingProperty;
    const key = missing ?? (v.instancePath.replace(/^\//, '').split('/')[0] || 'body');
    data[key] ??= fieldError(missing ? 'validation_required' : 'validation_invalid_value', missing ? 'Cannot be blank.' : 'Invalid value.');
  }
  return new ValidationError('Something went wrong while processing your request.', data);
}

/** Anything thrown to the AppError a client may see; null means an unexpected failure. */
export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  const e = err as Partial<FastifyError> & { type?: string };
  if (e?.validation) return validationError(e as FastifyError);
  if (typeof e?.code === 'string' && FASTIFY_CODES[e.code]) return FASTIFY_CODES[e.code]!();
  if (err instanceof SyntaxError && e.statusCode === 400) return new AppError('bad_request', BAD_BODY);
  const status = e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return new AppError(BY_STATUS[status] ?? 'bad_request');
  return null;
}

type ValidatorFactory = AjvCompiler.ValidatorFactory;
type RouteValidator = ReturnType<ReturnType<ValidatorFactory>>;

/**
 * Fastify's own ajv compiler, made lazy: each route's schema compiles on the route's first request,
 * not at start-up, where compiling every route's schemas took about a third of start-to-healthy.
 */
function lazyValidators(build: ValidatorFactory): ValidatorFactory {
  return (externalSchemas, options) => {
    let compile: ReturnType<ValidatorFactory> | undefined;
    return (route) => {
      let validate: RouteValidator | undefined;
      const lazy = ((data: unknown) => {
        validate ??= (compile ??= build(externalSchemas, options))(route);
        const result = validate(data);
        lazy.errors = validate.errors;
        return result;
      }) as RouteValidator;
      return lazy;
    };
  };
}

/**
 * Closes, at shutdown, every connection that carries no request: Node's `server.close()` closes
 * idle keep-alive connections but waits on one that was opened and never used (clients open
 * spare connections; undici does when a streamed response is aborted), which held shutdown
 * for over a minute. Connections with a request in flight are left to finish.
 */
function closeUnusedConnectionsOnShutdown(app: FastifyInstance): void {
  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  app.addHook('preClose', (done) => {
    // NOTE: `_httpMessage` is the response a socket is serving; Node has no public accessor.
    for (const socket of sockets) if (!(socket as Socket & { _httpMessage?: unknown })._httpMessage) socket.destroy();
    done();
  });
}

export async function createHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const proxies = options.trustedProxies ?? [];
  const app = Fastify({
    loggerInstance: options.log as FastifyBaseLogger,
    childLoggerFactory: requestLoggerFactory(options.log),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    trustProxy: proxies.length > 0 ? [...proxies] : false,
    // NOTE: long filters travel in the URL; Node's default 16 KiB header limit would cut them off
    // long before the filter limits answer (PocketBase allows about 1 MiB).
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    clientErrorHandler: writeClientError,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    schemaController: { compilersFactory: { buildValidator: lazyValidators(AjvCompiler()) } },
  });

  app.decorateRequest('auth', null);
  closeUnusedConnectionsOnShutdown(app);

  // NOTE: the SDK sends `Content-Type: application/json` with no body on POSTs like auth-refresh;
  // PocketBase reads that as an empty body, Fastify's default parser as an error.
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (typeof body === 'string' && body.trim() === '') {
      done(null, undefined);
      return;
    }
    parseJson(req, body.toString(), done);
  });
  await app.register(formbody);
  await registerMultipart(app, options.bodyLimit ?? DEFAULT_BODY_LIMIT);
  registerPreflight(app);

  // The hooks below run on every request: callback style, so they cost no promise and no extra tick.
  // Multipart bodies become plain objects; an absent body reads as `{}`, as PocketBase binds it,
  // so body schemas still apply.
  app.addHook('preValidation', (req, _reply, done) => {
    if (req.isMultipart()) {
      readMultipart(req).then((body) => {
        req.body = body;
        done();
      }, done);
      return;
    }
    if (req.body === undefined && (req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH')) req.body = {};
    done();
  });

  // Set before the route runs, these headers stay on every answer, errors and 404s included.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    allowAnyOrigin(reply);
    done();
  });

  app.addHook('preSerialization', (req, reply, payload, done) => {
    const raw = (req.query as { fields?: unknown } | undefined)?.fields;
    const fields = Array.isArray(raw) ? raw[0] : raw;
    if (typeof fields !== 'string' || reply.statusCode < 200 || reply.statusCode >= 300) {
      done(null, payload);
      return;
    }
    let picked: unknown;
    try {
      const tree = parseFields(fields);
      picked = tree ? pickFields(payload, tree) : payload;
    } catch (err) {
      done(err as Error);
      return;
    }
    done(null, picked);
  });

  app.setErrorHandler((err, req, reply) => {
    const known = toAppError(err);
    if (!known) req.log.error({ err }, 'unhandled error');
    else if (known.code === 'internal') req.log.error({ err }, 'internal error');
    const body = toErrorBody(known ?? err);
    if (known instanceof RateLimitedError) reply.header('retry-after', String(Math.max(1, Math.ceil(known.retryAfter))));
    return reply.code(body.status).type('application/json').send(body);
  });

  app.setNotFoundHandler((req, reply) => {
    const body = toErrorBody(new AppError('not_found'));
    return reply.code(body.status).send(body);
  });

  return app;
}
