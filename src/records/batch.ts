// `POST /api/batch`: many record writes in one transaction, all or nothing, with one result per
// request, as PocketBase's batch API (API.md §9).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { AppError, ValidationError, fieldError, toErrorBody, type FieldError } from '../core/errors.js';
import { parseFields, pickFields, requestInfo } from '../http/index.js';
import type { RecordContext, RecordOperations, RecordService } from './service.js';

export interface BatchLimits {
  /** Requests in one batch (PocketBase's `batch.maxRequests`). */
  readonly maxRequests: number;
  /** Time the whole transaction may take (PocketBase's `batch.timeout`). */
  readonly timeoutMs: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxRequests: 50, timeoutMs: 3000 };

type Method = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface BatchItem {
  readonly method: Method;
  readonly collection: string;
  readonly id: string | null;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface BatchResult {
  readonly status: number;
  readonly body: unknown;
}

const INVALID = 'Invalid batch request data.';
const RECORDS_URL = /^\/api\/collections\/([^/?#]+)\/records(?:\/([^/?#]+))?\/?(?:\?(.*))?$/;
// Which methods may go to the collection URL and which to a record's URL.
const ON_COLLECTION: ReadonlySet<Method> = new Set(['POST', 'PUT']);
const ON_RECORD: ReadonlySet<Method> = new Set(['PATCH', 'DELETE']);

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(value)) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k.toLowerCase()] = v;
  return out;
}

function parseItem(raw: unknown): BatchItem | FieldError {
  if (!isObject(raw)) return fieldError('validation_invalid_value', 'Must be an object.');
  const method = typeof raw.method === 'string' ? raw.method.toUpperCase() : '';
  const url = typeof raw.url === 'string' ? raw.url : '';
  const m = RECORDS_URL.exec(url);
  const isAllowed = m !== null && (m[2] === undefined ? ON_COLLECTION.has(method as Method) : ON_RECORD.has(method as Method));
  if (!m || !isAllowed) return fieldError('validation_invalid_value', `${method || 'The'} ${url || 'request'} is not allowed in a batch.`);
  if (raw.body !== undefined && raw.body !== null && !isObject(raw.body)) return fieldError('validation_invalid_value', 'The body must be an object.');
  let collection: string;
  let id: string | null;
  try {
    collection = decodeURIComponent(m[1]!);
    id = m[2] === undefined ? null : decodeURIComponent(m[2]);
  } catch {
    return fieldError('validation_invalid_value', 'Invalid url.');
  }
  return {
    method: method as Method,
    collection,
    id,
    query: Object.fromEntries(new URLSearchParams(m[3] ?? '')),
    headers: stringMap(raw.headers),
    body: isObject(raw.body) ? raw.body : {},
  };
}

/** Validates the whole payload before anything runs; a bad item fails the batch with its index. */
export function parseBatch(body: unknown, limits: BatchLimits): BatchItem[] {
  const requests = isObject(body) ? body.requests : undefined;
  if (!Array.isArray(requests) || requests.length === 0) {
    throw new ValidationError(INVALID, { requests: fieldError('validation_required', 'Cannot be blank.') });
  }
  if (requests.length > limits.maxRequests) {
    throw new ValidationError(INVALID, {
      requests: fieldError('validation_length_out_of_range', `The length must be between 0 and ${limits.maxRequests}.`, { min: 0, max: limits.maxRequests }),
    });
  }
  const items: BatchItem[] = [];
  const errors: Record<string, FieldError> = {};
  requests.forEach((raw, i) => {
    const parsed = parseItem(raw);
    if ('method' in parsed) items.push(parsed);
    else errors[String(i)] = parsed;
  });
  if (Object.keys(errors).length > 0) throw new ValidationError(INVALID, { requests: errors });
  return items;
}

async function runItem(ops: RecordOperations, item: BatchItem, ctx: RecordContext): Promise<BatchResult> {
  let body: unknown;
  switch (item.method) {
    case 'POST':
      body = await ops.create(item.collection, item.body, ctx);
      break;
    case 'PUT': {
      // Upsert: an update when the body names an existing record, a create otherwise.
      const id = typeof item.body.id === 'string' ? item.body.id : '';
      body = id !== '' && (await ops.exists(item.collection, id))
        ? await ops.update(item.collection, id, item.body, ctx)
        : await ops.create(item.collection, item.body, ctx);
      break;
    }
    case 'PATCH':
      body = await ops.update(item.collection, item.id!, item.body, ctx);
      break;
    case 'DELETE':
      await ops.remove(item.collection, item.id!, ctx);
      return { status: 204, body: null };
  }
  const fields = item.query.fields ? parseFields(item.query.fields) : null;
  return { status: 200, body: fields ? pickFields(body, fields) : body };
}

/** One item's view of the request: the caller's auth, the item's body, query and headers, context `batch`. */
function itemContext(req: FastifyRequest, item: BatchItem): RecordContext {
  const base = requestInfo(req, 'batch');
  const { authorization: _ignored, ...itemHeaders } = item.headers;
  return {
    auth: req.auth,
    request: { ...base, method: item.method, query: item.query, headers: { ...base.headers, ...itemHeaders }, body: item.body },
    expand: item.query.expand,
  };
}

class BatchItemError extends Error {
  constructor(readonly index: number, readonly error: unknown) {
    super('batch item failed');
  }
}

export async function runBatch(records: RecordService, req: FastifyRequest, items: readonly BatchItem[], limits: BatchLimits): Promise<BatchResult[]> {
  const deadline = Date.now() + limits.timeoutMs;
  const timedOut = (index: number): BatchItemError =>
    new BatchItemError(index, new AppError('bad_request', 'The batch transaction took too long.'));
  try {
    return await records.batch(async (ops) => {
      const results: BatchResult[] = [];
      for (const [i, item] of items.entries()) {
        if (Date.now() > deadline) throw timedOut(i);
        try {
          results.push(await runItem(ops, item, itemContext(req, item)));
        } catch (err) {
          throw new BatchItemError(i, err);
        }
      }
      // Past the deadline nothing commits, even when every item went through.
      if (Date.now() > deadline) throw timedOut(items.length - 1);
      return results;
    });
  } catch (err) {
    if (!(err instanceof BatchItemError)) throw err;
    const response = toErrorBody(err.error);
    if (response.status >= 500) throw err.error;
    throw new ValidationError('Batch transaction failed.', {
      requests: { [String(err.index)]: { code: 'batch_request_failed', message: 'Batch request failed.', response } },
    });
  }
}

export const batchRoutes: FastifyPluginAsync<{ records: RecordService; limits?: BatchLimits }> = async (app, { records, limits = DEFAULT_BATCH_LIMITS }) => {
  app.post('/batch', async (req) => runBatch(records, req, parseBatch(req.body, limits), limits));
};
