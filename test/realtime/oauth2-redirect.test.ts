// The OAuth2 popup flow's redirect (API.md §6) on every engine, with the official SDK listening
// on `@oauth2` over a real EventSource (npm `eventsource`: Node 20 has none), and the provider's
// GET and form POST played by fetch. Another IP cannot be made on loopback; a wrong state can.
import { EventSource } from 'eventsource';
import type PocketBase from 'pocketbase';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { sdkClient } from '../helpers/sdk.js';

(globalThis as { EventSource?: unknown }).EventSource ??= EventSource;

const SUCCESS = '/_/#/auth/oauth2-redirect-success';
const FAILURE = '/_/#/auth/oauth2-redirect-failure';

for (const engine of availableEngines()) {
  describe(`${engine.name}: OAuth2 redirect to the realtime client`, () => {
    let t: TestApp;

    beforeAll(async () => { t = await startTestApp({ engine }); });
    afterAll(() => t?.close());

    /** An SDK client waiting on `@oauth2`, as authWithOAuth2's popup flow does. */
    async function waitingClient(): Promise<{ pb: PocketBase; received: Array<Record<string, unknown>> }> {
      const pb = sdkClient(t.url);
      const received: Array<Record<string, unknown>> = [];
      await pb.realtime.subscribe('@oauth2', (data: Record<string, unknown>) => { received.push(data); });
      expect(pb.realtime.clientId).toMatch(/^[a-z0-9]{40}$/);
      return { pb, received };
    }
    const redirect = (query: string) => fetch(`${t.url}/api/oauth2-redirect?${query}`, { redirect: 'manual' });
    const postForm = (body: string, type = 'application/x-www-form-urlencoded') =>
      fetch(`${t.url}/api/oauth2-redirect`, { method: 'POST', redirect: 'manual', headers: { 'content-type': type }, body });
    const subscriptionsOf = (clientId: string) => [...(t.app.realtime.get(clientId)?.subscriptions.keys() ?? [])];

    it('GET with state and code: the client gets {state, code}, loses @oauth2, the browser goes to success (307)', async () => {
      const { pb, received } = await waitingClient();
      try {
        const state = pb.realtime.clientId;
        expect(subscriptionsOf(state)).toEqual(['@oauth2']);
        const res = await redirect(`state=${state}&code=abc`);
        expect(res.status).toBe(307);
        expect(res.headers.get('location')).toBe(SUCCESS);
        await vi.waitFor(() => expect(received).toEqual([{ state, code: 'abc' }]));
        expect(subscriptionsOf(state)).toEqual([]);

        // One code per popup: the same state again finds no waiting client.
        const again = await redirect(`state=${state}&code=def`);
        expect(again.status).toBe(307);
        expect(again.headers.get('location')).toBe(FAILURE);
        expect(received).toHaveLength(1);
      } finally {
        await pb.realtime.unsubscribe();
      }
    });

    it('POST form (Apple\'s form_post): the client gets the code, the browser goes to success (303)', async () => {
      const { pb, received } = await waitingClient();
      try {
        const state = pb.realtime.clientId;
        const res = await postForm(new URLSearchParams({ state, code: 'apple-code', user: '{"name":{}}' }).toString());
        expect(res.status).toBe(303);
        expect(res.headers.get('location')).toBe(SUCCESS);
        await vi.waitFor(() => expect(received).toEqual([{ state, code: 'apple-code' }]));
      } finally {
        await pb.realtime.unsubscribe();
      }
    });

    it('a provider error reaches the client (so the SDK fails at once) and the browser goes to failure', async () => {
      const { pb, received } = await waitingClient();
      try {
        const state = pb.realtime.clientId;
        const res = await redirect(`state=${state}&error=access_denied`);
        expect(res.status).toBe(307);
        expect(res.headers.get('location')).toBe(FAILURE);
        await vi.waitFor(() => expect(received).toEqual([{ state, code: '', error: 'access_denied' }]));
        expect(subscriptionsOf(state)).toEqual([]);
      } finally {
        await pb.realtime.unsubscribe();
      }
    });

    it('a missing code is a failure', async () => {
      const { pb, received } = await waitingClient();
      try {
        const state = pb.realtime.clientId;
        const res = await redirect(`state=${state}`);
        expect(res.headers.get('location')).toBe(FAILURE);
        await vi.waitFor(() => expect(received).toEqual([{ state, code: '' }]));
      } finally {
        await pb.realtime.unsubscribe();
      }
    });

    it.each([
      { name: 'an unknown state', query: () => 'state=nosuchclient&code=abc' },
      { name: 'no state', query: () => 'code=abc' },
      { name: 'a state given twice', query: () => 'state=nosuchclient&state=other&code=abc' },
    ])('$name: failure, and the waiting client gets nothing', async ({ query }) => {
      const { pb, received } = await waitingClient();
      try {
        const res = await redirect(query());
        expect(res.status).toBe(307);
        expect(res.headers.get('location')).toBe(FAILURE);
        // Still waiting, and a marker proves nothing arrived before it.
        expect(subscriptionsOf(pb.realtime.clientId)).toEqual(['@oauth2']);
        await t.app.realtime.publish('@oauth2', { marker: true });
        await vi.waitFor(() => expect(received).toEqual([{ marker: true }]));
      } finally {
        await pb.realtime.unsubscribe();
      }
    });

    it('a client not subscribed to @oauth2 is not sent the code', async () => {
      const pb = sdkClient(t.url);
      const received: unknown[] = [];
      await pb.realtime.subscribe('other', (data) => { received.push(data); });
      try {
        const res = await redirect(`state=${pb.realtime.clientId}&code=abc`);
        expect(res.headers.get('location')).toBe(FAILURE);
        expect(subscriptionsOf(pb.realtime.clientId)).toEqual(['other']);
      } finally {
        await pb.realtime.unsubscribe();
      }
    });

    it.each([
      { name: 'a malformed JSON body', body: '{"state":', type: 'application/json' },
      { name: 'an unsupported body type', body: 'state=x', type: 'text/plain' },
      { name: 'an empty form', body: '', type: 'application/x-www-form-urlencoded' },
    ])('POST with $name: failure (303), never an API error', async ({ body, type }) => {
      const res = await postForm(body, type);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe(FAILURE);
    });

    it('leaves no client behind once the SDK disconnects', async () => {
      const { pb } = await waitingClient();
      await pb.realtime.unsubscribe();
      await vi.waitFor(() => expect(t.app.realtime.stats()).toEqual({ clients: 0, topics: 0 }));
    });
  });
}
