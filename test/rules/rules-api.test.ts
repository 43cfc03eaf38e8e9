// API rules and client filters through the HTTP API on every engine: rules that follow relations,
// read @request.auth/@request.body and join @collection; client filters that cannot see past the
// joined collection's listRule, hidden fields or @request/@collection; and hostile filters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { countOf, createCollection, expectError, signUp, type SignedInUser } from '../records/fixtures.js';

const OWNER_RULE = 'owner = @request.auth.id';
const TEAM_RULE = '@request.auth.id != "" && author.team ?= @request.auth.team';
const MEMBER_RULE = '@collection.members.user ?= @request.auth.id && @collection.members.project ?= id';

for (const engine of availableEngines()) {
  describe(`${engine.name}: rules and filters across collections`, () => {
    let t: TestApp;
    let su: string;
    let alice: SignedInUser;
    let bob: SignedInUser;
    let carol: SignedInUser;
    const ids: Record<string, string> = {};

    async function make(collection: string, body: Record<string, unknown>, token?: string): Promise<string> {
      const res = await t.post(`/api/collections/${collection}/records`, body, { token: token ?? su });
      if (res.status !== 200) throw new Error(`${collection}: ${res.status} ${res.text}`);
      return res.body.id as string;
    }

    const listIds = async (collection: string, token?: string, query = ''): Promise<string[]> => {
      const res = await t.get(`/api/collections/${collection}/records?perPage=100${query}`, { token });
      expect(res.status, res.text).toBe(200);
      return (res.body.items as { id: string }[]).map((r) => r.id).sort();
    };

    beforeAll(async () => {
      t = await startTestApp({ engine });
      su = await t.superuserToken();
      const teams = await createCollection(t, { name: 'teams', listRule: '', viewRule: '', fields: [{ name: 'name', type: 'text' }] });
      const users = (await t.get('/api/collections/users', { token: su })).body;
      const patched = await t.patch('/api/collections/users', {
        fields: [...users.fields, { name: 'team', type: 'relation', collectionId: teams.id, maxSelect: 1 }],
      }, { token: su });
      if (patched.status !== 200) throw new Error(patched.text);
      ids.red = await make('teams', { name: 'Red' });
      ids.blue = await make('teams', { name: 'Blue' });
      alice = await signUp(t, 'alice@example.com', undefined, { name: 'Alice', team: ids.red });
      bob = await signUp(t, 'bob@example.com', undefined, { name: 'Bob', team: ids.red });
      carol = await signUp(t, 'carol@example.com', undefined, { name: 'Carol', team: ids.blue });

      await createCollection(t, {
        name: 'notes', listRule: OWNER_RULE, viewRule: OWNER_RULE, updateRule: OWNER_RULE, deleteRule: OWNER_RULE,
        createRule: `@request.auth.id != "" && ${OWNER_RULE}`,
        fields: [{ name: 'title', type: 'text' }, { name: 'owner', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1 }],
      });
      await createCollection(t, {
        name: 'teamposts', listRule: TEAM_RULE, viewRule: TEAM_RULE, createRule: null,
        fields: [{ name: 'title', type: 'text' }, { name: 'author', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1 }],
      });
      await createCollection(t, {
        name: 'profiles', listRule: '', viewRule: '',
        createRule: '@request.body.role:isset = false', updateRule: '@request.body.role:isset = false',
        fields: [{ name: 'title', type: 'text' }, { name: 'role', type: 'text' }],
      });
      const projects = await createCollection(t, { name: 'projects', listRule: MEMBER_RULE, viewRule: MEMBER_RULE, fields: [{ name: 'name', type: 'text' }] });
      await createCollection(t, {
        name: 'members',
        fields: [
          { name: 'user', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1 },
          { name: 'project', type: 'relation', collectionId: projects.id, maxSelect: 1 },
        ],
      });
      const secrets = await createCollection(t, { name: 'secrets', fields: [{ name: 'name', type: 'text' }] });
      await createCollection(t, {
        name: 'articles', listRule: '', viewRule: '',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'author', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1 },
          { name: 'secret', type: 'relation', collectionId: secrets.id, maxSelect: 1 },
          { name: 'tags', type: 'select', values: ['a', 'b', 'c'], maxSelect: 3 },
        ],
      });
      await createCollection(t, {
        name: 'locks', listRule: '', viewRule: '', updateRule: '@request.body.locked:changed = false',
        fields: [{ name: 'title', type: 'text' }, { name: 'locked', type: 'bool' }],
      });

      ids.noteA = await make('notes', { title: 'alice note', owner: alice.id }, alice.token);
      ids.postA = await make('teamposts', { title: 'by alice', author: alice.id });
      ids.postB = await make('teamposts', { title: 'by bob', author: bob.id });
      ids.postC = await make('teamposts', { title: 'by carol', author: carol.id });
      ids.p1 = await make('projects', { name: 'P1' });
      ids.p2 = await make('projects', { name: 'P2' });
      await make('members', { user: alice.id, project: ids.p1 });
      await make('members', { user: bob.id, project: ids.p2 });
      ids.secret = await make('secrets', { name: 'launch codes' });
      ids.artA = await make('articles', { title: 'mine', author: alice.id, secret: ids.secret, tags: ['a', 'b'] });
      ids.artC = await make('articles', { title: 'hers', author: carol.id, tags: ['a'] });
      ids.lock = await make('locks', { title: 'l', locked: false });
    });
    afterAll(() => t?.close());

    describe(OWNER_RULE, () => {
      it('creates only for oneself, and hides other people\'s notes (404)', async () => {
        expectError(await t.post('/api/collections/notes/records', { title: 'x', owner: bob.id }, { token: alice.token }), 400, { message: 'Failed to create record.' });
        expect(await listIds('notes', bob.token)).toEqual([]);
        expect(await listIds('notes', alice.token)).toEqual([ids.noteA]);
        expectError(await t.get(`/api/collections/notes/records/${ids.noteA}`, { token: bob.token }), 404);
        expectError(await t.patch(`/api/collections/notes/records/${ids.noteA}`, { title: 'hacked' }, { token: bob.token }), 404);
        expectError(await t.delete(`/api/collections/notes/records/${ids.noteA}`, { token: bob.token }), 404);
        expect((await t.patch(`/api/collections/notes/records/${ids.noteA}`, { title: 'edited' }, { token: alice.token })).status).toBe(200);
      });
    });

    describe(TEAM_RULE, () => {
      it('follows the author relation and the caller\'s own team', async () => {
        expect(await listIds('teamposts', alice.token)).toEqual([ids.postA, ids.postB].sort());
        expect(await listIds('teamposts', bob.token)).toEqual([ids.postA, ids.postB].sort());
        expect(await listIds('teamposts', carol.token)).toEqual([ids.postC]);
        expect(await listIds('teamposts')).toEqual([]);
        expectError(await t.get(`/api/collections/teamposts/records/${ids.postC}`, { token: alice.token }), 404);
        expect((await t.get(`/api/collections/teamposts/records/${ids.postB}`, { token: alice.token })).status).toBe(200);
      });

      it('combines with a client filter and a relation sort', async () => {
        expect(await listIds('teamposts', alice.token, `&filter=${encodeURIComponent("author.name = 'Alice'")}`)).toEqual([ids.postA]);
        // Alice may read Bob's post, but not Bob's user record (users.listRule): a filter cannot peek at it.
        expect(await listIds('teamposts', alice.token, `&filter=${encodeURIComponent("author.name = 'Bob'")}`)).toEqual([]);
        expect(await listIds('teamposts', bob.token, `&filter=${encodeURIComponent("author.name = 'Bob'")}`)).toEqual([ids.postB]);
        const sorted = await t.get('/api/collections/teamposts/records?sort=-author.name', { token: su });
        expect(sorted.body.items.map((r: { id: string }) => r.id)).toEqual([ids.postC, ids.postB, ids.postA]);
      });
    });

    describe('@request.body.role:isset = false', () => {
      it('refuses a create or update that sends the field, and writes nothing', async () => {
        const before = await countOf(t, 'profiles');
        expectError(await t.post('/api/collections/profiles/records', { title: 'x', role: 'admin' }, { token: alice.token }), 400, { message: 'Failed to create record.' });
        expect(await countOf(t, 'profiles')).toBe(before);
        const id = await make('profiles', { title: 'x' }, alice.token);
        expectError(await t.patch(`/api/collections/profiles/records/${id}`, { role: 'admin' }, { token: alice.token }), 404);
        expect((await t.patch(`/api/collections/profiles/records/${id}`, { title: 'y' }, { token: alice.token })).status).toBe(200);
      });
    });

    describe(MEMBER_RULE, () => {
      it('needs one membership row naming both the caller and the project', async () => {
        expect(await listIds('projects', alice.token)).toEqual([ids.p1]);
        expect(await listIds('projects', bob.token)).toEqual([ids.p2]);
        expect(await listIds('projects', carol.token)).toEqual([]);
        expectError(await t.get(`/api/collections/projects/records/${ids.p2}`, { token: alice.token }), 404);
      });
    });

    describe('@request.body.locked:changed = false', () => {
      it('allows an update that leaves the field alone or sends it unchanged', async () => {
        expect((await t.patch(`/api/collections/locks/records/${ids.lock}`, { title: 'y' }, { token: alice.token })).status).toBe(200);
        expect((await t.patch(`/api/collections/locks/records/${ids.lock}`, { locked: false }, { token: alice.token })).status).toBe(200);
        expectError(await t.patch(`/api/collections/locks/records/${ids.lock}`, { locked: true }, { token: alice.token }), 404);
      });
    });

    describe('client filters', () => {
      const filter = (text: string): string => `&filter=${encodeURIComponent(text)}`;

      it('see a related record only where its listRule lets the caller list it', async () => {
        // users.listRule is `id = @request.auth.id`: Alice cannot learn Carol's team through articles.
        expect(await listIds('articles', alice.token, filter("author.team.name = 'Blue'"))).toEqual([]);
        expect(await listIds('articles', su, filter("author.team.name = 'Blue'"))).toEqual([ids.artC]);
        expect(await listIds('articles', alice.token, filter("author.team.name = 'Red'"))).toEqual([ids.artA]);
        // The stored id itself is the article's own field.
        expect(await listIds('articles', alice.token, filter(`author = '${carol.id}'`))).toEqual([ids.artC]);
      });

      it('refuse a superusers-only collection, hidden fields, @collection and @request', async () => {
        expectError(await t.get(`/api/collections/articles/records?${filter("secret.name = 'launch codes'").slice(1)}`, { token: alice.token }), 400);
        expect(await listIds('articles', su, filter("secret.name = 'launch codes'"))).toEqual([ids.artA]);
        expectError(await t.get(`/api/collections/articles/records?${filter("author.tokenKey != ''").slice(1)}`, { token: alice.token }), 400);
        expect(await listIds('articles', su, filter("author.tokenKey != ''"))).toEqual([ids.artA, ids.artC].sort());
        expectError(await t.get(`/api/collections/articles/records?${filter("@collection.members.user = 'x'").slice(1)}`, { token: alice.token }), 403, { message: 'Only superusers can filter by @collection.' });
        expectError(await t.get(`/api/collections/articles/records?${filter("@request.auth.id = ''").slice(1)}`, { token: alice.token }), 403);
      });

      it('treat multiple select values one by one', async () => {
        expect(await listIds('articles', alice.token, filter("tags ?= 'b'"))).toEqual([ids.artA]);
        expect(await listIds('articles', alice.token, filter("tags = 'a'"))).toEqual([ids.artC]);
        expect(await listIds('articles', alice.token, filter('tags:length = 2'))).toEqual([ids.artA]);
        expect(await listIds('articles', alice.token, filter("tags ~ 'b'"))).toEqual([ids.artA]);
      });

      it.each([
        { name: '10 000 terms', text: Array.from({ length: 10_000 }, (_, i) => `title = '${i}'`).join(' || ') },
        { name: 'deep nesting', text: `${'('.repeat(3000)}title = 'x'${')'.repeat(3000)}` },
        { name: 'a path through a text field', text: "author.team.name.a.b.c.d.e = 'x'" },
        { name: 'a statement break', text: "title = 'x'; DROP TABLE articles" },
      ])('answers $name with a clean 400', async ({ text }) => {
        const res = await t.request('GET', `/api/collections/articles/records?${filter(text).slice(1)}`, { token: su });
        expectError(res, 400, { data: {} });
        expect(await countOf(t, 'articles')).toBe(2);
      });

      it('answers huge numbers, unicode and quotes with rows (or, past float range, a 400)', async () => {
        for (const text of [`title = ${'9'.repeat(300)} || title = -${'9'.repeat(300)}.5`, "title ~ '😀\\'\"%_'", "title != '\u0085\u2028'"]) {
          expect((await t.get(`/api/collections/articles/records?${filter(text).slice(1)}`, { token: alice.token })).status, text).toBe(200);
        }
        expectError(await t.get(`/api/collections/articles/records?${filter(`title = ${'9'.repeat(400)}`).slice(1)}`, { token: alice.token }), 400);
      });
    });
  });
}
