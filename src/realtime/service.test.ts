// The protocol rules that loopback tests cannot reach: another IP than the stream's, for the
// subscribe request and for the OAuth2 redirect.
import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.js';
import { createMemoryBus } from '../cache/index.js';
import { createSharedRealtimeBus } from './adapters/shared-bus.js';
import { createRealtimeHub } from './hub.js';
import type { SseSink } from './ports.js';
import { forwardOAuth2Redirect, setSubscriptions } from './service.js';

function recordingSink(): SseSink & { readonly frames: string[] } {
  const frames: string[] = [];
  return { frames, write: (chunk) => { frames.push(chunk); }, pendingBytes: 0, end: () => undefined };
}

describe('realtime rules by IP', () => {
  it('refuses subscriptions sent from another IP than the stream\'s (400), changing nothing', () => {
    const hub = createRealtimeHub({ bus: createSharedRealtimeBus(createMemoryBus()), pingIntervalMs: 0 });
    const client = hub.connect({ ip: '203.0.113.7', sink: recordingSink() });
    let error: unknown;
    try {
      setSubscriptions(hub, { clientId: client.id, subscriptions: ['@oauth2'], auth: null, ip: '198.51.100.9' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('bad_request');
    expect(client.subscriptions.size).toBe(0);
    setSubscriptions(hub, { clientId: client.id, subscriptions: ['@oauth2'], auth: null, ip: '203.0.113.7' });
    expect([...client.subscriptions.keys()]).toEqual(['@oauth2']);
    hub.close();
  });

  it('does not hand an OAuth2 code to a client connected from another IP', async () => {
    const hub = createRealtimeHub({ bus: createSharedRealtimeBus(createMemoryBus()), pingIntervalMs: 0 });
    const sink = recordingSink();
    const client = hub.connect({ ip: '203.0.113.7', sink });
    hub.update(client.id, { auth: null, subscriptions: ['@oauth2'] });
    expect(await forwardOAuth2Redirect(hub, { state: client.id, code: 'abc', error: '', ip: '198.51.100.9' })).toBe('no_client');
    expect(sink.frames).toHaveLength(1); // PB_CONNECT only
    expect(await forwardOAuth2Redirect(hub, { state: client.id, code: 'abc', error: '', ip: '203.0.113.7' })).toBe('success');
    expect(sink.frames[1]).toBe(`id:${client.id}\nevent:@oauth2\ndata:{"state":"${client.id}","code":"abc"}\n\n`);
    expect(client.subscriptions.size).toBe(0);
    hub.close();
    expect(hub.stats()).toEqual({ clients: 0, topics: 0 });
  });
});
