// `multipart/form-data` bodies as PocketBase reads them: text parts become values ("true"/"false"
// to booleans, canonical numbers to numbers), repeated keys become arrays, and each `@jsonPayload`
// part is a JSON object merged into the body unconverted.
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';

const JSON_PAYLOAD = '@jsonPayload';
const CANONICAL_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?$/;
const BAD_BODY = 'Failed to load the submitted data due to invalid formatting.';

/** PocketBase's conversion of one multipart text value. */
export function convertFormValue(value: string): unknown {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (CANONICAL_NUMBER.test(value)) {
    const n = Number(value);
    if (Number.isFinite(n) && String(n) === value) return n;
  }
  return value;
}

function append(body: Record<string, unknown>, key: string, value: unknown): void {
  if (!Object.prototype.hasOwnProperty.call(body, key)) {
    body[key] = value;
    return;
  }
  const current = body[key];
  body[key] = Array.isArray(current) ? [...current, value] : [current, value];
}

export async function readMultipart(req: FastifyRequest): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const merged: Record<string, unknown>[] = [];
  for await (const part of req.parts()) {
    if (part.type === 'file') {
      // TODO(files): store uploads; until then file parts are read and dropped.
      await part.toBuffer();
      continue;
    }
    const text = typeof part.value === 'string' ? part.value : String(part.value);
    if (part.fieldname === JSON_PAYLOAD) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new AppError('bad_request', BAD_BODY);
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new AppError('bad_request', BAD_BODY);
      merged.push(parsed as Record<string, unknown>);
      continue;
    }
    append(body, part.fieldname, convertFormValue(text));
  }
  for (const payload of merged) for (const [key, value] of Object.entries(payload)) body[key] = value;
  return { ...body };
}

/** Registers the multipart parser; `readMultipart` then turns a multipart request into a plain object body. */
export async function registerMultipart(app: FastifyInstance, bodyLimit: number): Promise<void> {
  await app.register(multipart, { limits: { fileSize: bodyLimit, fieldSize: bodyLimit, fields: 1000, parts: 2000 }, throwFileSizeLimit: true });
}
