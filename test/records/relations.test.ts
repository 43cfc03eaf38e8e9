// What deleting a referenced record does on every engine: cascadeDelete removes the referencing
// records, an optional reference is cleared, a required one blocks the delete and nothing changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordChange } from '../../src/records/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { countOf, createCollection, expectError, rowById } from './fixtures.js';

const OPEN_RULES = { listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '' };

for (const engine of availableEngines()) {
  describe(`${engine.name}: relations on delete`, () => {
    let t: TestApp;
    const events: RecordChange[] = [];
    const summary = (from: number): string[] => events.slice(from).map((e) => `${e.action} ${e.collection.name} ${e.record.id}`).sort();
    beforeAll(async () => {
      t = await startTestApp({ engine });
      t.app.records.onChange((change) => events.push(change));
      const authors = await createCollection(t, { name: 'authors', ...OPEN_RULES, fields: [{ name: 'name', type: 'text' }] });
      const articles = await createCollection(t, {
        name: 'articles', ...OPEN_RULES,
        fields: [
          { name: 'title', type: 'text' },
          { name: 'author', type: 'relation', collectionId: authors.id, maxSelect: 1, cascadeDelete: true },
          { name: 'coauthors', type: 'relation', collectionId: authors.id, maxSelect: 5, cascadeDelete: true },
        ],
      });
      await createCollection(t, {
        name: 'mentions', ...OPEN_RULES,
        fields: [
          { name: 'note', type: 'text' },
          { name: 'who', type: 'relation', collectionId: authors.id, maxSelect: 1 },
          { name: 'many', type: 'relation', collectionId: authors.id, maxSelect: 5 },
          { name: 'article', type: 'relation', collectionId: articles.id, maxSelect: 1 },
        ],
      });
      await createCollection(t, {
        name: 'pins', ...OPEN_RULES,
        fields: [{ name: 'article', type: 'relation', collectionId: articles.id, maxSelect: 1, required: true }],
      });
      await createCollection(t, {
        name: 'contracts', ...OPEN_RULES,
        fields: [{ name: 'party', type: 'relation', collectionId: authors.id, maxSelect: 1, required: true }],
      });
      // A self-referencing collection: the relation is added once the collection (and its id) exists.
      const chain = await createCollection(t, { name: 'chain', ...OPEN_RULES, fields: [{ name: 'title', type: 'text' }] });
      const withParent = await t.patch('/api/collections/chain', {
        fields: [...chain.fields, { name: 'parent', type: 'relation', collectionId: chain.id, maxSelect: 1, cascadeDelete: true }],
      }, { token: await t.superuserToken() });
      if (withParent.status !== 200) throw new Error(withParent.text);
    });
    afterAll(() => t?.close());

    async function make(collection: string, body: Record<string, unknown>): Promise<string> {
      const res = await t.post(`/api/collections/${collection}/records`, body);
      if (res.status !== 200) throw new Error(`${collection}: ${res.status} ${res.text}`);
      return res.body.id as string;
    }

    it('cascadeDelete deletes the referencing records (and their own references)', async () => {
      const a = await make('authors', { name: 'a' });
      const keep = await make('authors', { name: 'keep' });
      const art1 = await make('articles', { title: 'one', author: a });
      const art2 = await make('articles', { title: 'two', author: a });
      const other = await make('articles', { title: 'other', author: keep });
      const mention = await make('mentions', { note: 'refers to art1', article: art1 });

      const from = events.length;
      const res = await t.delete(`/api/collections/authors/records/${a}`);
      expect(res.status, res.text).toBe(204);
      expect(summary(from)).toEqual([
        `delete articles ${art1}`, `delete articles ${art2}`, `delete authors ${a}`, `update mentions ${mention}`,
      ].sort());
      expect(await rowById(t, 'authors', a)).toBeUndefined();
      expect(await rowById(t, 'articles', art1)).toBeUndefined();
      expect(await rowById(t, 'articles', art2)).toBeUndefined();
      // Untouched: another author's article; a non-cascade optional reference to the cascaded article is cleared.
      expect(await rowById(t, 'articles', other)).toMatchObject({ author: keep });
      expect(await rowById(t, 'mentions', mention)).toMatchObject({ article: '' });
      expectError(await t.get(`/api/collections/articles/records/${art1}`), 404);
    });

    it('a multiple cascade relation drops the id, and deletes the record once none is left', async () => {
      const x = await make('authors', { name: 'x' });
      const y = await make('authors', { name: 'y' });
      const art = await make('articles', { title: 'co', coauthors: [x, y] });

      expect((await t.delete(`/api/collections/authors/records/${x}`)).status).toBe(204);
      const after = await t.get(`/api/collections/articles/records/${art}`);
      expect(after.status).toBe(200);
      expect(after.body.coauthors).toEqual([y]);

      expect((await t.delete(`/api/collections/authors/records/${y}`)).status).toBe(204);
      expect(await rowById(t, 'articles', art)).toBeUndefined();
    });

    it('an optional non-cascade relation is cleared, single and multiple', async () => {
      const p = await make('authors', { name: 'p' });
      const q = await make('authors', { name: 'q' });
      const m = await make('mentions', { note: 'n', who: p, many: [q, p] });

      expect((await t.delete(`/api/collections/authors/records/${p}`)).status).toBe(204);
      const res = await t.get(`/api/collections/mentions/records/${m}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ note: 'n', who: '', many: [q] });
      const row = await rowById(t, 'mentions', m);
      expect(row!.who).toBe('');
      expect(JSON.parse(String(row!.many))).toEqual([q]);
    });

    it('a required non-cascade reference blocks the delete with 400; nothing is deleted', async () => {
      const party = await make('authors', { name: 'party' });
      const contract = await make('contracts', { party });
      const beforeAuthors = await countOf(t, 'authors');

      const from = events.length;
      const res = await t.delete(`/api/collections/authors/records/${party}`);
      expectError(res, 400);
      expect(summary(from)).toEqual([]);
      expect(await countOf(t, 'authors')).toBe(beforeAuthors);
      expect(await rowById(t, 'authors', party)).toBeDefined();
      expect(await rowById(t, 'contracts', contract)).toMatchObject({ party });
    });

    it('a block deep in a cascade rolls the whole delete back', async () => {
      const a = await make('authors', { name: 'deep' });
      const art = await make('articles', { title: 'pinned', author: a });
      const loose = await make('mentions', { note: 'loose', who: a });
      const pin = await make('pins', { article: art });

      const from = events.length;
      const res = await t.delete(`/api/collections/authors/records/${a}`);
      expectError(res, 400);
      expect(summary(from)).toEqual([]);
      expect(await rowById(t, 'authors', a)).toBeDefined();
      expect(await rowById(t, 'articles', art)).toMatchObject({ author: a });
      expect(await rowById(t, 'pins', pin)).toMatchObject({ article: art });
      // The clearing of the optional reference was rolled back too.
      expect(await rowById(t, 'mentions', loose)).toMatchObject({ who: a });

      // Once the pin is gone, the same delete cascades.
      expect((await t.delete(`/api/collections/pins/records/${pin}`)).status).toBe(204);
      expect((await t.delete(`/api/collections/authors/records/${a}`)).status).toBe(204);
      expect(await rowById(t, 'articles', art)).toBeUndefined();
      expect(await rowById(t, 'mentions', loose)).toMatchObject({ who: '' });
    });

    it('a reference cycle (A <-> B) with cascadeDelete deletes both', async () => {
      const a = await make('chain', { title: 'a' });
      const b = await make('chain', { title: 'b', parent: a });
      expect((await t.patch(`/api/collections/chain/records/${a}`, { parent: b })).status).toBe(200);
      const res = await t.delete(`/api/collections/chain/records/${a}`);
      expect(res.status, res.text).toBe(204);
      expect(await rowById(t, 'chain', a)).toBeUndefined();
      expect(await rowById(t, 'chain', b)).toBeUndefined();
    });

    it('a self-reference does not block its own delete', async () => {
      const self = await make('chain', { title: 'self' });
      expect((await t.patch(`/api/collections/chain/records/${self}`, { parent: self })).status).toBe(200);
      expect((await t.delete(`/api/collections/chain/records/${self}`)).status).toBe(204);
      expect(await rowById(t, 'chain', self)).toBeUndefined();
    });

    it('a long cascade chain (30 levels) is deleted whole', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) ids.push(await make('chain', { title: `level ${i}`, parent: ids[i - 1] ?? '' }));
      const keep = await make('chain', { title: 'unrelated' });
      const res = await t.delete(`/api/collections/chain/records/${ids[0]}`);
      expect(res.status, res.text).toBe(204);
      const left = await t.app.database.db.selectFrom('chain').select('id').execute();
      expect(left.map((r) => r.id)).toEqual([keep]);
    });
  });
}

for (const engine of availableEngines()) {
  describe(`${engine.name}: truncate`, () => {
    let t: TestApp;
    beforeAll(async () => { t = await startTestApp({ engine }); });
    afterAll(() => t?.close());

    it('resolves references, revokes tokens of truncated users and writes nothing half-way', async () => {
      const token = await t.superuserToken();
      const authors = await t.post('/api/collections', { name: 'tr_authors', listRule: '', viewRule: '', createRule: '', fields: [{ name: 'name', type: 'text' }] }, { token });
      expect(authors.status).toBe(200);
      const posts = await t.post('/api/collections', {
        name: 'tr_posts', listRule: '', createRule: '',
        fields: [{ name: 'title', type: 'text' }, { name: 'author', type: 'relation', collectionId: authors.body.id, maxSelect: 1, cascadeDelete: true }],
      }, { token });
      expect(posts.status).toBe(200);
      const a = await t.post('/api/collections/tr_authors/records', { name: 'A' });
      await t.post('/api/collections/tr_posts/records', { title: 'p', author: a.body.id });
      expect((await t.delete('/api/collections/tr_authors/truncate', { token })).status).toBe(204);
      expect((await t.get('/api/collections/tr_authors/records')).body.totalItems).toBe(0);
      expect((await t.get('/api/collections/tr_posts/records')).body.totalItems).toBe(0);

      await t.post('/api/collections/users/records', { email: 'tr@example.com', password: 'password-123', passwordConfirm: 'password-123' });
      const signIn = await t.post('/api/collections/users/auth-with-password', { identity: 'tr@example.com', password: 'password-123' });
      const userToken = signIn.body.token as string;
      expect((await t.post('/api/collections/users/auth-refresh', undefined, { token: userToken })).status).toBe(200);
      expect((await t.delete('/api/collections/users/truncate', { token })).status).toBe(204);
      expect((await t.post('/api/collections/users/auth-refresh', undefined, { token: userToken })).status).toBe(401);
      const sessions = await t.app.database.db.selectFrom('_sessions').select('id').where('collectionId', '=', '_pb_users_auth_').execute();
      expect(sessions).toEqual([]);
    });
  });
}
