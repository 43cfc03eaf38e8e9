// `expand`: relations, back-relations, nesting, view rules of the related collections, and `fields`
// picking inside expanded records.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { createCollection } from './fixtures.js';

for (const engine of availableEngines()) {
  describe(`${engine.name}: expand`, () => {
    let t: TestApp;
    let token: string;
    const ids: Record<string, string> = {};
    beforeAll(async () => {
      t = await startTestApp({ engine });
      token = await t.superuserToken();
      const authors = await createCollection(t, { name: 'authors', listRule: '', viewRule: '', createRule: '', fields: [{ name: 'name', type: 'text' }] });
      const tags = await createCollection(t, { name: 'tags', listRule: '', viewRule: '', createRule: '', fields: [{ name: 'name', type: 'text' }] });
      const secrets = await createCollection(t, { name: 'secrets', listRule: null, viewRule: null, createRule: null, fields: [{ name: 'code', type: 'text' }] });
      const posts = await createCollection(t, {
        name: 'posts', listRule: '', viewRule: '', createRule: '',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'author', type: 'relation', collectionId: authors.id, maxSelect: 1 },
          { name: 'tags', type: 'relation', collectionId: tags.id, maxSelect: 5 },
          { name: 'secret', type: 'relation', collectionId: secrets.id, maxSelect: 1 },
        ],
      });
      await createCollection(t, {
        name: 'comments', listRule: '', viewRule: 'hidden = false', createRule: '',
        fields: [{ name: 'text', type: 'text' }, { name: 'hidden', type: 'bool' }, { name: 'post', type: 'relation', collectionId: posts.id, maxSelect: 1 }],
      });
      await createCollection(t, {
        name: 'stats', listRule: '', viewRule: '', createRule: '',
        fields: [{ name: 'views', type: 'number' }, { name: 'post', type: 'relation', collectionId: posts.id, maxSelect: 1 }],
        indexes: ['CREATE UNIQUE INDEX idx_stats_post ON stats (post)'],
      });
      const add = async (collection: string, body: Record<string, unknown>, key: string) => {
        const res = await t.post(`/api/collections/${collection}/records`, body, { token });
        expect(res.status).toBe(200);
        ids[key] = res.body.id;
      };
      await add('authors', { name: 'Ada' }, 'ada');
      await add('tags', { name: 'news' }, 'news');
      await add('tags', { name: 'tech' }, 'tech');
      await add('secrets', { code: 'xyz' }, 'secret');
      await add('posts', { title: 'P1', author: ids.ada, tags: [ids.tech, ids.news], secret: ids.secret }, 'p1');
      await add('posts', { title: 'P2' }, 'p2');
      await add('comments', { text: 'c1', post: ids.p1 }, 'c1');
      await add('comments', { text: 'c2', post: ids.p1 }, 'c2');
      await add('comments', { text: 'hidden', post: ids.p1, hidden: true }, 'c3');
      await add('stats', { views: 7, post: ids.p1 }, 's1');
    });
    afterAll(() => t?.close());

    const viewP1 = (query: string, options: { token?: string } = {}) => t.get(`/api/collections/posts/records/${ids.p1}?${query}`, options);

    it('expands a single relation as an object and a multiple one as a list in the stored order', async () => {
      const res = await viewP1('expand=author,tags');
      expect(res.status).toBe(200);
      expect(res.body.expand.author).toMatchObject({ id: ids.ada, name: 'Ada', collectionName: 'authors' });
      expect(res.body.expand.tags.map((x: { name: string }) => x.name)).toEqual(['tech', 'news']);
    });

    it('leaves out what the caller may not view, and shows it to superusers', async () => {
      expect((await viewP1('expand=secret')).body.expand).toBeUndefined();
      expect((await viewP1('expand=secret', { token })).body.expand.secret.code).toBe('xyz');
    });

    it('expands back-relations through the related view rule, as an object under a unique index', async () => {
      const res = await viewP1('expand=comments_via_post,stats_via_post');
      expect(res.body.expand.comments_via_post.map((c: { text: string }) => c.text).sort()).toEqual(['c1', 'c2']);
      expect(res.body.expand.stats_via_post).toMatchObject({ views: 7 });
      const asSuperuser = await viewP1('expand=comments_via_post', { token });
      expect(asSuperuser.body.expand.comments_via_post).toHaveLength(3);
    });

    it('nests expansions and picks fields inside them', async () => {
      const res = await t.get(`/api/collections/comments/records?filter=${encodeURIComponent("text = 'c1'")}&expand=post.author,post.tags&fields=text,expand.post.title,expand.post.expand.author.name`);
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([{ text: 'c1', expand: { post: { title: 'P1', expand: { author: { name: 'Ada' } } } } }]);
    });

    it('expands every item of a list with one query per relation and skips unknown keys', async () => {
      const res = await t.get('/api/collections/posts/records?sort=title&expand=author,nope,title,x_via_y');
      expect(res.status).toBe(200);
      expect(res.body.items[0].expand).toEqual({ author: expect.objectContaining({ name: 'Ada' }) });
      expect(res.body.items[1].expand).toBeUndefined();
    });

    it('expands in create and update answers and inside batches', async () => {
      const created = await t.post('/api/collections/posts/records?expand=author', { title: 'P3', author: ids.ada });
      expect(created.body.expand.author.name).toBe('Ada');
      const updated = await t.patch(`/api/collections/posts/records/${created.body.id}?expand=tags`, { tags: [ids.news] }, { token });
      expect(updated.body.expand.tags[0].name).toBe('news');
      const batch = await t.post('/api/batch', { requests: [{ method: 'PATCH', url: `/api/collections/posts/records/${created.body.id}?expand=author`, body: { title: 'P3b' } }] }, { token });
      expect(batch.body[0].body.expand.author.name).toBe('Ada');
    });

    it('stops at 6 levels and ignores malformed paths without failing', async () => {
      const deep = 'post.' .repeat(10) + 'author';
      expect((await t.get(`/api/collections/comments/records?expand=${deep}`)).status).toBe(200);
      expect((await t.get(`/api/collections/comments/records?expand=${encodeURIComponent("post;drop,'x'")}`)).status).toBe(200);
    });
  });
}

