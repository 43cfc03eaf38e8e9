// POST /api/batch: all or nothing, per-item results, PocketBase's failure shape, through HTTP and the SDK.
import PocketBase, { ClientResponseError } from 'pocketbase';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordChange } from '../../src/records/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { countOf, createCollection, rowById } from './fixtures.js';

for (const engine of availableEngines()) {
  describe(`${engine.name}: batch`, () => {
    let t: TestApp;
    let token: string;
    let events: RecordChange[];
    beforeAll(async () => {
      t = await startTestApp({ engine });
      token = await t.superuserToken();
      await createCollection(t, {
        name: 'tasks', listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '',
        fields: [{ name: 'title', type: 'text', required: true }, { name: 'n', type: 'number' }],
        indexes: ['CREATE UNIQUE INDEX idx_tasks_title ON tasks (title)'],
      });
      await createCollection(t, { name: 'locked', createRule: null, fields: [{ name: 'x', type: 'text' }] });
      events = [];
      t.app.records.onChange((c) => events.push(c));
    });
    afterAll(() => t?.close());

    const post = (requests: unknown, options: { token?: string } = {}) => t.post('/api/batch', { requests }, options);

    it('runs creates, updates, upserts and deletes in order and answers one result each', async () => {
      const first = await t.post('/api/collections/tasks/records', { title: 'existing', n: 1 });
      events.length = 0;
      const res = await post([
        { method: 'POST', url: '/api/collections/tasks/records', body: { title: 'a', n: 2 } },
        { method: 'PATCH', url: `/api/collections/tasks/records/${first.body.id}`, body: { n: 10 } },
        { method: 'PUT', url: '/api/collections/tasks/records', body: { id: first.body.id, title: 'existing-renamed' } },
        { method: 'PUT', url: '/api/collections/tasks/records?fields=title', body: { id: 'upsertnewid0001', title: 'upserted' } },
        { method: 'DELETE', url: `/api/collections/tasks/records/${first.body.id}` },
      ]);
      expect(res.status).toBe(200);
      expect(res.body.map((r: { status: number }) => r.status)).toEqual([200, 200, 200, 200, 204]);
      expect(res.body[0].body).toMatchObject({ title: 'a', n: 2, collectionName: 'tasks' });
      expect(res.body[1].body.n).toBe(10);
      expect(res.body[2].body).toMatchObject({ id: first.body.id, title: 'existing-renamed', n: 10 });
      expect(res.body[3].body).toEqual({ title: 'upserted' });
      expect(res.body[4]).toEqual({ status: 204, body: null });
      expect(await rowById(t, 'tasks', first.body.id)).toBeUndefined();
      expect(await rowById(t, 'tasks', 'upsertnewid0001')).toMatchObject({ title: 'upserted' });
      expect(events.map((e) => e.action)).toEqual(['create', 'update', 'update', 'create', 'delete']);
    });

    it('rolls everything back when one item fails and names it', async () => {
      const before = await countOf(t, 'tasks');
      events.length = 0;
      const res = await post([
        { method: 'POST', url: '/api/collections/tasks/records', body: { title: 'rolled-back-1' } },
        { method: 'POST', url: '/api/collections/tasks/records', body: { title: 'rolled-back-2' } },
        { method: 'POST', url: '/api/collections/tasks/records', body: { title: 'rolled-back-1' } },
      ]);
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('Batch transaction failed.');
      expect(res.body.data.requests['2']).toMatchObject({
        code: 'batch_request_failed',
        message: 'Batch request failed.',
        response: { status: 400, message: 'Failed to create record.', data: { title: { code: 'validation_not_unique' } } },
      });
      expect(await countOf(t, 'tasks')).toBe(before);
      expect(events).toEqual([]);
    });

    it('applies each collection rule with the caller’s auth', async () => {
      const guest = await post([{ method: 'POST', url: '/api/collections/locked/records', body: { x: '1' } }]);
      expect(guest.status).toBe(400);
      expect(guest.body.data.requests['0'].response).toEqual({ status: 403, message: 'Only superusers can perform this action.', data: {} });
      const asSuperuser = await post([{ method: 'POST', url: '/api/collections/locked/records', body: { x: '1' } }], { token });
      expect(asSuperuser.status).toBe(200);
      // A per-item Authorization header is ignored.
      const smuggled = await post([{ method: 'POST', url: '/api/collections/locked/records', headers: { Authorization: token }, body: { x: '2' } }]);
      expect(smuggled.status).toBe(400);
      expect(await countOf(t, 'locked')).toBe(1);
    });

    it.each([
      { name: 'no requests', body: { requests: [] } },
      { name: 'requests not a list', body: { requests: 'x' } },
      { name: 'missing body', body: {} },
      { name: 'an unknown url', body: { requests: [{ method: 'POST', url: '/api/collections' }] } },
      { name: 'a GET', body: { requests: [{ method: 'GET', url: '/api/collections/tasks/records' }] } },
      { name: 'PATCH without an id', body: { requests: [{ method: 'PATCH', url: '/api/collections/tasks/records' }] } },
      { name: 'a body that is not an object', body: { requests: [{ method: 'POST', url: '/api/collections/tasks/records', body: [1] }] } },
      { name: 'too many requests', body: { requests: Array.from({ length: 51 }, (_, i) => ({ method: 'POST', url: '/api/collections/tasks/records', body: { title: `many-${i}` } })) } },
    ])('refuses $name with 400 before running anything', async ({ body }) => {
      const before = await countOf(t, 'tasks');
      const res = await t.post('/api/batch', body);
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('Invalid batch request data.');
      expect(await countOf(t, 'tasks')).toBe(before);
    });

    it('answers 404 inside the batch for an unknown collection', async () => {
      const res = await post([{ method: 'POST', url: '/api/collections/nope/records', body: {} }]);
      expect(res.status).toBe(400);
      expect(res.body.data.requests['0'].response).toEqual({ status: 404, message: 'Missing collection context.', data: {} });
    });

    it('works through the SDK’s createBatch', async () => {
      const pb = new PocketBase(t.url);
      pb.autoCancellation(false);
      const batch = pb.createBatch();
      batch.collection('tasks').create({ title: 'sdk-1', n: 1 });
      batch.collection('tasks').upsert({ id: 'sdkupsertid0001', title: 'sdk-2' });
      const results = await batch.send();
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      expect(results[1]!.body.id).toBe('sdkupsertid0001');

      const failing = pb.createBatch();
      failing.collection('tasks').create({ title: 'sdk-3' });
      failing.collection('tasks').create({ title: '' });
      const err = await failing.send().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClientResponseError);
      expect((err as ClientResponseError).status).toBe(400);
      expect((err as ClientResponseError).response.data.requests['1'].response.data.title.code).toBe('validation_required');
      expect(await countOf(t, 'tasks')).toBeGreaterThan(0);
      expect((await t.get(`/api/collections/tasks/records?filter=${encodeURIComponent("title = 'sdk-3'")}`)).body.totalItems).toBe(0);
    });
  });
}
