// Test helper (owned here): related tables (posts, authors, teams, tags, comments, likes, members)
// with multiple, JSON and geoPoint fields, their QuerySchemas and a request, shared by the
// cross-engine relational table and the filter fuzz test.
import { sql } from 'kysely';
import type { ColumnKind, Database } from '../../src/db/index.js';
import { parseFilter, type QueryColumn, type FilterScope, type QuerySchema, type ReadAccess, type RequestInfo } from '../../src/query/index.js';

type Col = { readonly name: string; readonly kind: ColumnKind } & Partial<Omit<QueryColumn, 'kind'>>;
interface Table {
  readonly name: string;
  readonly columns: readonly Col[];
  readonly rows: readonly Record<string, unknown>[];
  readonly readAccess?: ReadAccess;
  readonly uniqueColumns?: readonly string[];
  readonly hasEmailVisibility?: boolean;
}

const rule = (text: string): ReadAccess => ({ kind: 'filter', expr: parseFilter(text)! });
const list = (ids: readonly string[]): string => JSON.stringify(ids);

export const TABLES: readonly Table[] = [
  {
    name: 'teams',
    readAccess: { kind: 'public' },
    columns: [{ name: 'id', kind: 'id' }, { name: 'name', kind: 'text' }, { name: 'owner', kind: 'text', isList: true, relationTo: 'authors' }],
    rows: [{ id: 't1', name: 'Red', owner: 'u1' }, { id: 't2', name: 'Blue', owner: 'u3' }],
  },
  {
    name: 'authors',
    readAccess: { kind: 'public' },
    hasEmailVisibility: true,
    columns: [
      { name: 'id', kind: 'id' }, { name: 'name', kind: 'text' }, { name: 'age', kind: 'number' },
      { name: 'team', kind: 'text', isList: true, relationTo: 'teams' }, { name: 'email', kind: 'text' },
      { name: 'emailVisibility', kind: 'bool' }, { name: 'secret', kind: 'text', hidden: true }, { name: 'profile', kind: 'json' },
    ],
    rows: [
      { id: 'u1', name: 'Ann', age: 30, team: 't1', email: 'ann@x.io', emailVisibility: true, secret: 's1', profile: '{"city":"Oslo","n":5}' },
      { id: 'u2', name: 'Bob', age: 20, team: 't2', email: 'bob@x.io', emailVisibility: false, secret: 's2', profile: '{"city":"Rome","n":"5"}' },
      { id: 'u3', name: 'Cy', age: 40, team: '', email: 'cy@x.io', emailVisibility: true, secret: '', profile: null },
    ],
  },
  {
    name: 'tags',
    // Client filters only see tags of positive weight through joins.
    readAccess: rule('weight > 0'),
    columns: [{ name: 'id', kind: 'id' }, { name: 'name', kind: 'text' }, { name: 'weight', kind: 'number' }],
    rows: [{ id: 'g1', name: 'news', weight: 1 }, { id: 'g2', name: 'tech', weight: 2 }, { id: 'g3', name: 'hidden', weight: 0 }],
  },
  {
    name: 'privates',
    readAccess: { kind: 'superusers' },
    columns: [{ name: 'id', kind: 'id' }, { name: 'name', kind: 'text' }],
    rows: [{ id: 'x1', name: 'top secret' }],
  },
  {
    name: 'posts',
    readAccess: { kind: 'public' },
    columns: [
      { name: 'id', kind: 'id' }, { name: 'title', kind: 'text' },
      { name: 'author', kind: 'text', isList: true, relationTo: 'authors' },
      { name: 'tags', kind: 'jsonArray', isList: true, relationTo: 'tags' },
      { name: 'cats', kind: 'jsonArray', isList: true },
      { name: 'status', kind: 'text', isList: true },
      { name: 'meta', kind: 'json' }, { name: 'location', kind: 'json' }, { name: 'views', kind: 'number' },
      { name: 'created', kind: 'text' },
      { name: 'reviewers', kind: 'jsonArray', isList: true, relationTo: 'authors' },
      { name: 'secretref', kind: 'text', isList: true, relationTo: 'privates' },
    ],
    rows: [
      {
        id: 'p1', title: 'Hello', author: 'u1', tags: list(['g1', 'g2']), cats: list(['a', 'b']), status: 'draft',
        meta: '{"a":{"b":1},"items":[{"name":"x"}],"s":"str","f":true}', location: '{"lon":23.3,"lat":42.7}', views: 10,
        created: '2024-01-15 10:00:00.000Z', reviewers: list(['u2', 'u3']), secretref: 'x1',
      },
      {
        id: 'p2', title: 'World', author: 'u2', tags: list(['g1']), cats: list(['a']), status: 'published',
        meta: '{"a":{"b":2},"items":[]}', location: '{"lon":0,"lat":0}', views: 5,
        created: '2024-02-29 23:59:59.999Z', reviewers: list(['u2']), secretref: '',
      },
      {
        id: 'p3', title: 'Empty', author: '', tags: '[]', cats: '[]', status: '', meta: null,
        location: '{"lon":23.31,"lat":42.71}', views: 0, created: '', reviewers: '[]', secretref: '',
      },
      {
        id: 'p4', title: 'Dangling', author: 'zzz', tags: list(['g3', 'missing']), cats: list(['b']), status: 'draft',
        meta: '{"a":{"b":"1"}}', location: '{"lon":-73.9,"lat":40.7}', views: 7,
        created: '2023-12-31 00:00:00.000Z', reviewers: list(['u1']), secretref: '',
      },
    ],
  },
  {
    name: 'comments',
    readAccess: { kind: 'public' },
    columns: [{ name: 'id', kind: 'id' }, { name: 'post', kind: 'text', isList: true, relationTo: 'posts' }, { name: 'text', kind: 'text' }, { name: 'score', kind: 'number' }],
    rows: [
      { id: 'c1', post: 'p1', text: 'nice post', score: 5 },
      { id: 'c2', post: 'p1', text: 'meh', score: 1 },
      { id: 'c3', post: 'p2', text: 'nice one', score: 4 },
    ],
  },
  {
    name: 'likes',
    readAccess: { kind: 'public' },
    columns: [{ name: 'id', kind: 'id' }, { name: 'posts', kind: 'jsonArray', isList: true, relationTo: 'posts' }],
    rows: [{ id: 'l1', posts: list(['p1', 'p2']) }, { id: 'l2', posts: list(['p1']) }],
  },
  {
    name: 'members',
    readAccess: { kind: 'public' },
    columns: [
      { name: 'id', kind: 'id' }, { name: 'user', kind: 'text', isList: true, relationTo: 'authors' },
      { name: 'team', kind: 'text', isList: true, relationTo: 'teams' }, { name: 'role', kind: 'text' },
    ],
    rows: [
      { id: 'm1', user: 'u1', team: 't1', role: 'admin' },
      { id: 'm2', user: 'u2', team: 't1', role: 'member' },
      { id: 'm3', user: 'u2', team: 't2', role: 'admin' },
    ],
  },
];

