// The official PocketBase JS SDK, unchanged, against a Mainspring server on every engine: superuser
// sign-in, the collections API, record CRUD and lists, errors, refresh and a users auth collection.
import PocketBase, { ClientResponseError, type CollectionModel, type RecordModel } from 'pocketbase';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordContext } from '../../src/records/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { sdkClient as client, sdkFailure as failure } from '../helpers/sdk.js';

const DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const BULK = 1100; // more than one getFullList page (the SDK asks for 1000 at a time)


const codes = (err: ClientResponseError): Record<string, string> =>
  Object.fromEntries(Object.entries(err.response.data as Record<string, { code: string }>).map(([k, v]) => [k, v.code]));


for (const engine of availableEngines()) {
  describe(`${engine.name}: SDK end to end`, () => {
    let t: TestApp;
    let pb: PocketBase;
    let authorId = '';
    let postsId = '';

    beforeAll(async () => {
      t = await startTestApp({ engine });
      pb = client(t.url);
    });
    afterAll(() => t?.close());

    it('signs in as a superuser', async () => {
      const auth = await pb.collection('_superusers').authWithPassword(t.superuserEmail, t.superuserPassword);
      expect(auth.token).toBe(pb.authStore.token);
      expect(auth.record.email).toBe(t.superuserEmail);
      expect(pb.authStore.isValid).toBe(true);
      expect(pb.authStore.isSuperuser).toBe(true);
      expect(pb.authStore.record?.email).toBe(t.superuserEmail);
      expect(pb.authStore.record).not.toHaveProperty('password');
      expect(pb.authStore.record).not.toHaveProperty('tokenKey');
    });

    it('creates collections with text, number, bool, select, json, relation and autodate fields and a unique index', async () => {
      const authors = await pb.collections.create({ name: 'authors', type: 'base', fields: [{ name: 'name', type: 'text', required: true }] });
      expect(authors.id).toMatch(/^pbc_\d+$/);
      const posts = await pb.collections.create({
        name: 'posts',
        type: 'base',
        listRule: '',
        viewRule: '',
        fields: [
          { name: 'title', type: 'text', required: true, max: 100 },
          { name: 'views', type: 'number', onlyInt: true, min: 0 },
          { name: 'published', type: 'bool' },
          { name: 'status', type: 'select', values: ['draft', 'live'], maxSelect: 1 },
          { name: 'meta', type: 'json' },
          { name: 'author', type: 'relation', collectionId: authors.id, maxSelect: 1 },
          { name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
          { name: 'updated', type: 'autodate', onCreate: true, onUpdate: true },
        ],
        indexes: ['CREATE UNIQUE INDEX `idx_posts_title` ON `posts` (`title`)'],
      });
      postsId = posts.id;
      expect(posts).toMatchObject({ name: 'posts', type: 'base', system: false, listRule: '', viewRule: '', createRule: null });
      expect(posts.fields.map((f) => f.name)).toEqual(['id', 'title', 'views', 'published', 'status', 'meta', 'author', 'created', 'updated']);
      expect(posts.fields.find((f) => f.name === 'author')).toMatchObject({ type: 'relation', collectionId: authors.id, maxSelect: 1 });
      expect(posts.indexes).toHaveLength(1);
      expect(posts.indexes[0]).toContain('idx_posts_title');
    });

    it('lists, views and updates collections, and serves the scaffolds', async () => {
      const list = await pb.collections.getList(1, 50, { filter: "type = 'base' && system = false", sort: 'name' });
      expect(list.items.map((c) => c.name)).toEqual(['authors', 'posts']);
      expect(list.totalItems).toBe(2);
      expect((await pb.collections.getOne('posts')).id).toBe(postsId);
      expect((await pb.collections.getOne(postsId)).name).toBe('posts');

      const current = await pb.collections.getOne('posts');
      const updated = await pb.collections.update('posts', { fields: [...current.fields, { name: 'subtitle', type: 'text' }] });
      expect(updated.fields.map((f) => f.name)).toContain('subtitle');
      expect((await pb.collections.getOne('posts')).fields.map((f) => f.name)).toContain('subtitle');

      const scaffolds = await pb.collections.getScaffolds();
      expect(Object.keys(scaffolds).sort()).toEqual(['auth', 'base', 'view']);
      expect(scaffolds.base).toMatchObject({ type: 'base', name: '' });
      expect(scaffolds.auth!.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['id', 'email', 'password', 'tokenKey', 'verified']));
      expect(scaffolds.auth).not.toHaveProperty('authToken.secret');
    });

    it('creates, reads, updates and deletes records', async () => {
      authorId = (await pb.collection('authors').create({ name: 'Ann' })).id;
      const created = await pb.collection('posts').create({
        title: 'First', views: 3, published: true, status: 'live', meta: { tags: ['a', 'b'], n: 1 }, author: authorId,
      });
      expect(created).toMatchObject({
        collectionName: 'posts', collectionId: postsId, title: 'First', views: 3, published: true, status: 'live',
        meta: { tags: ['a', 'b'], n: 1 }, author: authorId, subtitle: '',
      });
      expect(created.id).toMatch(/^[a-z0-9]{15}$/);
      expect(created.created).toMatch(DATE);
      expect(created.updated).toBe(created.created);

      const fetched = await pb.collection('posts').getOne(created.id);
      expect(fetched).toEqual(created);

      const changed = await pb.collection('posts').update(created.id, { title: 'First!', views: 4, meta: null });
      expect(changed).toMatchObject({ id: created.id, title: 'First!', views: 4, published: true, meta: null, created: created.created });
      expect(changed.updated >= created.updated).toBe(true);

      expect(await pb.collection('posts').delete(created.id)).toBe(true);
      const gone = await failure(pb.collection('posts').getOne(created.id));
      expect(gone.status).toBe(404);
    });

    it('surfaces failures as ClientResponseError with status and field codes', async () => {
      const missing = await failure(pb.collection('posts').create({ views: 1 }));
      expect(missing.status).toBe(400);
      expect(missing.response).toMatchObject({ status: 400, message: 'Failed to create record.' });
      expect(codes(missing)).toEqual({ title: 'validation_required' });

      const invalid = await failure(pb.collection('posts').create({ title: 'Bad', views: -1, status: 'gone' }));
      expect(codes(invalid)).toEqual({ views: 'validation_min_number_constraint', status: 'validation_invalid_value' });
      const dangling = await failure(pb.collection('posts').create({ title: 'Bad', author: 'nosuchauthor123' }));
      expect(codes(dangling)).toEqual({ author: 'validation_missing_rel_records' });

      await pb.collection('posts').create({ title: 'Unique' });
      const duplicate = await failure(pb.collection('posts').create({ title: 'Unique' }));
      expect(duplicate.status).toBe(400);
      expect(codes(duplicate)).toEqual({ title: 'validation_not_unique' });

      const notFound = await failure(pb.collection('posts').getOne('doesnotexist123'));
      expect(notFound.status).toBe(404);
      expect(notFound.response).toMatchObject({ status: 404, data: {} });
      expect((await failure(pb.collection('nope').getList())).status).toBe(404);

      const badFilter = await failure(pb.collection('posts').getList(1, 10, { filter: 'title = ' }));
      expect(badFilter.status).toBe(400);
      expect(badFilter.response.data).toEqual({});

      const guest = client(t.url);
      const forbidden = await failure(guest.collection('authors').getList());
      expect(forbidden.status).toBe(403);
      expect(forbidden.response).toMatchObject({ status: 403, data: {} });
      expect((await failure(guest.collections.getList())).status).toBe(401);
      expect((await guest.collection('posts').getList()).totalItems).toBeGreaterThan(0); // the public list still works
    });

    it('filters with pb.filter, sorts on two keys, picks fields and skips the total', async () => {
      const rows = [
        { title: "it's", views: 10 }, { title: 'b', views: 20 }, { title: 'a', views: 20 }, { title: 'c', views: 5 },
      ];
      for (const row of rows) await pb.collection('posts').create(row);

      const quoted = await pb.collection('posts').getList(1, 20, {
        filter: pb.filter('title = {:t} && views > {:v}', { t: "it's", v: 9 }),
        sort: '-views,title',
        fields: 'id,title',
      });
      expect(quoted.items).toHaveLength(1);
      expect(Object.keys(quoted.items[0]!).sort()).toEqual(['id', 'title']);
      expect(quoted.items[0]!.title).toBe("it's");

      const sorted = await pb.collection('posts').getList(1, 20, {
        filter: pb.filter('views > {:v}', { v: 4 }), sort: '-views,title', fields: 'id,title',
      });
      expect(sorted.items.map((r) => r.title)).toEqual(['a', 'b', "it's", 'c']);
      expect(sorted).toMatchObject({ page: 1, perPage: 20, totalItems: 4, totalPages: 1 });

      const skipped = await pb.collection('posts').getList(1, 2, { skipTotal: true, sort: 'title' });
      expect(skipped).toMatchObject({ page: 1, perPage: 2, totalItems: -1, totalPages: -1 });
      expect(skipped.items).toHaveLength(2);

      const first = await pb.collection('posts').getFirstListItem(pb.filter('views = {:v}', { v: 20 }), { sort: 'title' });
      expect(first.title).toBe('a');
      const none = await failure(pb.collection('posts').getFirstListItem(pb.filter('title = {:t}', { t: 'no such title' })));
      expect(none.status).toBe(404);
    });

    it('reads more than one page with getFullList', async () => {
      await pb.collections.create({ name: 'bulk', type: 'base', fields: [{ name: 'n', type: 'number' }] });
      const ctx = superuserContext(t);
      const numbers = Array.from({ length: BULK }, (_, i) => i);
      for (let i = 0; i < numbers.length; i += 100) {
        await Promise.all(numbers.slice(i, i + 100).map((n) => t.app.records.create('bulk', { n }, ctx)));
      }

      const all = await pb.collection('bulk').getFullList({ sort: '-n' });
      expect(all).toHaveLength(BULK);
      expect(all[0]!.n).toBe(BULK - 1);
      expect(all.at(-1)!.n).toBe(0);
      expect(all.every((r, i) => i === 0 || (all[i - 1]!.n as number) > (r.n as number))).toBe(true);
      expect(new Set(all.map((r) => r.id)).size).toBe(BULK);

      const tail = await pb.collection('bulk').getFullList({ filter: 'n >= 1000', sort: 'n', batch: 30 });
      expect(tail.map((r) => r.n)).toEqual(numbers.slice(1000));
    });

    it('refreshes the superuser token; the new token works', async () => {
      const before = pb.authStore.token;
      const refreshed = await pb.collection('_superusers').authRefresh();
      expect(refreshed.token).toBe(pb.authStore.token);
      expect(refreshed.record.email).toBe(t.superuserEmail);
      const sid = (token: string): unknown => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sid;
      expect(sid(refreshed.token)).toBe(sid(before));
      expect(pb.authStore.isSuperuser).toBe(true);
      expect((await pb.collections.getOne('posts')).id).toBe(postsId);
    });

    it('signs up, signs in and updates a user of the users auth collection', async () => {
      const user = client(t.url);
      const email = 'sdk-user@example.com';
      const password = 'sdk-password-123';
      const created = await user.collection('users').create({ email, password, passwordConfirm: password, name: 'Sam' });
      expect(created).toMatchObject({ collectionName: 'users', name: 'Sam', verified: false });
      expect(created).not.toHaveProperty('password');

      const mismatch = await failure(user.collection('users').create({ email: 'x@example.com', password, passwordConfirm: 'other-password' }));
      expect(codes(mismatch)).toEqual({ passwordConfirm: 'validation_values_mismatch' });

      const auth = await user.collection('users').authWithPassword(email, password);
      expect(auth.record).toMatchObject({ id: created.id, email, name: 'Sam' });
      expect(user.authStore.isValid).toBe(true);
      expect(user.authStore.isSuperuser).toBe(false);

      const wrong = await failure(client(t.url).collection('users').authWithPassword(email, 'wrong-password'));
      expect(wrong.status).toBe(400);
      expect(wrong.response).toEqual({ status: 400, message: 'Failed to authenticate.', data: {} });

      const renamed = await user.collection('users').update<RecordModel>(created.id, { name: 'Samantha' });
      expect(renamed.name).toBe('Samantha');
      expect(user.authStore.record?.name).toBe('Samantha'); // the SDK syncs its store with the own record
      expect((await user.collection('users').getOne(created.id)).email).toBe(email);

      expect((await failure(user.collections.getList())).status).toBe(403);
      const refreshed = await user.collection('users').authRefresh();
      expect(refreshed.record.name).toBe('Samantha');
      expect((await user.collection('users').getList()).items.map((r) => r.id)).toEqual([created.id]);
    });

    it('truncates, deletes and imports collections', async () => {
      expect(await pb.collections.truncate('bulk')).toBe(true);
      expect((await pb.collection('bulk').getList(1, 1)).totalItems).toBe(0);
      expect(await pb.collections.delete('bulk')).toBe(true);
      expect((await failure(pb.collections.getOne('bulk'))).status).toBe(404);

      const posts = await pb.collections.getOne('posts');
      const before = (await pb.collection('posts').getList(1, 1)).totalItems;
      // A new collection may leave out what the server fills in (id, rules, system fields).
      const fresh = { name: 'imported', type: 'base', fields: [{ name: 'label', type: 'text' }] } as unknown as CollectionModel;
      const imported = await pb.collections.import([posts, fresh], false);
      expect(imported).toBe(true);
      expect((await pb.collections.getOne('imported')).fields.map((f) => f.name)).toEqual(expect.arrayContaining(['id', 'label']));
      expect((await pb.collections.getOne('authors')).name).toBe('authors'); // not deleted: deleteMissing false
      expect((await pb.collection('posts').getList(1, 1)).totalItems).toBe(before);
      expect((await pb.collection('imported').create({ label: 'x' })).label).toBe('x');

      const empty = await failure(pb.collections.import([], false));
      expect(empty.status).toBe(400);
      expect(codes(empty)).toEqual({ collections: 'validation_required' });
    });
  });
}

/** A superuser caller for writing straight through the records service (bulk set-up). */
function superuserContext(t: TestApp): RecordContext {
  const superusers = t.app.registry.get('_superusers')!;
  return {
    auth: { collectionId: superusers.id, collectionName: superusers.name, record: { id: '' }, sessionId: '', isSuperuser: true, token: '', refreshable: false },
    request: { auth: null, method: 'POST', context: 'default', query: {}, headers: {}, body: {} },
  };
}
