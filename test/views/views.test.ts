// View collections on every engine, through HTTP: a real SQL VIEW per collection, fields derived
// from the query, read-only records with rules, query changes, rename, delete, and bad queries that
// leave nothing behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { tableExists, viewNames } from '../collections/inspect.js';
import { createCollection } from '../records/fixtures.js';

type Json = Record<string, any>; // test convenience

const STATS_QUERY = `
  SELECT p.id, p.title, p.status, COUNT(c.id) AS comment_count
  FROM posts p LEFT JOIN comments c ON c.post = p.id
  GROUP BY p.id, p.title, p.status`;

const fieldOf = (collection: Json, name: string): Json => collection.fields.find((f: Json) => f.name === name);

for (const engine of availableEngines()) {
  describe(`${engine.name}: view collections`, () => {
    let t: TestApp;
    let su: string;
    const ids: Record<string, string> = {};

    const asSu = { get token() { return su; } };
    /** A 200 reply's body; as the superuser unless `token` is given (null: a guest). */
    const records = async (path: string, token: string | null = su): Promise<Json> => {
      const res = await t.get(`/api/collections/${path}`, { token });
      expect(res.status, res.text).toBe(200);
      return res.body;
    };

    beforeAll(async () => {
      t = await startTestApp({ engine });
      su = await t.superuserToken();
      await createCollection(t, {
        name: 'posts', listRule: '', viewRule: '',
        fields: [
          { name: 'title', type: 'text', max: 100 },
          { name: 'status', type: 'select', values: ['draft', 'live'], maxSelect: 1 },
          { name: 'secret', type: 'text', hidden: true },
        ],
      });
      await createCollection(t, {
        name: 'comments',
        fields: [{ name: 'post', type: 'relation', collectionId: 'posts', maxSelect: 1, cascadeDelete: true }, { name: 'body', type: 'text' }],
      });
      for (const [title, status] of [['alpha', 'live'], ['beta', 'draft'], ['gamma', 'live']] as const) {
        const res = await t.post('/api/collections/posts/records', { title, status, secret: `s-${title}` }, asSu);
        ids[title] = res.body.id;
      }
      for (const [title, n] of [['alpha', 2], ['gamma', 1]] as const) {
        for (let i = 0; i < n; i++) await t.post('/api/collections/comments/records', { post: ids[title], body: `c${i}` }, asSu);
      }
    });
    afterAll(() => t?.close());

    describe('create', () => {
      it('creates a real view with fields derived from a join and COUNT', async () => {
        const res = await t.post('/api/collections', { name: 'post_stats', type: 'view', listRule: '', viewQuery: STATS_QUERY }, asSu);
        expect(res.status, res.text).toBe(200);
        const view = res.body;
        expect(view).toMatchObject({ type: 'view', viewQuery: STATS_QUERY.trim(), indexes: [], createRule: null, updateRule: null, deleteRule: null });
        expect(view.fields.map((f: Json) => f.name)).toEqual(['id', 'title', 'status', 'comment_count']);
        expect(fieldOf(view, 'id')).toMatchObject({ type: 'text', primaryKey: true, system: true, required: true });
        expect(fieldOf(view, 'title')).toMatchObject({ type: 'text', max: 100 });
        expect(fieldOf(view, 'status')).toMatchObject({ type: 'select', values: ['draft', 'live'], maxSelect: 1 });
        expect(fieldOf(view, 'comment_count')).toMatchObject({ type: 'number', onlyInt: true });
        expect(await viewNames(t.app.database)).toEqual(['post_stats']);
        expect(await tableExists(t.app.database, 'post_stats')).toBe(false);
        expect((await t.get('/api/collections/post_stats', { token: su })).body.viewQuery).toBe(STATS_QUERY.trim());
      });

      it('turns `x.id` into a relation and keeps relation and hidden options', async () => {
        const res = await t.post('/api/collections', {
          name: 'comment_rows', type: 'view', listRule: '',
          viewQuery: 'SELECT c.id, c.post, p.id AS post_ref, p.secret, p.title AS post_title FROM comments c JOIN posts p ON p.id = c.post',
        }, asSu);
        expect(res.status, res.text).toBe(200);
        const posts = t.app.registry.get('posts')!;
        expect(fieldOf(res.body, 'post')).toMatchObject({ type: 'relation', collectionId: posts.id, maxSelect: 1 });
        expect(fieldOf(res.body, 'post_ref')).toMatchObject({ type: 'relation', collectionId: posts.id, maxSelect: 1 });
        expect(fieldOf(res.body, 'secret')).toMatchObject({ type: 'text', hidden: true });
        expect(fieldOf(res.body, 'post_title')).toMatchObject({ type: 'text', max: 100 });
        // Relations on a view expand like any other.
        const list = await records('comment_rows/records?expand=post&sort=post_title', null);
        expect(list.items[0].expand.post.title).toBe('alpha');
        expect(list.items[0]).not.toHaveProperty('secret');
        expect((await records('comment_rows/records?sort=post_title')).items[0].secret).toBe('s-alpha');
      });

      it('casts a non-text id to text and infers json for other expressions', async () => {
        const res = await t.post('/api/collections', {
          name: 'numbered', type: 'view',
          viewQuery: "SELECT ROW_NUMBER() OVER (ORDER BY p.title) AS id, p.title, 'x' AS tag FROM posts p",
        }, asSu);
        expect(res.status, res.text).toBe(200);
        expect(fieldOf(res.body, 'tag')).toMatchObject({ type: 'json' });
        const list = await records('numbered/records?sort=id');
        expect(list.items.map((r: Json) => [r.id, r.title, r.tag])).toEqual([['1', 'alpha', 'x'], ['2', 'beta', 'x'], ['3', 'gamma', 'x']]);
        expect((await records('numbered/records/2')).title).toBe('beta');
      });
    });

    describe('records API', () => {
      it('lists, filters, sorts and pages view records', async () => {
        const all = await records('post_stats/records?sort=-comment_count,title');
        expect(all.items.map((r: Json) => [r.title, r.comment_count])).toEqual([['alpha', 2], ['gamma', 1], ['beta', 0]]);
        expect(all.items[0]).toMatchObject({ id: ids.alpha, collectionName: 'post_stats', status: 'live' });
        const filtered = await records(`post_stats/records?filter=${encodeURIComponent("comment_count > 0 && status = 'live'")}&sort=title`);
        expect(filtered.items.map((r: Json) => r.title)).toEqual(['alpha', 'gamma']);
        const page = await records('post_stats/records?sort=title&perPage=1&page=2');
        expect(page).toMatchObject({ page: 2, perPage: 1, totalItems: 3, totalPages: 3 });
        expect(page.items.map((r: Json) => r.title)).toEqual(['beta']);
        expect((await records(`post_stats/records/${ids.gamma}`)).comment_count).toBe(1);
      });

      it('applies list and view rules, and null rules keep guests out', async () => {
        expect((await t.get(`/api/collections/post_stats/records/${ids.beta}`)).status).toBe(403);
        const patched = await t.patch('/api/collections/post_stats', { listRule: "status = 'live'", viewRule: "status = 'live'" }, asSu);
        expect(patched.status, patched.text).toBe(200);
        const guestList = await records('post_stats/records?sort=title', null);
        expect(guestList.items.map((r: Json) => r.title)).toEqual(['alpha', 'gamma']);
        expect((await t.get(`/api/collections/post_stats/records/${ids.beta}`)).status).toBe(404);
        expect((await t.get(`/api/collections/post_stats/records/${ids.alpha}`)).status).toBe(200);
        // The rule change kept the view and its fields.
        expect(t.app.registry.get('post_stats')!.fields.map((f) => f.name)).toEqual(['id', 'title', 'status', 'comment_count']);
      });

      it.each([
        { action: 'create', call: (t: TestApp) => t.post('/api/collections/post_stats/records', { title: 'x' }, asSu) },
        { action: 'update', call: (t: TestApp) => t.patch(`/api/collections/post_stats/records/${ids.alpha}`, { title: 'x' }, asSu) },
        { action: 'delete', call: (t: TestApp) => t.delete(`/api/collections/post_stats/records/${ids.alpha}`, asSu) },
      ])('$action on a view → 400, nothing written', async ({ call }) => {
        expect((await call(t)).status).toBe(400);
        expect((await records(`posts/records/${ids.alpha}`)).title).toBe('alpha');
      });

      it('refuses sort=@rowid on a view (views have no rowid) with 400', async () => {
        const res = await t.get('/api/collections/post_stats/records?sort=@rowid', asSu);
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ status: 400, message: 'Something went wrong while processing your request.', data: {} });
      });

      it('refuses to truncate a view', async () => {
        const res = await t.delete('/api/collections/post_stats/truncate', asSu);
        expect(res.status).toBe(400);
        expect((await records('post_stats/records')).totalItems).toBe(3);
      });
    });

    describe('collection rules for views', () => {
      it.each([
        { body: { createRule: '' }, key: 'createRule', code: 'validation_nil' },
        { body: { deleteRule: 'id != ""' }, key: 'deleteRule', code: 'validation_nil' },
        { body: { indexes: ['CREATE INDEX idx_stats ON post_stats (title)'] }, key: 'indexes', code: 'validation_indexes_not_supported' },
        { body: { viewQuery: '' }, key: 'viewQuery', code: 'validation_required' },
      ])('PATCH $key → 400 $code', async ({ body, key, code }) => {
        const res = await t.patch('/api/collections/post_stats', body, asSu);
        expect(res.status, res.text).toBe(400);
        expect(res.body.data[key].code).toBe(code);
      });

      it('refuses a relation from a base collection to a view', async () => {
        const res = await t.post('/api/collections', {
          name: 'bookmarks', fields: [{ name: 'stat', type: 'relation', collectionId: 'post_stats', maxSelect: 1 }],
        }, asSu);
        expect(res.status).toBe(400);
        expect(res.body.data.fields['0'].collectionId.code).toBe('validation_relation_field_non_view_base_collection');
        expect(await tableExists(t.app.database, 'bookmarks')).toBe(false);
      });
    });

    describe('update, rename and delete', () => {
      it('replaces the view when the query changes, and its fields follow', async () => {
        const query = 'SELECT p.id, p.title, p.status, CAST(LENGTH(p.title) AS INTEGER) AS title_length FROM posts p';
        const res = await t.patch('/api/collections/post_stats', { viewQuery: query }, asSu);
        expect(res.status, res.text).toBe(200);
        expect(res.body.fields.map((f: Json) => f.name)).toEqual(['id', 'title', 'status', 'title_length']);
        expect(fieldOf(res.body, 'title_length')).toMatchObject({ type: 'number', onlyInt: true });
        const list = await records('post_stats/records?sort=title');
        expect(list.items.map((r: Json) => [r.title, r.title_length])).toEqual([['alpha', 5], ['beta', 4], ['gamma', 5]]);
        expect((await records('post_stats/records?sort=title', null)).items.map((r: Json) => r.title)).toEqual(['alpha', 'gamma']);
        expect(list.items[0]).not.toHaveProperty('comment_count');
      });

      it('renames the view', async () => {
        const res = await t.patch('/api/collections/post_stats', { name: 'post_lengths' }, asSu);
        expect(res.status, res.text).toBe(200);
        expect(await viewNames(t.app.database)).toEqual(['comment_rows', 'numbered', 'post_lengths']);
        expect((await t.get('/api/collections/post_stats/records')).status).toBe(404);
        expect((await records('post_lengths/records?sort=title')).items.map((r: Json) => r.title)).toEqual(['alpha', 'beta', 'gamma']);
      });

      it('deletes the view, leaving its sources alone', async () => {
        expect((await t.delete('/api/collections/post_lengths', asSu)).status).toBe(204);
        expect(await viewNames(t.app.database)).toEqual(['comment_rows', 'numbered']);
        expect(t.app.registry.get('post_lengths')).toBeUndefined();
        expect((await records('posts/records')).totalItems).toBe(3);
      });
    });

    describe('views depend on their sources', () => {
      beforeAll(async () => {
        await createCollection(t, { name: 'notes', fields: [{ name: 'text', type: 'text' }] });
        await createCollection(t, { name: 'note_texts', type: 'view', viewQuery: 'SELECT n.id, n.text FROM notes n' });
        await createCollection(t, { name: 'note_ids', type: 'view', viewQuery: 'SELECT id FROM note_texts' });
      });

      it.each([
        { change: 'deleting the source', call: (t: TestApp) => t.delete('/api/collections/notes', asSu) },
        { change: 'renaming the source', call: (t: TestApp) => t.patch('/api/collections/notes', { name: 'memos' }, asSu) },
        { change: 'dropping a source field', call: (t: TestApp) => t.patch('/api/collections/notes', { fields: [] }, asSu) },
        { change: 'deleting a view another view reads', call: (t: TestApp) => t.delete('/api/collections/note_texts', asSu) },
        { change: 'changing a view another view reads', call: (t: TestApp) => t.patch('/api/collections/note_texts', { viewQuery: 'SELECT n.id FROM notes n' }, asSu) },
      ])('$change → 400, nothing changed', async ({ call }) => {
        const res = await call(t);
        expect(res.status, res.text).toBe(400);
        expect(await tableExists(t.app.database, 'notes')).toBe(true);
        expect(t.app.registry.get('notes')!.fields.map((f) => f.name)).toEqual(['id', 'text']);
        expect(t.app.registry.get('note_texts')!.viewQuery).toBe('SELECT n.id, n.text FROM notes n');
        expect((await records('note_ids/records')).totalItems).toBe(0);
      });

      it('adding a field to the source is fine', async () => {
        const res = await t.patch('/api/collections/notes', { fields: [...t.app.registry.get('notes')!.fields, { name: 'extra', type: 'bool' }] }, asSu);
        expect(res.status, res.text).toBe(200);
        expect((await records('note_texts/records')).totalItems).toBe(0);
      });
    });

    describe('bad queries', () => {
      it.each([
        { why: 'a write statement', viewQuery: 'DELETE FROM posts' },
        { why: 'two statements', viewQuery: 'SELECT id FROM posts; SELECT id FROM comments' },
        { why: 'a way out of the sub-select', viewQuery: 'SELECT id FROM posts) AS x; DROP TABLE posts; --' },
        { why: 'a data-modifying WITH', viewQuery: 'WITH d AS (DELETE FROM posts RETURNING id) SELECT id FROM d' },
        { why: 'no id column', viewQuery: 'SELECT title FROM posts' },
        { why: 'duplicate column names', viewQuery: 'SELECT id, title, status AS title FROM posts' },
        { why: 'an unnamed column', viewQuery: 'SELECT id, 1 + 1 FROM posts' },
        { why: 'a wildcard', viewQuery: 'SELECT * FROM posts' },
        { why: 'a syntax error', viewQuery: 'SELECT id, FROM posts' },
        { why: 'a missing table', viewQuery: 'SELECT id FROM no_such_table' },
        { why: 'repeated ids', viewQuery: 'SELECT c.post AS id FROM comments c' },
      ])('$why → 400 on viewQuery, nothing created', async ({ viewQuery }) => {
        const before = await viewNames(t.app.database);
        const res = await t.post('/api/collections', { name: 'bad_view', type: 'view', viewQuery }, asSu);
        expect(res.status, res.text).toBe(400);
        expect(res.body.message).toBe('Failed to create collection.');
        expect(res.body.data.viewQuery.code).toBe('validation_invalid_view_query');
        expect(res.body.data.viewQuery.message).toMatch(/^Invalid query - /);
        expect(t.app.registry.get('bad_view')).toBeUndefined();
        expect(await viewNames(t.app.database)).toEqual(before);
        expect((await records('posts/records')).totalItems).toBe(3);
        expect((await records('comments/records')).totalItems).toBe(3);
      });

      it('a bad new query leaves the existing view as it was', async () => {
        const res = await t.patch('/api/collections/numbered', { viewQuery: 'SELECT title FROM posts' }, asSu);
        expect(res.status).toBe(400);
        expect(res.body.data.viewQuery.code).toBe('validation_invalid_view_query');
        expect((await records('numbered/records')).totalItems).toBe(3);
      });
    });
  });
}