describe('expand on auth replies', () => {
  const sqlite = availableEngines().find((e) => e.name === 'sqlite')!;
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp({ engine: sqlite }); });
  afterAll(() => t?.close());

  it('expands and picks fields on auth-with-password and auth-refresh replies', async () => {
    const token = await t.superuserToken();
    const teams = await createCollection(t, { name: 'teams', listRule: '', viewRule: '', fields: [{ name: 'name', type: 'text' }] });
    const users = await t.get('/api/collections/users', { token });
    const fields = [...users.body.fields, { name: 'team', type: 'relation', collectionId: teams.id, maxSelect: 1 }];
    expect((await t.patch('/api/collections/users', { fields }, { token })).status).toBe(200);
    const team = await t.post('/api/collections/teams/records', { name: 'Blue' }, { token });
    await t.post('/api/collections/users/records', { email: 'u@example.com', password: 'password-123', passwordConfirm: 'password-123', team: team.body.id });
    const signIn = await t.post('/api/collections/users/auth-with-password?expand=team&fields=token,record.email,record.expand.team.name', { identity: 'u@example.com', password: 'password-123' });
    expect(signIn.status).toBe(200);
    expect(Object.keys(signIn.body).sort()).toEqual(['record', 'token']);
    expect(signIn.body.record).toEqual({ email: 'u@example.com', expand: { team: { name: 'Blue' } } });
    const refreshed = await t.post('/api/collections/users/auth-refresh?expand=team', undefined, { token: signIn.body.token });
    expect(refreshed.body.record.expand.team.name).toBe('Blue');
  });
});
