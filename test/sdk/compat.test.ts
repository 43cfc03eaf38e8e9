// The SDK compatibility suite: an app written for PocketBase — a small blog — run unchanged through
// the official `pocketbase` JS SDK: schema import, sign-up and sign-in, owner rules, expand, fields,
// batch, the list helpers and the errors the SDK surfaces.
import type PocketBase from 'pocketbase';
import type { CollectionModel } from 'pocketbase';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { sdkClient as client, sdkFailure as failure } from '../helpers/sdk.js';



const OWNER = '@request.auth.id != "" && owner = @request.auth.id';

const SCHEMA = [
  {
    id: 'pbc_tags00000001', name: 'tags', type: 'base', listRule: '', viewRule: '', createRule: null, updateRule: null, deleteRule: null,
    fields: [{ name: 'name', type: 'text', required: true }],
    indexes: ['CREATE UNIQUE INDEX idx_tags_name ON tags (name)'],
  },
  {
    id: 'pbc_posts0000001', name: 'posts', type: 'base',
    listRule: 'published = true || owner = @request.auth.id', viewRule: 'published = true || owner = @request.auth.id',
    createRule: '@request.auth.id != ""', updateRule: OWNER, deleteRule: OWNER,
    fields: [
      { name: 'title', type: 'text', required: true, max: 120 },
      { name: 'body', type: 'editor' },
      { name: 'published', type: 'bool' },
      { name: 'owner', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1, required: true },
      { name: 'tags', type: 'relation', collectionId: 'pbc_tags00000001', maxSelect: 10 },
      { name: 'created', type: 'autodate', onCreate: true },
      { name: 'updated', type: 'autodate', onCreate: true, onUpdate: true },
    ],
  },
  {
    id: 'pbc_comments00001', name: 'comments', type: 'base', listRule: '', viewRule: '', createRule: '@request.auth.id != ""', updateRule: null, deleteRule: OWNER,
    fields: [
      { name: 'text', type: 'text', required: true },
      { name: 'post', type: 'relation', collectionId: 'pbc_posts0000001', maxSelect: 1, required: true, cascadeDelete: true },
      { name: 'owner', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1 },
      { name: 'created', type: 'autodate', onCreate: true },
    ],
  },
];

