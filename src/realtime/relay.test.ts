// The relay's rules that two loopback servers cannot reach: another IP than the stream's, a caller
// whose record is gone by the time the holding node looks, and stray messages on its channels.
// Two nodes share one in-process Bus here; test/realtime/two-nodes.test.ts runs them over Redis.
import { describe, expect, it } from 'vitest';
import { createMemoryBus } from '../cache/index.js';
import type { AuthState } from '../core/auth-state.js';
import { AppError } from '../core/errors.js';
import { createSharedRealtimeBus } from './adapters/shared-bus.js';
import { createRealtimeHub, type RealtimeHub } from './hub.js';
import type { SseSink } from './ports.js';
import { ASK_CHANNEL, createRealtimeRelay, type IdentityRef, type RealtimeRelay } from './relay.js';

function recordingSink(): SseSink & { readonly frames: string[] } {
  const frames: string[] = [];
  return { frames, write: (chunk) => { frames.push(chunk); }, pendingBytes: 0, end: () => undefined };
}

const stateOf = (ref: IdentityRef): AuthState => ({
  collectionId: ref.collectionId, collectionName: 'users', record: { id: ref.recordId }, sessionId: ref.sessionId,
  isSuperuser: false, token: '', refreshable: false,
});

/** Two nodes on one Bus; `alive` is the set of record ids the shared database still holds. */
function twoNodes(alive: Set<string>): { bus: ReturnType<typeof createMemoryBus>; hubA: RealtimeHub; relayB: RealtimeRelay; close(): void } {
  const bus = createMemoryBus();
  const resolveIdentity = async (ref: IdentityRef) => (alive.has(ref.recordId) ? stateOf(ref) : null);
  const hubA = createRealtimeHub({ bus: createSharedRealtimeBus(bus), pingIntervalMs: 0 });
  const hubB = createRealtimeHub({ bus: createSharedRealtimeBus(bus), pingIntervalMs: 0 });
  createRealtimeRelay({ bus, hub: hubA, resolveIdentity, timeoutMs: 200 });
  const relayB = createRealtimeRelay({ bus, hub: hubB, resolveIdentity, timeoutMs: 200 });
  return { bus, hubA, relayB, close: () => { hubA.close(); hubB.close(); } };
}

async function errorOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => null, (err: unknown) => err);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('realtime relay between nodes', () => {
  it('refuses a subscribe request from another IP than the stream\'s (400), changing nothing', async () => {
    const nodes = twoNodes(new Set());
    const client = nodes.hubA.connect({ ip: '203.0.113.7', sink: recordingSink() });
    const error = await errorOf(nodes.relayB.setSubscriptions({ clientId: client.id, subscriptions: ['x'], auth: null, ip: '198.51.100.9' }));
    expect(error.code).toBe('bad_request');
    expect(client.subscriptions.size).toBe(0);
    await nodes.relayB.setSubscriptions({ clientId: client.id, subscriptions: ['x'], auth: null, ip: '203.0.113.7' });
    expect([...client.subscriptions.keys()]).toEqual(['x']);
    nodes.close();
  });

  it('rebuilds the caller from its ids on the holding node, and refuses one whose record is gone (401)', async () => {
    const alive = new Set(['alice']);
    const nodes = twoNodes(alive);
    const client = nodes.hubA.connect({ ip: '203.0.113.7', sink: recordingSink() });
    const auth = { ...stateOf({ collectionId: 'users-id', recordId: 'alice', sessionId: 's1' }), token: 'never-sent' };
    await nodes.relayB.setSubscriptions({ clientId: client.id, subscriptions: ['x'], auth, ip: '203.0.113.7' });
    expect(nodes.hubA.get(client.id)?.auth).toEqual({ ...auth, token: '' });

    alive.delete('alice');
    const error = await errorOf(nodes.relayB.setSubscriptions({ clientId: client.id, subscriptions: ['y'], auth, ip: '203.0.113.7' }));
    expect(error.code).toBe('unauthorized');
    expect([...client.subscriptions.keys()]).toEqual(['x']);
    nodes.close();
  });

  it('does not hand an OAuth2 code to a client from another IP', async () => {
    const nodes = twoNodes(new Set());
    const sink = recordingSink();
    const client = nodes.hubA.connect({ ip: '203.0.113.7', sink });
    nodes.hubA.update(client.id, { auth: null, subscriptions: ['@oauth2'] });
    const outcome = await nodes.relayB.forwardOAuth2Redirect({ state: client.id, code: 'abc', error: '', ip: '198.51.100.9' });
    expect(outcome).toBe('no_client');
    expect(sink.frames).toHaveLength(1); // PB_CONNECT only
    expect([...client.subscriptions.keys()]).toEqual(['@oauth2']);
    nodes.close();
  });

  it('ignores malformed messages on its channels and answers 404 when no node holds the client', async () => {
    const nodes = twoNodes(new Set());
    const client = nodes.hubA.connect({ ip: '203.0.113.7', sink: recordingSink() });
    for (const junk of ['not json', '[]', '{"op":"subscribe"}', JSON.stringify({ id: 'x', replyTo: 'y', ip: '203.0.113.7', op: 'subscribe', clientId: client.id, subscriptions: [1] })]) {
      nodes.bus.publish(ASK_CHANNEL, junk);
      nodes.bus.publish('realtime', junk);
    }
    expect(client.subscriptions.size).toBe(0);
    // A topic with a line break would forge SSE fields: refused on the holding node too, whatever the asker sent.
    nodes.bus.publish(ASK_CHANNEL, JSON.stringify({ id: 'x', replyTo: 'y', ip: '203.0.113.7', op: 'subscribe', clientId: client.id, subscriptions: ['a\nevent: forged'], identity: null }));
    expect(client.subscriptions.size).toBe(0);
    const error = await errorOf(nodes.relayB.setSubscriptions({ clientId: 'a'.repeat(40), subscriptions: ['x'], auth: null, ip: '203.0.113.7' }));
    expect(error).toMatchObject({ code: 'not_found', message: 'Missing or invalid client id.' });
    nodes.close();
  });

  it('answers ids no hub could have issued at once, without asking the other nodes', async () => {
    const bus = createMemoryBus();
    const asked: string[] = [];
    bus.subscribe(ASK_CHANNEL, (message) => asked.push(message));
    const hub = createRealtimeHub({ bus: createSharedRealtimeBus(bus), pingIntervalMs: 0 });
    // A minute's deadline: an answer that waited for it would time the test out.
    const relay = createRealtimeRelay({ bus, hub, resolveIdentity: async () => null, timeoutMs: 60_000 });
    for (const clientId of ['nosuchclient', 'A'.repeat(40), `${'a'.repeat(39)}-`]) {
      expect(await errorOf(relay.setSubscriptions({ clientId, subscriptions: ['x'], auth: null, ip: '203.0.113.7' }))).toMatchObject({ code: 'not_found' });
      expect(await relay.forwardOAuth2Redirect({ state: clientId, code: 'c', error: '', ip: '203.0.113.7' })).toBe('no_client');
    }
    expect(asked).toEqual([]);
    hub.close();
  });
});
