// The realtime wire protocol (API.md §7) read raw off the socket: the stream's headers and frames,
// subscriptions replaced by POST, custom topics, bad input, identity changes, and clean-up when
// clients leave or the server shuts down. SQLite only: the hub keeps no database state, and the
// identity checks run on tokens the auth tests already cover on every engine.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { expectError, signIn, signUp, type SignedInUser } from '../records/fixtures.js';
import { connect, openStream } from './sse.js';

const sqlite = availableEngines().find((e) => e.name === 'sqlite')!;

describe('sqlite: realtime protocol', () => {
  let t: TestApp;
  let alice: SignedInUser;
  let bob: SignedInUser;

  const subscribe = (clientId: string, subscriptions: unknown, token?: string) => t.post('/api/realtime', { clientId, subscriptions }, { token });
  const hubIsEmpty = () => vi.waitFor(() => expect(t.app.realtime.stats()).toEqual({ clients: 0, topics: 0 }), { timeout: 10_000, interval: 20 });

  beforeAll(async () => {
    t = await startTestApp({ engine: sqlite });
    alice = await signUp(t, 'alice@example.com');
    bob = await signUp(t, 'bob@example.com');
  });
  afterAll(() => t?.close());

  it('opens an event stream whose first frame is PB_CONNECT, with the client id as the SSE id', async () => {
    const stream = await openStream(`${t.url}/api/realtime`);
    try {
      expect(stream.response.status).toBe(200);
      expect(stream.response.headers.get('content-type')).toBe('text/event-stream');
      expect(stream.response.headers.get('cache-control')).toBe('no-store');
      expect(stream.response.headers.get('x-accel-buffering')).toBe('no');
      expect(stream.response.headers.get('access-control-allow-origin')).toBe('*');
      expect(stream.response.headers.get('x-request-id')).toBeTruthy();

      const first = await stream.nextFrame();
      expect(first?.kind).toBe('event');
      const clientId = JSON.parse(first!.data).clientId as string;
      expect(clientId).toMatch(/^[a-z0-9]{40}$/);
      expect(first!.raw).toBe(`id:${clientId}\nevent:PB_CONNECT\ndata:{"clientId":"${clientId}"}`);
      expect(t.app.realtime.get(clientId)).toMatchObject({ id: clientId, ip: '127.0.0.1', auth: null });
    } finally {
      stream.close();
    }
    await hubIsEmpty();
  });

  it('sends custom topics to their subscribers only, under each subscription\'s own name', async () => {
    const a = await connect(t.url);
    const b = await connect(t.url);
    try {
      const withOptions = `news?options=${encodeURIComponent(JSON.stringify({ query: { filter: 'a=1' }, headers: { x_token: 'k' } }))}`;
      expect((await subscribe(a.clientId, ['news', withOptions, 'posts/*'])).status).toBe(204);
      expect((await subscribe(b.clientId, ['sport'])).status).toBe(204);
      expect(t.app.realtime.get(a.clientId)!.subscriptions.get(withOptions)).toEqual({
        key: withOptions, topic: 'news', options: { query: { filter: 'a=1' }, headers: { x_token: 'k' } },
      });

      await t.app.realtime.publish('weather', { sunny: true });
      await t.app.realtime.publish('news', { title: 'hello' });
      const first = await a.stream.nextEvent();
      const second = await a.stream.nextEvent();
      // Nothing for `weather` came first: the next events are the two for `news`.
      expect([first!.event, second!.event].sort()).toEqual(['news', withOptions].sort());
      for (const frame of [first!, second!]) {
        expect(frame.id).toBe(a.clientId);
        expect(JSON.parse(frame.data)).toEqual({ title: 'hello' });
      }

      // b got neither: its next event is its own.
      await t.app.realtime.publish('sport', { score: 3 });
      const sport = await b.stream.nextEvent();
      expect(sport).toMatchObject({ id: b.clientId, event: 'sport' });
      expect(JSON.parse(sport!.data)).toEqual({ score: 3 });

      await t.app.realtime.sendTo(a.clientId, 'direct', { to: 'a' });
      expect(await a.stream.nextEvent()).toMatchObject({ event: 'direct', data: '{"to":"a"}' });
    } finally {
      a.stream.close();
      b.stream.close();
    }
    await hubIsEmpty();
  });

  it('replaces the whole subscription set on each POST; [] clears it', async () => {
    const a = await connect(t.url);
    try {
      expect((await subscribe(a.clientId, ['one', 'two'])).status).toBe(204);
      expect((await subscribe(a.clientId, ['two', 'three', 'three', ''])).status).toBe(204);
      expect([...t.app.realtime.get(a.clientId)!.subscriptions.keys()]).toEqual(['two', 'three']);
      await t.app.realtime.publish('one', 1);
      await t.app.realtime.publish('three', 3);
      expect(await a.stream.nextEvent()).toMatchObject({ event: 'three', data: '3' });

      const cleared = await t.post('/api/realtime', { clientId: a.clientId, subscriptions: [] });
      expect(cleared.status).toBe(204);
      expect(cleared.text).toBe('');
      expect(t.app.realtime.stats().topics).toBe(0);
      await t.app.realtime.publish('two', 2);
      await t.app.realtime.sendTo(a.clientId, 'marker', null);
      expect(await a.stream.nextEvent()).toMatchObject({ event: 'marker', data: 'null' });
      // A missing list clears too, as PocketBase binds it.
      expect((await subscribe(a.clientId, ['two'])).status).toBe(204);
      expect((await t.post('/api/realtime', { clientId: a.clientId })).status).toBe(204);
      expect(t.app.realtime.get(a.clientId)!.subscriptions.size).toBe(0);
    } finally {
      a.stream.close();
    }
    await hubIsEmpty();
  });

  it('accepts PocketBase\'s bounds exactly: 1000 topics of 2500 characters', async () => {
    const a = await connect(t.url);
    try {
      const topics = Array.from({ length: 1000 }, (_, i) => `t${i}/`.padEnd(2500, 'x'));
      expect((await subscribe(a.clientId, topics)).status).toBe(204);
      expect(t.app.realtime.get(a.clientId)!.subscriptions.size).toBe(1000);
      // Counted in characters, not bytes or UTF-16 units.
      expect((await subscribe(a.clientId, ['😀'.repeat(2500)])).status).toBe(204);
    } finally {
      a.stream.close();
    }
    await hubIsEmpty();
  });

  describe('bad input', () => {
    let clientId: string;
    let close: () => void;
    beforeAll(async () => {
      const c = await connect(t.url);
      clientId = c.clientId;
      close = () => c.stream.close();
      expect((await subscribe(clientId, ['kept'])).status).toBe(204);
    });
    afterAll(() => close());

    it.each([
      { name: 'malformed JSON', body: () => '{"clientId":', status: 400, data: {} },
      { name: 'a JSON array body', body: () => '[]', status: 400, data: {} },
      { name: 'no client id', body: () => ({ subscriptions: ['a'] }), status: 400, data: { clientId: { code: 'validation_required', message: 'Cannot be blank.' } } },
      { name: 'a numeric client id', body: () => ({ clientId: 42 }), status: 400, data: { clientId: { code: 'validation_invalid_value', message: expect.any(String) } } },
      { name: 'a too long client id', body: () => ({ clientId: 'x'.repeat(256) }), status: 400, data: { clientId: expect.objectContaining({ code: 'validation_length_out_of_range' }) } },
      { name: 'subscriptions as a string', body: () => ({ clientId, subscriptions: 'kept' }), status: 400, data: { subscriptions: { code: 'validation_invalid_value', message: expect.any(String) } } },
      { name: 'subscriptions as an object', body: () => ({ clientId, subscriptions: { a: 1 } }), status: 400, data: { subscriptions: expect.objectContaining({ code: 'validation_invalid_value' }) } },
      { name: '1001 topics', body: () => ({ clientId, subscriptions: Array.from({ length: 1001 }, (_, i) => `t${i}`) }), status: 400, data: { subscriptions: { code: 'validation_length_too_long', message: 'The length must be no more than 1000.', params: { max: 1000 } } } },
      { name: 'a 2501-character topic', body: () => ({ clientId, subscriptions: ['ok', 'x'.repeat(2501)] }), status: 400, data: { subscriptions: { 1: { code: 'validation_length_too_long', message: 'The length must be no more than 2500.', params: { max: 2500 } } } } },
      { name: 'a non-string topic', body: () => ({ clientId, subscriptions: ['ok', 7, null] }), status: 400, data: { subscriptions: { 1: expect.objectContaining({ code: 'validation_invalid_value' }), 2: expect.objectContaining({ code: 'validation_invalid_value' }) } } },
      { name: 'a topic with a line break', body: () => ({ clientId, subscriptions: ['a\nevent:forged'] }), status: 400, data: { subscriptions: { 0: expect.objectContaining({ code: 'validation_invalid_value' }) } } },
      { name: 'an unknown client id', body: () => ({ clientId: 'nosuchclient', subscriptions: ['a'] }), status: 404, data: {} },
    ])('$name → $status', async ({ body, status, data }) => {
      const res = await t.request('POST', '/api/realtime', { body: body() });
      expectError(res, status, { data });
      if (status === 404) expect(res.body.message).toBe('Missing or invalid client id.');
      // Nothing half-applied.
      expect([...t.app.realtime.get(clientId)!.subscriptions.keys()]).toEqual(['kept']);
    });

    it('an empty POST body → 400 for the missing client id', async () => {
      const res = await t.request('POST', '/api/realtime');
      expectError(res, 400, { data: { clientId: { code: 'validation_required', message: 'Cannot be blank.' } } });
    });
  });

  describe('identity', () => {
    it('a guest client becomes a user; that user may resubscribe with another of its tokens', async () => {
      const a = await connect(t.url);
      try {
        expect((await subscribe(a.clientId, ['x'])).status).toBe(204);
        expect(t.app.realtime.get(a.clientId)!.auth).toBeNull();
        expect((await subscribe(a.clientId, ['x'], alice.token)).status).toBe(204);
        expect(t.app.realtime.get(a.clientId)!.auth).toMatchObject({ collectionName: 'users', record: { id: alice.id } });
        const another = await signIn(t, alice.email, alice.password);
        expect((await subscribe(a.clientId, ['y'], `Bearer ${another}`)).status).toBe(204);
        expect([...t.app.realtime.get(a.clientId)!.subscriptions.keys()]).toEqual(['y']);
      } finally {
        a.stream.close();
      }
    });

    it.each([
      { change: 'another user', token: () => bob.token },
      { change: 'a guest', token: () => undefined },
      { change: 'a superuser', token: () => t.superuserToken() },
      { change: 'a forged token (a guest)', token: () => `${alice.token.slice(0, -4)}abcd` },
    ])('a user\'s client cannot change to $change → 403', async ({ token }) => {
      const a = await connect(t.url);
      try {
        expect((await subscribe(a.clientId, ['x'], alice.token)).status).toBe(204);
        const res = await subscribe(a.clientId, ['y'], await token());
        expectError(res, 403, { message: "The current and the previous request authorization don't match." });
        expect([...t.app.realtime.get(a.clientId)!.subscriptions.keys()]).toEqual(['x']);
        expect(t.app.realtime.get(a.clientId)!.auth?.record.id).toBe(alice.id);
      } finally {
        a.stream.close();
      }
    });
  });

  it('forgets every client that disconnects: no clients, no topics left', async () => {
    const clients = await Promise.all(Array.from({ length: 60 }, () => connect(t.url)));
    await Promise.all(clients.map((c, i) => subscribe(c.clientId, ['shared', `own${i}`, `posts/${i}?options=%7B%7D`])));
    expect(t.app.realtime.stats()).toEqual({ clients: 60, topics: 1 + 60 + 60 });
    for (const c of clients) c.stream.close();
    await hubIsEmpty();
    // Their ids are gone too.
    expectError(await subscribe(clients[0]!.clientId, ['shared']), 404);
  });

  it('a client the server dropped sees its stream end', async () => {
    const a = await connect(t.url);
    t.app.realtime.disconnect(a.clientId);
    expect(await a.stream.nextFrame()).toBeNull();
    await hubIsEmpty();
  });

  it('does not answer HEAD with a stream', async () => {
    const res = await fetch(`${t.url}/api/realtime`, { method: 'HEAD' });
    expect(res.status).toBe(404);
    expect(t.app.realtime.stats().clients).toBe(0);
  });
});

describe('sqlite: shutdown with open streams', () => {
  it('app.close() ends every stream and does not wait for clients', async () => {
    const t = await startTestApp({ engine: sqlite });
    const clients = await Promise.all(Array.from({ length: 5 }, () => connect(t.url)));
    await Promise.all(clients.map((c) => t.post('/api/realtime', { clientId: c.clientId, subscriptions: ['news'] })));
    await t.close();
    for (const c of clients) expect(await c.stream.nextFrame()).toBeNull();
    expect(t.app.realtime.stats()).toEqual({ clients: 0, topics: 0 });
  });
});