for (const engine of availableEngines()) {
  describe(`${engine.name}: SDK compatibility (a PocketBase blog app)`, () => {
    let t: TestApp;
    let admin: PocketBase;
    let alice: PocketBase;
    let bob: PocketBase;
    let guest: PocketBase;
    const tagIds: Record<string, string> = {};
    let alicePost = '';
    let draft = '';

    beforeAll(async () => {
      t = await startTestApp({ engine });
      admin = client(t.url);
      await admin.collection('_superusers').authWithPassword(t.superuserEmail, t.superuserPassword);
      guest = client(t.url);
    });
    afterAll(() => t?.close());

    it('imports the schema and seeds tags as a superuser', async () => {
      await admin.collections.import(SCHEMA as unknown as CollectionModel[], false);
      const names = (await admin.collections.getFullList({ sort: 'name' })).map((c) => c.name);
      expect(names).toEqual(expect.arrayContaining(['comments', 'posts', 'tags', 'users', '_superusers']));
      for (const name of ['news', 'howto', 'release']) tagIds[name] = (await admin.collection('tags').create({ name })).id;
    });

    it('signs users up and in', async () => {
      for (const name of ['alice', 'bob']) {
        await guest.collection('users').create({ email: `${name}@example.com`, password: 'password-123', passwordConfirm: 'password-123', name });
      }
      alice = client(t.url);
      bob = client(t.url);
      const auth = await alice.collection('users').authWithPassword('alice@example.com', 'password-123');
      expect(auth.record.email).toBe('alice@example.com');
      expect(alice.authStore.isSuperuser).toBe(false);
      await bob.collection('users').authWithPassword('bob@example.com', 'password-123');
      const methods = await guest.collection('users').listAuthMethods();
      expect(methods.password.enabled).toBe(true);
    });

    it('creates posts under the create rule and keeps drafts to their owner', async () => {
      const me = alice.authStore.record!.id;
      alicePost = (await alice.collection('posts').create({ title: 'Hello', body: '<p>Hi <b>all</b> of you</p>', published: true, owner: me, tags: [tagIds.news, tagIds.release] })).id;
      draft = (await alice.collection('posts').create({ title: 'Draft', published: false, owner: me })).id;
      expect((await failure(guest.collection('posts').create({ title: 'x', owner: me }))).status).toBe(400);

      expect((await guest.collection('posts').getFullList()).map((p) => p.title)).toEqual(['Hello']);
      expect((await alice.collection('posts').getFullList({ sort: 'title' })).map((p) => p.title)).toEqual(['Draft', 'Hello']);
      expect((await failure(bob.collection('posts').getOne(draft))).status).toBe(404);
      expect((await failure(bob.collection('posts').update(alicePost, { title: 'mine now' }))).status).toBe(404);
    });

    it('answers getList, getFirstListItem and getFullList as the SDK expects', async () => {
      const page = await guest.collection('posts').getList(1, 10, { filter: guest.filter('title = {:t}', { t: 'Hello' }), skipTotal: true });
      expect(page.totalItems).toBe(-1);
      expect(page.items).toHaveLength(1);
      const first = await guest.collection('posts').getFirstListItem(guest.filter('published = {:p}', { p: true }));
      expect(first.id).toBe(alicePost);
      expect((await failure(guest.collection('posts').getFirstListItem('title = "none"'))).status).toBe(404);
      const since = new Date(Date.now() - 60_000);
      expect((await guest.collection('posts').getFullList({ filter: guest.filter('created >= {:since}', { since }) })).length).toBe(1);
    });

    it('expands relations and back-relations and picks fields', async () => {
      await bob.collection('comments').create({ text: 'Nice', post: alicePost, owner: bob.authStore.record!.id });
      const post = await guest.collection('posts').getOne(alicePost, {
        expand: 'tags,comments_via_post',
        fields: 'id,title,body:excerpt(8,true),expand.tags.name,expand.comments_via_post.text',
      });
      expect(post).toEqual({
        id: alicePost,
        title: 'Hello',
        body: 'Hi all o...',
        expand: { tags: [{ name: 'news' }, { name: 'release' }], comments_via_post: [{ text: 'Nice' }] },
      });
    });

    it('filters and sorts through relations, back-relations and multiple values, under the joined rules', async () => {
      const mine = await alice.collection('posts').getFullList({ filter: alice.filter('owner.name = {:n} && tags.name ?= {:t}', { n: 'alice', t: 'news' }) });
      expect(mine.map((p) => p.title)).toEqual(['Hello']);
      // Bob may not list Alice's user record (users' listRule), so a filter through it finds nothing.
      expect(await bob.collection('posts').getFullList({ filter: bob.filter('owner.name = {:n}', { n: 'alice' }) })).toEqual([]);
      expect((await guest.collection('posts').getFullList({ filter: "comments_via_post.text ?~ 'nic'" })).map((p) => p.title)).toEqual(['Hello']);
      expect((await guest.collection('posts').getFullList({ filter: 'tags:length = 2 && tags.name ?= "release"' })).map((p) => p.title)).toEqual(['Hello']);
      expect((await guest.collection('posts').getFullList({ filter: 'tags.name = "news"' }))).toEqual([]);
      const sorted = await alice.collection('posts').getFullList({ sort: '-owner.name,title' });
      expect(sorted.map((p) => p.title)).toEqual(['Draft', 'Hello']);
      expect((await failure(guest.collection('posts').getList(1, 1, { filter: '@collection.users.email ?= "alice@example.com"' }))).status).toBe(403);
    });

    it('applies a rule that joins another collection with @collection', async () => {
      const shared = await admin.collections.create({
        name: 'shared', type: 'base', listRule: 'user = @request.auth.id', viewRule: 'user = @request.auth.id',
        fields: [
          { name: 'post', type: 'relation', collectionId: 'pbc_posts0000001', maxSelect: 1, required: true, cascadeDelete: true },
          { name: 'user', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1, required: true },
        ],
      });
      await admin.collections.update('posts', {
        viewRule: 'published = true || owner = @request.auth.id || (@collection.shared.post ?= id && @collection.shared.user ?= @request.auth.id)',
      });
      expect((await failure(bob.collection('posts').getOne(draft))).status).toBe(404);
      await admin.collection('shared').create({ post: draft, user: bob.authStore.record!.id });
      expect((await bob.collection('posts').getOne(draft)).title).toBe('Draft');
      expect((await failure(guest.collection('posts').getOne(draft))).status).toBe(404);
      await admin.collections.delete(shared.id);
      await admin.collections.update('posts', { viewRule: 'published = true || owner = @request.auth.id' });
    });

    it('serves a view collection read-only, with its list rule', async () => {
      const view = await admin.collections.create({
        name: 'post_stats', type: 'view', listRule: '', viewRule: '',
        viewQuery: 'SELECT p.id, p.title, COUNT(c.id) AS comments FROM posts p LEFT JOIN comments c ON c.post = p.id WHERE p.published = TRUE GROUP BY p.id, p.title',
      });
      expect(view.fields.map((f: { name: string }) => f.name)).toEqual(['id', 'title', 'comments']);
      const rows = await guest.collection('post_stats').getFullList({ filter: 'comments >= 1' });
      expect(rows.map((r) => [r.title, r.comments])).toEqual([['Hello', 1]]);
      expect((await failure(guest.collection('post_stats').create({ title: 'x' }))).status).toBe(400);
      await admin.collections.delete('post_stats');
    });

    it('writes a batch through createBatch, all or nothing', async () => {
      const me = alice.authStore.record!.id;
      const batch = alice.createBatch();
      batch.collection('posts').create({ title: 'B1', owner: me, published: true });
      batch.collection('posts').update(draft, { published: true });
      batch.collection('comments').create({ text: 'batched', post: alicePost });
      const results = await batch.send();
      expect(results.map((r) => r.status)).toEqual([200, 200, 200]);

      const bad = alice.createBatch();
      bad.collection('posts').create({ title: 'never', owner: me });
      bad.collection('posts').update(draft, { title: '' });
      const err = await failure(bad.send());
      expect(err.status).toBe(400);
      expect(err.response.data.requests['1'].code).toBe('batch_request_failed');
      expect((await alice.collection('posts').getFullList({ filter: 'title = "never"' })).length).toBe(0);
    });

    it('refreshes the auth and keeps the owner rules working', async () => {
      const refreshed = await alice.collection('users').authRefresh();
      expect(refreshed.record.id).toBe(alice.authStore.record!.id);
      await alice.collection('posts').update(alicePost, { title: 'Hello again' });
      expect((await guest.collection('posts').getOne(alicePost)).title).toBe('Hello again');
    });

    it('cascades deletes and hides what rules hide', async () => {
      await alice.collection('posts').delete(alicePost);
      expect((await guest.collection('comments').getFullList({ filter: guest.filter('post = {:p}', { p: alicePost }) })).length).toBe(0);
      expect((await failure(guest.collection('posts').delete(draft))).status).toBe(404);
      expect((await failure(guest.collection('tags').create({ name: 'x' }))).status).toBe(403);
    });

    it('surfaces validation errors with PocketBase codes', async () => {
      const err = await failure(alice.collection('posts').create({ title: 'x'.repeat(200), owner: 'nosuchuser00000' }));
      expect(err.status).toBe(400);
      expect(Object.fromEntries(Object.entries(err.response.data as Record<string, { code: string }>).map(([k, v]) => [k, v.code]))).toEqual({
        title: 'validation_max_text_constraint',
        owner: 'validation_missing_rel_records',
      });
      const unique = await failure(admin.collection('tags').create({ name: 'news' }));
      expect(unique.response.data.name.code).toBe('validation_not_unique');
    });
  });
}
