// The guarded client against a loopback server only: refusals, the size cap and the deadline.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundClient, OutboundError } from './client.js';

describe('outbound client', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/big') return res.end('x'.repeat(4096));
      if (req.url === '/slow') return; // never answers
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true, method: req.method }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const kindOf = async (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof OutboundError ? e.kind : String(e)));

  it.each([
    ['an IPv4 loopback literal', () => `http://127.0.0.1:${port}/`],
    ['an IPv6 loopback literal', () => `http://[::1]:${port}/`],
    ['a mapped IPv6 literal', () => `http://[::ffff:127.0.0.1]:${port}/`],
    ['a name that resolves to loopback', () => `http://localhost:${port}/`],
  ])('refuses %s by default', async (_name, url) => {
    expect(await kindOf(createOutboundClient({ allowPrivate: false }).request({ url: url() }))).toBe('blocked');
  });

  it.each(['ftp://127.0.0.1/', 'not a url', 'http://user:pw@127.0.0.1/'])('refuses %s', async (url) => {
    expect(await kindOf(createOutboundClient({ allowPrivate: true }).request({ url }))).toBe('bad_url');
  });

  it('reaches loopback when private addresses are allowed, through the name too', async () => {
    const client = createOutboundClient({ allowPrivate: true });
    const res = await client.request({ url: `http://localhost:${port}/`, method: 'POST', body: 'a=1' });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ ok: true, method: 'POST' });
  });

  it('caps the response size and enforces the deadline', async () => {
    const client = createOutboundClient({ allowPrivate: true, maxBytes: 1024, timeoutMs: 200 });
    expect(await kindOf(client.request({ url: `http://127.0.0.1:${port}/big` }))).toBe('too_large');
    expect(await kindOf(client.request({ url: `http://127.0.0.1:${port}/slow` }))).toBe('timeout');
  });
});