export const SCHEMAS = new Map<string, QuerySchema>(TABLES.map((t) => [t.name, {
  table: t.name,
  columns: new Map(t.columns.map(({ name, ...c }) => [name, { hidden: false, ...c }])),
  readAccess: t.readAccess,
  uniqueColumns: new Set(t.uniqueColumns ?? []),
  hasEmailVisibility: t.hasEmailVisibility,
}]));

export const REQUEST: RequestInfo = {
  auth: { id: 'u1', collectionId: 'authors', collectionName: 'authors', name: 'Ann', team: 't1' },
  method: 'PATCH',
  context: 'default',
  query: {},
  headers: {},
  body: { author: 'u2', tags: ['g1', 'g2'], title: 'x', views: '10' },
};

/** Creates and fills every table. */
export async function seedRelations(database: Database): Promise<void> {
  for (const table of TABLES) {
    for (const ddl of database.dialect.createTable(table.name, table.columns)) await sql.raw(ddl).execute(database.db);
    for (const row of table.rows) {
      const values = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'boolean' ? database.dialect.boolToDb(v) : v]));
      await database.db.insertInto(table.name).values(values).execute();
    }
  }
}

/** The scope a filter over `posts` compiles in, resolving the other fixture tables by name. */
export function postsScope(database: Database, isTrusted: boolean): FilterScope {
  return {
    schema: SCHEMAS.get('posts')!,
    dialect: database.dialect,
    request: REQUEST,
    isTrusted,
    schemas: { schema: (name) => SCHEMAS.get(name) },
  };
}
