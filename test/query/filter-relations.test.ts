// The cross-engine table over related tables (API.md §5): relations, back-relations, multiple
// fields, @collection, @request, JSON and geoPoint paths, modifiers and functions. Every engine
// must return exactly the ids listed (SQLite's, PocketBase's engine), and sort alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, type ErrorCode } from '../../src/core/errors.js';
import { openDatabase, type Database } from '../../src/db/index.js';
import { compileFilterText, parseListParams, runList, type FilterScope } from '../../src/query/index.js';
import { availableEngines, type TestDatabase } from '../helpers/engines.js';
import { REQUEST, SCHEMAS, postsScope, seedRelations } from './relations-fixture.js';

const ALL = ['p1', 'p2', 'p3', 'p4'];

type Case = { readonly filter: string; readonly ids?: readonly string[]; readonly error?: ErrorCode; readonly trusted?: boolean };

const CASES: readonly Case[] = [
  // Single relations, nested; a missing or dangling relation reads as empty.
  { filter: "author.name = 'Ann'", ids: ['p1'] },
  { filter: "author.name != 'Ann'", ids: ['p2', 'p3', 'p4'] },
  { filter: "author.name = ''", ids: ['p3', 'p4'] },
  { filter: 'author.age > 25', ids: ['p1'] },
  { filter: 'author.age != 30', ids: ['p2', 'p3', 'p4'] },
  { filter: "author.age = ''", ids: ['p3', 'p4'] },
  { filter: "author.team.name = 'Red'", ids: ['p1'] },
  { filter: "author.team.owner.name = 'Cy'", ids: ['p2'] },
  { filter: "author.id = 'u1'", ids: ['p1'] },
  { filter: "author.name ~ 'o' || title = 'Empty'", ids: ['p2', 'p3'] },
  { filter: "author.team.owner.team.owner.team.name = 'Red'", ids: ['p1'] },
  // Multiple relations: the plain operator needs every related value, `?` one.
  { filter: "tags.name ?= 'news'", ids: ['p1', 'p2'] },
  { filter: "tags.name = 'news'", ids: ['p2'] },
  { filter: "tags.name ?!= 'news'", ids: ['p1', 'p3', 'p4'], trusted: true },
  { filter: "tags.name != 'news'", ids: ['p3', 'p4'], trusted: true },
  { filter: 'tags.weight ?> 1', ids: ['p1'] },
  { filter: 'tags.weight >= 1', ids: ['p1', 'p2'] },
  { filter: "reviewers.name ?= 'Bob'", ids: ['p1', 'p2'] },
  { filter: "reviewers.name = 'Bob'", ids: ['p2'] },
  { filter: "reviewers.team.name ?= 'Blue'", ids: ['p1', 'p2'] },
  // Two empty sides are equal: PocketBase compares fields as COALESCE(a, '') = COALESCE(b, '').
  { filter: 'tags.name ?= reviewers.name', ids: ['p3'] },
  { filter: 'author.name = reviewers.name', ids: ['p2', 'p3'] },
  // A bare multiple field: its values, except `~` which reads the stored JSON text (PocketBase).
  { filter: "tags ?= 'g1'", ids: ['p1', 'p2'] },
  { filter: "tags = 'g1'", ids: ['p2'] },
  { filter: "tags = ''", ids: ['p3'] },
  { filter: "tags != ''", ids: ['p1', 'p2', 'p4'] },
  { filter: "tags ~ 'g2'", ids: ['p1'] },
  { filter: "tags !~ 'g1'", ids: ['p3', 'p4'] },
  { filter: "cats ?~ 'b'", ids: ['p1', 'p4'] },
  // Modifiers.
  { filter: 'tags:length = 2', ids: ['p1', 'p4'] },
  { filter: 'tags:length = 0', ids: ['p3'] },
  { filter: 'status:length = 1', ids: ['p1', 'p2', 'p4'] },
  { filter: "cats:each = 'a'", ids: ['p2'] },
  { filter: "cats:each ?= 'b'", ids: ['p1', 'p4'] },
  // NOTE: one path is one join, as in PocketBase: both sides must hold for the same element.
  { filter: "cats:each ?= 'a' && cats:each ?= 'b'", ids: [] },
  { filter: "cats:each ?= 'a' && cats ?~ 'b'", ids: ['p1'] },
  { filter: "status:each = 'draft'", ids: ['p1', 'p4'] },
  { filter: "author.name:lower = 'ann'", ids: ['p1'] },
  { filter: "title:each = 'x'", error: 'bad_request' },
  { filter: 'title:length = 1', error: 'bad_request' },
  { filter: 'title:isset = true', error: 'bad_request' },
  // Back-relations (single: many-valued without a unique index; multiple).
  { filter: "comments_via_post.text ?~ 'nice'", ids: ['p1', 'p2'] },
  { filter: "comments_via_post.text ~ 'nice'", ids: ['p2'] },
  { filter: 'comments_via_post.score ?> 4', ids: ['p1'] },
  { filter: "comments_via_post.post.title ?= 'Hello'", ids: ['p1'] },
  { filter: "likes_via_posts.id ?= 'l2'", ids: ['p1'] },
  { filter: "likes_via_posts.id != ''", ids: ['p1', 'p2'] },
  { filter: "comments_via_nosuch.text = 'x'", error: 'bad_request' },
  { filter: "nosuch_via_post.text = 'x'", error: 'bad_request' },
  { filter: "comments_via_text.text = 'x'", error: 'bad_request' },
  // JSON and geoPoint paths, typed as SQLite's json_extract types them.
  { filter: 'meta.a.b = 1', ids: ['p1'] },
  { filter: "meta.a.b = '1'", ids: ['p4'] },
  { filter: 'meta.a.b > 1', ids: ['p2', 'p4'] },
  { filter: 'meta.a.b < 2', ids: ['p1'] },
  { filter: "meta.items.0.name = 'x'", ids: ['p1'] },
  { filter: "meta.s ~ 'st'", ids: ['p1'] },
  { filter: 'meta.f = true', ids: ['p1'] },
  { filter: 'meta.a.b = null', ids: ['p3'] },
  { filter: 'meta.missing != 1', ids: ALL },
  { filter: "author.profile.city = 'Rome'", ids: ['p2'] },
  { filter: 'author.profile.n = 5', ids: ['p1'] },
  { filter: 'location.lat > 42', ids: ['p1', 'p3'] },
  { filter: 'location.lon < 0', ids: ['p4'] },
  // Functions.
  { filter: 'geoDistance(location.lon, location.lat, 23.3, 42.7) < 25', ids: ['p1', 'p3'] },
  { filter: 'geoDistance(location.lon, location.lat, 23.3, 42.7) > 5000', ids: ['p2', 'p4'] },
  { filter: 'geoDistance(location.lon, location.lat, 23.3, 42.7) > 6000', ids: ['p4'] },
  { filter: "geoDistance(title, 1, 2, 3) > 0", error: 'bad_request' },
  { filter: "strftime('%Y-%m', created) = '2024-02'", ids: ['p2'] },
  { filter: "strftime('%d', created, '+1 day') = '01'", ids: ['p2', 'p4'] },
  { filter: "strftime('%j', created) = '060'", ids: ['p2'] },
  { filter: "strftime('%w %H:%M:%S', created) = '1 10:00:00'", ids: ['p1'] },
  { filter: "strftime('%F %T', created, '-10 hours') = '2024-01-15 00:00:00'", ids: ['p1'] },
  { filter: "strftime('%s', created, 'start of day') = '1705276800'", ids: ['p1'] },
  { filter: "strftime('%Y-%m-%d', created, 'start of month') = '2024-02-01'", ids: ['p2'] },
  { filter: "strftime('%Y', created, 'start of year', '+400 days') = '2025'", ids: ['p1', 'p2'] },
  { filter: "strftime('%f', created) = '59.999'", ids: ['p2'] },
  { filter: "strftime('%Y', created) = ''", ids: ['p3'] },
  { filter: "strftime('100%%') = '100%'", ids: ALL },
  { filter: "strftime('%Y', '2024-02-30') = '2024' && strftime('%m-%d', '2024-02-30') = '03-01'", ids: ALL },
  { filter: "strftime('%Q', created) = ''", error: 'bad_request' },
  { filter: "strftime('%Y', created, '+1 month') = ''", error: 'bad_request' },
  { filter: "strftime('%Y', 12345) = ''", error: 'bad_request' },
  // @collection: one shared row per collection name, an independent one per alias.
  { filter: "@collection.members.user ?= author && @collection.members.role ?= 'admin'", ids: ['p1', 'p2'], trusted: true },
  { filter: "@collection.members.user ?= author && @collection.members.team ?= 't2'", ids: ['p2'], trusted: true },
  { filter: "@collection.members:a.user ?= author && @collection.members:b.team ?= 't2'", ids: ['p1', 'p2'], trusted: true },
  { filter: "@collection.members.role = 'admin'", ids: [], trusted: true },
  { filter: "@collection.members.user.name ?= 'Bob' && author.name = 'Bob'", ids: ['p2'], trusted: true },
  { filter: "@collection.nosuch.user ?= 'x'", error: 'bad_request', trusted: true },
  { filter: "@collection.members.user ?= author", error: 'forbidden' },
  // @request: the auth record and the body, relations followed.
  { filter: "@request.auth.team.name = 'Red'", ids: ALL, trusted: true },
  { filter: "@request.auth.team.owner = 'u1'", ids: ALL, trusted: true },
  { filter: 'author.team = @request.auth.team', ids: ['p1'], trusted: true },
  { filter: "@request.auth.id != '' && author.team ?= @request.auth.team", ids: ['p1'], trusted: true },
  { filter: "@request.body.author.name = 'Bob'", ids: ALL, trusted: true },
  { filter: '@request.body.tags:length = 2', ids: ALL, trusted: true },
  { filter: "@request.body.tags:each ?= 'g2'", ids: ALL, trusted: true },
  { filter: "@request.body.tags:each = 'g1'", ids: [], trusted: true },
  { filter: 'tags ?= @request.body.tags', ids: ['p1', 'p2'], trusted: true },
  { filter: "@request.body.tags.name ?= 'tech'", ids: ALL, trusted: true },
  { filter: "@request.body.tags.name = 'tech'", ids: [], trusted: true },
  { filter: '@request.body.views:changed = true', ids: ['p2', 'p3', 'p4'], trusted: true },
  { filter: '@request.body.title:isset = true && @request.body.nosuch:isset = false', ids: ALL, trusted: true },
  { filter: "@request.body.author.name = 'x'", error: 'forbidden' },
  // Client filters: hidden fields, invisible emails and rows the joined collection's listRule hides.
  { filter: "author.secret = 's1'", error: 'bad_request' },
  { filter: "author.secret = 's1'", ids: ['p1'], trusted: true },
  { filter: "author.email = 'bob@x.io'", ids: [] },
  { filter: "author.email = 'bob@x.io'", ids: ['p2'], trusted: true },
  { filter: "author.email = 'ann@x.io'", ids: ['p1'] },
  { filter: "tags.name ?= 'hidden'", ids: [] },
  { filter: "tags.name ?= 'hidden'", ids: ['p4'], trusted: true },
  { filter: "tags ?= 'g3'", ids: ['p4'] },
  { filter: "secretref.name = 'top secret'", error: 'bad_request' },
  { filter: "secretref.name = 'top secret'", ids: ['p1'], trusted: true },
  // Caps: 6 relation hops, joins per query.
  { filter: "author.team.owner.team.owner.team.owner.name = 'x'", error: 'bad_request' },
  { filter: Array.from({ length: 31 }, (_, i) => `@collection.members:m${i}.role = 'x'`).join(' || '), error: 'bad_request', trusted: true },
  { filter: "author.nosuch = 'x'", error: 'bad_request' },
  { filter: "title.name = 'x'", error: 'bad_request' },
];

