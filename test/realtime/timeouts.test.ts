// The stream's lifetime limits (API.md §7: closed after 5 min idle or 30 min in all, and the SDK
// reconnects), with the limits shortened: a hub with short timeouts behind the same routes.
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import { createHttpServer } from '../../src/http/index.js';
import { createMemoryBus } from '../../src/cache/index.js';
import { createRealtimeHub, createSharedRealtimeBus, realtimeRoutes, type RealtimeHub, type RealtimeHubOptions } from '../../src/realtime/index.js';
import { connect } from './sse.js';

describe('realtime stream limits', () => {
  let server: FastifyInstance | null = null;

  async function start(options: Omit<RealtimeHubOptions, 'bus'>): Promise<{ url: string; hub: RealtimeHub }> {
    const hub = createRealtimeHub({ bus: createSharedRealtimeBus(createMemoryBus()), ...options });
    server = await createHttpServer({ log: createLogger('silent') });
    await server.register(realtimeRoutes, { prefix: '/api', hub });
    return { url: await server.listen({ host: '127.0.0.1', port: 0 }), hub };
  }
  const subscribe = (url: string, clientId: string, subscriptions: string[]) =>
    fetch(`${url}/api/realtime`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId, subscriptions }) });

  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('closes a stream that carried no message for the idle timeout, and forgets the client', async () => {
    const { url, hub } = await start({ idleTimeoutMs: 300, pingIntervalMs: 0 });
    const { stream, clientId } = await connect(url);
    expect((await subscribe(url, clientId, ['news'])).status).toBe(204);
    expect(await stream.nextFrame()).toBeNull();
    expect(hub.get(clientId)).toBeUndefined();
    expect(hub.stats()).toEqual({ clients: 0, topics: 0 });
    expect((await subscribe(url, clientId, ['news'])).status).toBe(404);
  });

  it('messages keep a stream open; pings do not', async () => {
    const { url, hub } = await start({ idleTimeoutMs: 1500, pingIntervalMs: 50 });
    const { stream, clientId } = await connect(url);
    expect((await subscribe(url, clientId, ['news'])).status).toBe(204);
    // Pings arrive as comments, which EventSource ignores.
    const ping = await stream.nextFrame();
    expect(ping).toMatchObject({ kind: 'comment', raw: ': ping' });
    // Each message restarts the idle clock: the stream outlives several idle timeouts.
    for (let i = 0; i < 8; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await hub.publish('news', { i });
      let frame = await stream.nextFrame();
      while (frame?.kind === 'comment') frame = await stream.nextFrame();
      expect(frame).toMatchObject({ event: 'news', data: JSON.stringify({ i }) });
    }
    // Then, pings alone do not keep it.
    let frame = await stream.nextFrame();
    while (frame?.kind === 'comment') frame = await stream.nextFrame();
    expect(frame).toBeNull();
    await vi.waitFor(() => expect(hub.stats().clients).toBe(0));
  });

  it('closes every stream after the longest connection time, busy or not', async () => {
    const { url, hub } = await start({ maxConnectionMs: 500, pingIntervalMs: 0 });
    const { stream, clientId } = await connect(url);
    expect((await subscribe(url, clientId, ['news'])).status).toBe(204);
    const publisher = setInterval(() => void hub.publish('news', 'tick'), 50);
    try {
      let frame = await stream.nextFrame();
      while (frame) frame = await stream.nextFrame();
    } finally {
      clearInterval(publisher);
    }
    expect(hub.stats()).toEqual({ clients: 0, topics: 0 });
  });

  it('drops a client that stops reading instead of buffering for it', async () => {
    const { url, hub } = await start({ maxPendingBytes: 64 * 1024, pingIntervalMs: 0 });
    const { clientId } = await connect(url);
    expect((await subscribe(url, clientId, ['big'])).status).toBe(204);
    // The reader never reads again: socket buffers fill, then the hub lets go.
    const chunk = 'x'.repeat(64 * 1024);
    await vi.waitFor(async () => {
      await hub.publish('big', chunk);
      expect(hub.get(clientId)).toBeUndefined();
    }, { timeout: 20_000, interval: 1 });
    expect(hub.stats()).toEqual({ clients: 0, topics: 0 });
  });

  it('refuses new streams once closed', async () => {
    const { url, hub } = await start({});
    const { stream } = await connect(url);
    hub.close();
    expect(await stream.nextFrame()).toBeNull();
    const res = await fetch(`${url}/api/realtime`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(hub.stats().clients).toBe(0);
  });
});
