// The HTTP layer as any client meets it: health, error shape for Fastify's own failures, limits,
// CORS and request ids. SQLite only: nothing here depends on the engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableEngines } from '../helpers/engines.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const sqlite = availableEngines().find((e) => e.name === 'sqlite')!;

const isErrorShape = (body: unknown, status: number): boolean => {
  const b = body as { status?: unknown; message?: unknown; data?: unknown };
  return b !== null && b.status === status && typeof b.message === 'string' && b.message !== '' && typeof b.data === 'object' && b.data !== null;
};

describe('http server', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ engine: sqlite });
    const token = await t.superuserToken();
    await t.post('/api/collections', { name: 'notes', listRule: '', viewRule: '', createRule: '', fields: [{ name: 'text', type: 'text' }] }, { token });
  });
  afterAll(() => t?.close());

  it('answers health and readiness', async () => {
    expect((await t.get('/api/health')).body).toEqual({ code: 200, message: 'API is healthy.', data: {} });
    expect((await t.get('/api/health/ready')).status).toBe(200);
  });

  it.each([
    { name: 'unknown route', method: 'GET', path: '/api/nope', status: 404 },
    { name: 'unknown top-level path', method: 'GET', path: '/nothing/here', status: 404 },
    { name: 'wrong method', method: 'PUT', path: '/api/health', status: 404 },
    { name: 'malformed JSON', method: 'POST', path: '/api/collections/notes/records', body: '{"text": ', status: 400 },
    { name: 'JSON array body', method: 'POST', path: '/api/collections/notes/records', body: '[1,2]', status: 400 },
    { name: 'JSON string body', method: 'POST', path: '/api/collections/notes/records', body: '"text"', status: 400 },
    { name: 'unsupported media type', method: 'POST', path: '/api/collections/notes/records', body: '<x/>', headers: { 'content-type': 'application/xml' }, status: 415 },
    { name: 'proto pollution attempt', method: 'POST', path: '/api/collections/notes/records', body: '{"__proto__": {"admin": true}}', status: 400 },
  ])('$name → $status in the error shape', async ({ method, path, body, headers, status }) => {
    const res = await t.request(method, path, { body, headers });
    expect(res.status).toBe(status);
    expect(isErrorShape(res.body, status)).toBe(true);
  });

  it('refuses a 40 MB body with 413 and keeps serving', async () => {
    const huge = JSON.stringify({ text: 'x'.repeat(40 * 1024 * 1024) });
    const res = await t.request('POST', '/api/collections/notes/records', { body: huge });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ status: 413, message: 'Request entity too large.', data: {} });
    expect((await t.get('/api/collections/notes/records')).body.totalItems).toBe(0);
    expect((await t.get('/api/health')).status).toBe(200);
  });

  it('accepts an empty body sent as JSON, as the SDK does on some POSTs', async () => {
    const res = await t.request('POST', '/api/collections/notes/records', { headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
  });

  it('accepts urlencoded bodies', async () => {
    const res = await t.request('POST', '/api/collections/notes/records', { body: 'text=from+a+form', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(200);
    expect(res.body.text).toBe('from a form');
  });

  it('allows any origin and answers preflight requests', async () => {
    const res = await t.request('OPTIONS', '/api/collections/notes/records', {
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('PATCH');
  });

  it('lets the browser send the headers it asks for, on any path', async () => {
    const res = await t.request('OPTIONS', '/api/no/such/route', {
      headers: { origin: 'https://app.example', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
    expect(res.headers.get('content-length')).toBe('0');
  });

  it('lets any origin read errors too', async () => {
    for (const res of [await t.get('/api/nope', { headers: { origin: 'https://app.example' } }), await t.post('/api/collections/notes/records', '{bad', { headers: { origin: 'https://app.example' } })]) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('gives every response a request id', async () => {
    const a = await t.get('/api/health');
    const b = await t.get('/api/nope');
    expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.headers.get('x-request-id')).not.toBe(a.headers.get('x-request-id'));
  });

  it('serves the dashboard mount point', async () => {
    const res = await t.get('/_/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
  });
});

describe('multipart bodies', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ engine: sqlite });
    const token = await t.superuserToken();
    await t.post('/api/collections', {
      name: 'forms', createRule: '',
      fields: [{ name: 'title', type: 'text' }, { name: 'count', type: 'number' }, { name: 'done', type: 'bool' },
        { name: 'tags', type: 'select', values: ['a', 'b', 'c'], maxSelect: 3 }, { name: 'meta', type: 'json' }],
    }, { token });
  });
  afterAll(() => t?.close());

  it('converts text parts, repeats keys into lists and merges @jsonPayload', async () => {
    const form = new FormData();
    form.append('title', '007');
    form.append('count', '12');
    form.append('done', 'true');
    form.append('tags', 'a');
    form.append('tags', 'c');
    form.append('@jsonPayload', JSON.stringify({ meta: { n: '12' } }));
    form.append('ignored', new Blob(['file body']), 'x.txt');
    const res = await fetch(`${t.url}/api/collections/forms/records`, { method: 'POST', body: form });
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ title: '007', count: 12, done: true, tags: ['a', 'c'], meta: { n: '12' } });
  });

  it('answers 400 for a broken @jsonPayload part', async () => {
    const form = new FormData();
    form.append('@jsonPayload', '{nope');
    const res = await fetch(`${t.url}/api/collections/forms/records`, { method: 'POST', body: form });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toBe('Failed to load the submitted data due to invalid formatting.');
  });
});

describe('oversized request heads', () => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp({ engine: sqlite }); });
  afterAll(() => t?.close());

  it('answers 431 in the error shape past 1 MiB of headers and keeps serving', async () => {
    const res = await t.get(`/api/health?pad=${'x'.repeat(1100 * 1024)}`);
    expect(res.status).toBe(431);
    expect(res.body).toEqual({ status: 431, message: 'Request header fields too large.', data: {} });
    expect((await t.get('/api/health')).status).toBe(200);
  });
});
