// Shutdown does not wait on connections that never sent a request (Node's server.close() would,
// for as long as the client keeps them open).
import { connect as tcpConnect } from 'node:net';
import { expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';

it('sqlite: app.close() closes connections that carry no request', async () => {
  const t = await startTestApp({ engine: availableEngines().find((e) => e.name === 'sqlite')! });
  const { port } = new URL(t.url);
  const socket = tcpConnect(Number(port), '127.0.0.1');
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  expect((await t.get('/api/health')).status).toBe(200);
  await t.close();
  await closed;
  expect(socket.destroyed).toBe(true);
});