async function errorCode(fn: () => Promise<unknown>): Promise<ErrorCode | 'none'> {
  try {
    await fn();
    return 'none';
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
}

for (const engine of availableEngines()) {
  describe(`${engine.name}: filters over related tables`, () => {
    let testDb: TestDatabase;
    let database: Database;

    beforeAll(async () => {
      testDb = await engine.createDatabase();
      database = openDatabase(testDb.url);
      await seedRelations(database);
    });
    afterAll(async () => {
      await database?.close();
      await testDb?.drop();
    });

    const scope = (isTrusted: boolean): FilterScope => postsScope(database, isTrusted);

    const select = async (filter: string, isTrusted: boolean): Promise<string[]> => {
      const where = compileFilterText(filter, scope(isTrusted));
      let query = database.db.selectFrom('posts').select('posts.id');
      if (where) query = query.where(where);
      return (await query.orderBy('posts.id').execute()).map((r) => String(r.id));
    };

    it.each(CASES)('$filter', async ({ filter, ids, error, trusted }) => {
      if (error) {
        expect(await errorCode(() => select(filter, trusted ?? false))).toBe(error);
      } else {
        expect(await select(filter, trusted ?? false)).toEqual(ids);
      }
    });

    const sorted = async (sort: string, isTrusted = false) =>
      (await runList({ executor: database.db, scope: scope(isTrusted), params: parseListParams({ sort }), mapRow: (r) => String(r.id) })).items;

    it.each([
      { sort: 'author.name,id', ids: ['p3', 'p4', 'p1', 'p2'] },
      { sort: '-author.name,id', ids: ['p2', 'p1', 'p3', 'p4'] },
      { sort: 'author.team.name,-id', ids: ['p4', 'p3', 'p2', 'p1'] },
      { sort: 'meta.a.b,id', ids: ['p3', 'p1', 'p2', 'p4'] },
      { sort: 'tags:length,id', ids: ['p3', 'p2', 'p1', 'p4'] },
      { sort: '-status,views', ids: ['p2', 'p4', 'p1', 'p3'] },
      { sort: 'title:lower', ids: ['p4', 'p3', 'p1', 'p2'] },
    ])('sort=$sort', async ({ sort, ids }) => {
      expect(await sorted(sort)).toEqual(ids);
    });

    it.each(['tags.name', 'comments_via_post.score', 'author.secret', '@collection.members.role'])('sort=%s is refused', async (sort) => {
      expect(['bad_request', 'forbidden']).toContain(await errorCode(() => sorted(sort)));
    });

    it('sorts by a hidden related field for a trusted caller, and @random over every row', async () => {
      expect(await sorted('author.secret,id', true)).toEqual(['p3', 'p4', 'p1', 'p2']);
      expect([...(await sorted('@random'))].sort()).toEqual(ALL);
    });
  });
}
