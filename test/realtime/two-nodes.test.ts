// Realtime across two nodes on one database and one Redis (API.md §7): the stream, the subscribe
// POST, the publisher and the OAuth2 redirect may each reach a different node. The stream is read
// raw or through the official SDK on node A; everything else goes to node B.
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines, redisUrl } from '../helpers/engines.js';
import { sdkClient } from '../helpers/sdk.js';
import { expectError, signUp, type SignedInUser } from '../records/fixtures.js';
import { connect } from './sse.js';

(globalThis as { EventSource?: unknown }).EventSource ??= EventSource;

const REDIS = redisUrl();

const SUCCESS = '/_/#/auth/oauth2-redirect-success';
const FAILURE = '/_/#/auth/oauth2-redirect-failure';
const MISMATCH = "The current and the previous request authorization don't match.";

// Skipped only where redis-server is not installed (the global setup warns; CI requires it).
describe.skipIf(REDIS === null)('nodes sharing Redis', () => {
  for (const engine of availableEngines()) {
    describe(`${engine.name}: realtime across two nodes sharing Redis`, () => {
      let a: TestApp;
      let b: TestApp;
      let alice: SignedInUser;
      let bob: SignedInUser;
      // One Redis serves every engine's pair (and other test files): topics of their own keep them apart.
      const topic = (name: string) => `${name}-${engine.name}`;

      beforeAll(async () => {
        a = await startTestApp({ engine, env: { MS_REDIS_URL: REDIS! } });
        b = await startTestApp({ engine, env: { MS_REDIS_URL: REDIS! }, database: a.database });
        alice = await signUp(a, `alice-rt-${engine.name}@example.com`);
        bob = await signUp(a, `bob-rt-${engine.name}@example.com`);
      });
      afterAll(async () => {
        await b?.close();
        await a?.close();
      });

      const subscribeOn = (node: TestApp, clientId: string, subscriptions: string[], token?: string) =>
        node.post('/api/realtime', { clientId, subscriptions }, { token });
      const subscriptionsOn = (node: TestApp, clientId: string) => [...(node.app.realtime.get(clientId)?.subscriptions.keys() ?? [])];

      it('a POST on B subscribes a stream held by A, and B\'s publish and sendTo reach it', async () => {
        const client = await connect(a.url);
        try {
          expect(b.app.realtime.get(client.clientId)).toBeUndefined();
          const res = await subscribeOn(b, client.clientId, [topic('news'), topic('sport')]);
          expect(res.status, res.text).toBe(204);
          expect(subscriptionsOn(a, client.clientId)).toEqual([topic('news'), topic('sport')]);
          expect(b.app.realtime.stats()).toEqual({ clients: 0, topics: 0 });

          await b.app.realtime.publish(topic('weather'), { sunny: true });
          await b.app.realtime.publish(topic('news'), { title: 'hello from B' });
          // Nothing for `weather` came first.
          expect(await client.stream.nextEvent()).toMatchObject({ id: client.clientId, event: topic('news'), data: '{"title":"hello from B"}' });

          await b.app.realtime.sendTo(client.clientId, 'direct', { to: 'A' });
          expect(await client.stream.nextEvent()).toMatchObject({ event: 'direct', data: '{"to":"A"}' });

          // The whole set is replaced, through B again.
          expect((await subscribeOn(b, client.clientId, [])).status).toBe(204);
          expect(subscriptionsOn(a, client.clientId)).toEqual([]);
        } finally {
          client.stream.close();
        }
      });

      it('a signed-in POST on B gives A\'s stream that identity, and a different one after it is refused (403)', async () => {
        const client = await connect(a.url);
        try {
          expect((await subscribeOn(b, client.clientId, ['x'], alice.token)).status).toBe(204);
          const held = a.app.realtime.get(client.clientId)!;
          expect(held.auth).toMatchObject({ collectionName: 'users', record: { id: alice.id, email: alice.email }, isSuperuser: false });
          // The token stayed on B: A re-read the record by id.
          expect(held.auth?.token).toBe('');

          for (const token of [bob.token, undefined, await a.superuserToken()]) {
            expectError(await subscribeOn(b, client.clientId, ['y'], token), 403, { message: MISMATCH });
          }
          expect(subscriptionsOn(a, client.clientId)).toEqual(['x']);
          expect(a.app.realtime.get(client.clientId)!.auth?.record.id).toBe(alice.id);

          // The same user again, from either node.
          expect((await subscribeOn(b, client.clientId, ['y'], alice.token)).status).toBe(204);
          expect((await subscribeOn(a, client.clientId, ['z'], alice.token)).status).toBe(204);
          expect(subscriptionsOn(a, client.clientId)).toEqual(['z']);
        } finally {
          client.stream.close();
        }
      });

      it('an unknown client id is 404 on B once no node claims it', async () => {
        expectError(await subscribeOn(b, 'nosuchclient', ['x']), 404, { message: 'Missing or invalid client id.' });
      });

      it('an OAuth2 redirect on B reaches the SDK client waiting on A: 307 to success, and one code per popup', async () => {
        const pb = sdkClient(a.url);
        const received: Array<Record<string, unknown>> = [];
        await pb.realtime.subscribe('@oauth2', (data: Record<string, unknown>) => { received.push(data); });
        try {
          const state = pb.realtime.clientId;
          expect(subscriptionsOn(a, state)).toEqual(['@oauth2']);

          const res = await fetch(`${b.url}/api/oauth2-redirect?state=${state}&code=code-via-b`, { redirect: 'manual' });
          expect(res.status).toBe(307);
          expect(res.headers.get('location')).toBe(SUCCESS);
          await vi.waitFor(() => expect(received).toEqual([{ state, code: 'code-via-b' }]));
          expect(subscriptionsOn(a, state)).toEqual([]);

          const again = await fetch(`${b.url}/api/oauth2-redirect?state=${state}&code=again`, { redirect: 'manual' });
          expect(again.status).toBe(307);
          expect(again.headers.get('location')).toBe(FAILURE);
          expect(received).toHaveLength(1);
        } finally {
          await pb.realtime.unsubscribe();
        }
      });

      it('a provider error posted to B (form_post) reaches the client on A, and the browser goes to failure (303)', async () => {
        const pb = sdkClient(a.url);
        const received: Array<Record<string, unknown>> = [];
        await pb.realtime.subscribe('@oauth2', (data: Record<string, unknown>) => { received.push(data); });
        try {
          const state = pb.realtime.clientId;
          const res = await fetch(`${b.url}/api/oauth2-redirect`, {
            method: 'POST', redirect: 'manual',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ state, error: 'access_denied' }).toString(),
          });
          expect(res.status).toBe(303);
          expect(res.headers.get('location')).toBe(FAILURE);
          await vi.waitFor(() => expect(received).toEqual([{ state, code: '', error: 'access_denied' }]));
          expect(subscriptionsOn(a, state)).toEqual([]);
        } finally {
          await pb.realtime.unsubscribe();
        }
      });

      it('an OAuth2 redirect on B for a client no node holds, or one not waiting on @oauth2, goes to failure', async () => {
        const unknown = await fetch(`${b.url}/api/oauth2-redirect?state=nosuchclient&code=abc`, { redirect: 'manual' });
        expect(unknown.status).toBe(307);
        expect(unknown.headers.get('location')).toBe(FAILURE);

        const client = await connect(a.url);
        try {
          expect((await subscribeOn(a, client.clientId, [topic('other')])).status).toBe(204);
          const res = await fetch(`${b.url}/api/oauth2-redirect?state=${client.clientId}&code=abc`, { redirect: 'manual' });
          expect(res.headers.get('location')).toBe(FAILURE);
          expect(subscriptionsOn(a, client.clientId)).toEqual([topic('other')]);
          // Nothing reached the stream before this marker.
          await b.app.realtime.sendTo(client.clientId, 'marker', {});
          expect(await client.stream.nextEvent()).toMatchObject({ event: 'marker' });
        } finally {
          client.stream.close();
        }
      });
    });
  }
});
