// Records CRUD over the HTTP API on every engine: reply shapes, ids, autodates, list envelope,
// paging, sort, filter, skipTotal and the `fields` picker, checked against the stored rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { AUTODATES, countOf, createCollection, expectError, PB_DATE, RECORD_ID, rowById, sleep } from './fixtures.js';

const OPEN_RULES = { listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '' };

for (const engine of availableEngines()) {
  describe(`${engine.name}: records CRUD`, () => {
    let t: TestApp;
    let posts: Record<string, any>;
    beforeAll(async () => {
      t = await startTestApp({ engine });
      posts = await createCollection(t, {
        name: 'posts', ...OPEN_RULES,
        fields: [{ name: 'title', type: 'text' }, { name: 'body', type: 'editor' }, { name: 'n', type: 'number' }, ...AUTODATES],
      });
      await createCollection(t, { name: 'plain', ...OPEN_RULES, fields: [{ name: 'title', type: 'text' }] });
    });
    afterAll(() => t?.close());

    it('creates a record with a generated id, collection keys and autodates', async () => {
      const res = await t.post('/api/collections/posts/records', { title: 'hello', n: 3 });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({
        id: expect.stringMatching(RECORD_ID), collectionId: posts.id, collectionName: 'posts',
        title: 'hello', body: '', n: 3, created: expect.stringMatching(PB_DATE), updated: expect.stringMatching(PB_DATE),
      });
      expect(res.body.created).toBe(res.body.updated);
      expect(Math.abs(Date.parse(res.body.created.replace(' ', 'T')) - Date.now())).toBeLessThan(60_000);
      const row = await rowById(t, 'posts', res.body.id);
      expect(row).toMatchObject({ id: res.body.id, title: 'hello', created: res.body.created, updated: res.body.updated });
      expect(Number(row!.n)).toBe(3);
    });

    it('omits created/updated on a collection without autodate fields', async () => {
      const res = await t.post('/api/collections/plain/records', { title: 'x' });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['collectionId', 'collectionName', 'id', 'title']);
      const list = await t.get('/api/collections/plain/records');
      expect(list.body.items[0]).not.toHaveProperty('created');
      expect(list.body.items[0]).not.toHaveProperty('updated');
    });

    it('ignores client-sent created/updated values', async () => {
      const res = await t.post('/api/collections/posts/records', { title: 'dates', created: '2001-01-01 00:00:00.000Z', updated: '2001-01-01 00:00:00.000Z' });
      expect(res.status).toBe(200);
      expect(res.body.created.startsWith('2001')).toBe(false);
      expect((await rowById(t, 'posts', res.body.id))!.created).toBe(res.body.created);
    });

    it('accepts a client-chosen valid id', async () => {
      const res = await t.post('/api/collections/posts/records', { id: 'abcdefghij12345', title: 'mine' });
      expect(res.status, res.text).toBe(200);
      expect(res.body.id).toBe('abcdefghij12345');
      expect(await rowById(t, 'posts', 'abcdefghij12345')).toMatchObject({ title: 'mine' });
    });

    it('refuses a taken id with validation_pk_invalid and writes nothing', async () => {
      await t.post('/api/collections/posts/records', { id: 'takenid00000001', title: 'first' });
      const before = await countOf(t, 'posts');
      const res = await t.post('/api/collections/posts/records', { id: 'takenid00000001', title: 'second' });
      expectError(res, 400, { message: 'Failed to create record.' });
      expect(res.body.data.id.code).toBe('validation_pk_invalid');
      expect(await countOf(t, 'posts')).toBe(before);
      expect(await rowById(t, 'posts', 'takenid00000001')).toMatchObject({ title: 'first' });
    });

    it.each([
      { id: 'short' },
      { id: 'waytoolongid0000000' },
      { id: 'UPPERCASE000000' },
      { id: 'has space 00000' },
      { id: 'dash-dash-00000' },
      { id: "quote'00000000a" },
    ])('refuses the malformed id $id with 400 and writes nothing', async ({ id }) => {
      const before = await countOf(t, 'posts');
      const res = await t.post('/api/collections/posts/records', { id, title: 'bad id' });
      expectError(res, 400);
      expect(res.body.data).toHaveProperty('id');
      expect(await countOf(t, 'posts')).toBe(before);
    });

    it('views a record; an unknown id is 404', async () => {
      const created = await t.post('/api/collections/posts/records', { title: 'view me', n: 1.5 });
      const res = await t.get(`/api/collections/posts/records/${created.body.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(created.body);
      expectError(await t.get('/api/collections/posts/records/nosuchrecord000'), 404);
      expectError(await t.get(`/api/collections/plain/records/${created.body.id}`), 404);
    });

    it('PATCH updates only the sent fields and bumps only `updated`', async () => {
      const created = await t.post('/api/collections/posts/records', { title: 'before', body: '<p>b</p>', n: 7 });
      await sleep(15);
      const res = await t.patch(`/api/collections/posts/records/${created.body.id}`, { title: 'after' });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({ ...created.body, title: 'after', updated: expect.stringMatching(PB_DATE) });
      expect(res.body.updated > created.body.updated).toBe(true);
      expect(res.body.created).toBe(created.body.created);
      const row = await rowById(t, 'posts', created.body.id);
      expect(row).toMatchObject({ title: 'after', body: '<p>b</p>', created: created.body.created, updated: res.body.updated });
      expect(Number(row!.n)).toBe(7);
    });

    it('PATCH never changes the id and 404s on an unknown record', async () => {
      const created = await t.post('/api/collections/posts/records', { title: 'keep id' });
      const res = await t.patch(`/api/collections/posts/records/${created.body.id}`, { id: 'otherid00000000', title: 'x' });
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(created.body.id);
      expect(await rowById(t, 'posts', 'otherid00000000')).toBeUndefined();
      const missing = await t.patch('/api/collections/posts/records/nosuchrecord000', { title: 'x' });
      expectError(missing, 404);
      expect(await rowById(t, 'posts', 'nosuchrecord000')).toBeUndefined();
    });

    it('DELETE answers 204 with no body, then the record is gone (404)', async () => {
      const created = await t.post('/api/collections/posts/records', { title: 'doomed' });
      const res = await t.delete(`/api/collections/posts/records/${created.body.id}`);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(await rowById(t, 'posts', created.body.id)).toBeUndefined();
      expectError(await t.get(`/api/collections/posts/records/${created.body.id}`), 404);
      expectError(await t.delete(`/api/collections/posts/records/${created.body.id}`), 404);
    });
  });

  describe(`${engine.name}: records list`, () => {
    let t: TestApp;
    const ids: Record<string, string> = {};
    const DATA = [
      { title: 'alpha', n: 2, body: '<p>Alpha <b>bold</b> text goes on</p>' },
      { title: 'bravo', n: 1, body: '' },
      { title: 'charlie', n: 2, body: '' },
      { title: 'delta', n: 3, body: '' },
      { title: 'echo', n: 1, body: '' },
    ];
    beforeAll(async () => {
      t = await startTestApp({ engine });
      await createCollection(t, {
        name: 'items', ...OPEN_RULES,
        fields: [{ name: 'title', type: 'text' }, { name: 'n', type: 'number' }, { name: 'body', type: 'editor' }, ...AUTODATES],
      });
      for (const item of DATA) ids[item.title] = (await t.post('/api/collections/items/records', item)).body.id;
    });
    afterAll(() => t?.close());

    const titles = (res: { body: { items: { title: string }[] } }): string[] => res.body.items.map((i) => i.title);

    it('answers the list envelope with defaults', async () => {
      const res = await t.get('/api/collections/items/records');
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['items', 'page', 'perPage', 'totalItems', 'totalPages']);
      expect(res.body).toMatchObject({ page: 1, perPage: 30, totalItems: 5, totalPages: 1 });
      // Default order is insertion order.
      expect(titles(res)).toEqual(DATA.map((d) => d.title));
    });

    it.each([
      { query: 'perPage=2&page=1', page: 1, perPage: 2, totalItems: 5, totalPages: 3, items: ['alpha', 'bravo'] },
      { query: 'perPage=2&page=3', page: 3, perPage: 2, totalItems: 5, totalPages: 3, items: ['echo'] },
      { query: 'perPage=2&page=9', page: 9, perPage: 2, totalItems: 5, totalPages: 3, items: [] },
      { query: 'sort=title', page: 1, perPage: 30, totalItems: 5, totalPages: 1, items: ['alpha', 'bravo', 'charlie', 'delta', 'echo'] },
      { query: 'sort=-title', page: 1, perPage: 30, totalItems: 5, totalPages: 1, items: ['echo', 'delta', 'charlie', 'bravo', 'alpha'] },
      { query: 'sort=-n,title', page: 1, perPage: 30, totalItems: 5, totalPages: 1, items: ['delta', 'alpha', 'charlie', 'bravo', 'echo'] },
      { query: 'sort=n,-title', page: 1, perPage: 30, totalItems: 5, totalPages: 1, items: ['echo', 'bravo', 'charlie', 'alpha', 'delta'] },
      { query: 'sort=%2Bn,title&perPage=2&page=2', page: 2, perPage: 2, totalItems: 5, totalPages: 3, items: ['alpha', 'charlie'] },
      { query: `filter=${encodeURIComponent("n = 2")}&sort=title`, page: 1, perPage: 30, totalItems: 2, totalPages: 1, items: ['alpha', 'charlie'] },
      { query: `filter=${encodeURIComponent("n > 1 && title ~ 'a'")}&sort=title`, page: 1, perPage: 30, totalItems: 3, totalPages: 1, items: ['alpha', 'charlie', 'delta'] },
      { query: `filter=${encodeURIComponent("title = 'bravo' || title = 'echo'")}&sort=-title`, page: 1, perPage: 30, totalItems: 2, totalPages: 1, items: ['echo', 'bravo'] },
      { query: `filter=${encodeURIComponent("title = 'nobody'")}`, page: 1, perPage: 30, totalItems: 0, totalPages: 0, items: [] },
      { query: 'skipTotal=1&sort=title&perPage=2', page: 1, perPage: 2, totalItems: -1, totalPages: -1, items: ['alpha', 'bravo'] },
      { query: 'skipTotal=true&page=3&perPage=2', page: 3, perPage: 2, totalItems: -1, totalPages: -1, items: ['echo'] },
      { query: 'skipTotal=0&perPage=1', page: 1, perPage: 1, totalItems: 5, totalPages: 5, items: ['alpha'] },
    ])('GET ?$query', async ({ query, items, ...envelope }) => {
      const res = await t.get(`/api/collections/items/records?${query}`);
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject(envelope);
      expect(titles(res)).toEqual(items);
    });

    it('fields=id,title keeps only those keys on each item and leaves the envelope', async () => {
      const res = await t.get('/api/collections/items/records?fields=id,title&sort=title&perPage=2');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ page: 1, perPage: 2, totalItems: 5, totalPages: 3 });
      expect(res.body.items).toEqual([{ id: ids.alpha, title: 'alpha' }, { id: ids.bravo, title: 'bravo' }]);
    });

    it('fields=* keeps every key', async () => {
      const all = await t.get(`/api/collections/items/records/${ids.alpha}`);
      const star = await t.get(`/api/collections/items/records/${ids.alpha}?fields=*`);
      expect(star.body).toEqual(all.body);
    });

    it('fields with :excerpt(max) strips HTML and shortens', async () => {
      const res = await t.get(`/api/collections/items/records/${ids.alpha}?fields=${encodeURIComponent('body:excerpt(11)')}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ body: 'Alpha bold' });
    });

    // The comma inside excerpt(…) must not split the list of fields.
    it('fields with :excerpt(max,true) beside other keys adds the ellipsis', async () => {
      const res = await t.get(`/api/collections/items/records/${ids.alpha}?fields=${encodeURIComponent('id,body:excerpt(5,true)')}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: ids.alpha, body: 'Alpha...' });
    });

    it('fields applies to create and update replies too', async () => {
      const created = await t.post('/api/collections/items/records?fields=title', { title: 'foxtrot', n: 9 });
      expect(created.status).toBe(200);
      expect(created.body).toEqual({ title: 'foxtrot' });
      const rows = await t.app.database.db.selectFrom('items').selectAll().where('title', '=', 'foxtrot').execute();
      expect(rows).toHaveLength(1);
      const updated = await t.patch(`/api/collections/items/records/${rows[0]!.id}?fields=n`, { n: 10 });
      expect(updated.body).toEqual({ n: 10 });
      expect((await t.delete(`/api/collections/items/records/${rows[0]!.id}`)).status).toBe(204);
    });
  });
}

describe('repeated list parameters', () => {
  const sqlite = availableEngines().find((e) => e.name === 'sqlite')!;
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ engine: sqlite });
    const token = await t.superuserToken();
    await t.post('/api/collections', { name: 'rep', listRule: '', createRule: '', fields: [{ name: 'n', type: 'number' }] }, { token });
    for (const n of [1, 2, 3]) await t.post('/api/collections/rep/records', { n });
  });
  afterAll(() => t?.close());

  it('reads the first value of a repeated key, as PocketBase does', async () => {
    const res = await t.get('/api/collections/rep/records?perPage=1&perPage=50&sort=-n&sort=n&page=2&page=1');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ page: 2, perPage: 1, totalItems: 3 });
    expect(res.body.items.map((i: { n: number }) => i.n)).toEqual([2]);
  });
});
