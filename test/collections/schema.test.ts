// Schema sync on every engine, asserted against the real tables: create with every field type and
// index kind, each kind of update, all-or-nothing failures (MariaDB by compensation), remove, truncate.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError, ValidationError } from '../../src/core/errors.js';
import type { CollectionJson } from '../../src/collections/index.js';
import { availableEngines } from '../helpers/engines.js';
import { collectionRow, columnsOf, fieldColumns, indexesOf, rowsOf, snapshotTable, tableExists, tableNames } from './inspect.js';
import { startHarness, type CollectionsHarness } from './setup.js';

type FieldJson = Record<string, unknown> & { id: string; name: string };

const fieldsOf = (c: CollectionJson): FieldJson[] => c.fields as FieldJson[];
const recordId = (n: number): string => `r${String(n).padStart(14, '0')}`;

const POSTS_FIELDS = [
  { name: 'title', type: 'text', max: 200 },
  { name: 'slug', type: 'text' },
  { name: 'code', type: 'text' },
  { name: 'body', type: 'editor' },
  { name: 'views', type: 'number', onlyInt: true },
  { name: 'published', type: 'bool' },
  { name: 'email', type: 'email' },
  { name: 'site', type: 'url' },
  { name: 'publishedAt', type: 'date' },
  { name: 'created', type: 'autodate', onCreate: true },
  { name: 'updated', type: 'autodate', onCreate: true, onUpdate: true },
  { name: 'status', type: 'select', values: ['draft', 'live'], maxSelect: 1 },
  { name: 'labels', type: 'select', values: ['a', 'b', 'c'], maxSelect: 3 },
  { name: 'meta', type: 'json' },
  { name: 'author', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1, cascadeDelete: true },
  { name: 'tags', type: 'relation', collectionId: 'tags', maxSelect: 5, cascadeDelete: true },
  { name: 'cover', type: 'file', maxSelect: 1 },
  { name: 'location', type: 'geoPoint' },
];

const POSTS_INDEXES = [
  'CREATE UNIQUE INDEX idx_posts_slug ON posts (slug)',
  'CREATE UNIQUE INDEX idx_posts_code ON posts (code COLLATE NOCASE)',
  'CREATE INDEX idx_posts_title ON posts (title COLLATE NOCASE)',
  "CREATE UNIQUE INDEX idx_posts_email ON posts (email) WHERE email != ''",
];

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

for (const engine of availableEngines()) {
  describe(`${engine.name}: collection schema sync`, () => {
    let h: CollectionsHarness;
    beforeAll(async () => {
      h = await startHarness(engine);
    });
    afterAll(() => h.close());

    const insert = (table: string, rows: Record<string, unknown>[]) => h.database.db.insertInto(table).values(rows).execute();
    const bool = (value: boolean) => h.database.dialect.boolToDb(value);
    /** Inserts one row and returns how the adapter reads the failure, or null when it went in. */
    async function violation(table: string, row: Record<string, unknown>) {
      try {
        await insert(table, [row]);
        return null;
      } catch (err) {
        return h.database.dialect.translateError(err) ?? err;
      }
    }

    describe('create', () => {
      it('creates a base collection with every field type and its indexes', async () => {
        await h.service.create({ name: 'tags', type: 'base', fields: [{ name: 'label', type: 'text' }] });
        const posts = await h.service.create({ name: 'posts', type: 'base', fields: POSTS_FIELDS, indexes: POSTS_INDEXES });

        expect(fieldsOf(posts).map((f) => f.name)).toEqual(['id', ...POSTS_FIELDS.map((f) => f.name)]);
        const tags = fieldsOf(posts).find((f) => f.name === 'tags');
        expect(tags).toMatchObject({ collectionId: h.registry.get('tags')!.id, maxSelect: 5, cascadeDelete: true });
        expect(await fieldColumns(h.database, 'posts')).toEqual(['id', ...POSTS_FIELDS.map((f) => f.name)]);

        const indexes = await indexesOf(h.database, 'posts');
        expect(indexes.map((i) => [i.name, i.isUnique])).toEqual([
          ['idx_posts_code', true], ['idx_posts_email', true], ['idx_posts_slug', true], ['idx_posts_title', false],
        ]);
        const row = await collectionRow(h.database, String(posts.id));
        expect(JSON.parse(String(row?.indexes))).toEqual(posts.indexes);
      });

      it('stores every field type in a column the engine accepts', async () => {
        await insert('posts', [{
          id: recordId(1), title: 'Hello', slug: 'hello', code: 'ABC', body: '<p>x</p>', views: 3, published: bool(true),
          email: '', site: 'https://example.com', publishedAt: '2024-01-02 03:04:05.000Z', created: '2024-01-01 00:00:00.000Z',
          status: 'live', labels: '["a","b"]', meta: '{"k":1}', author: 'u00000000000001', tags: '["t1"]', cover: 'a.png',
          location: '{"lon":1.5,"lat":2.5}',
        }]);
        const [row] = await rowsOf(h.database, 'posts');
        expect(row).toMatchObject({ id: recordId(1), title: 'Hello', views: 3, labels: '["a","b"]', tags: '["t1"]' });
        expect(h.database.dialect.boolFromDb(row?.published)).toBe(true);
        // Columns not given take each kind's zero value.
        await insert('posts', [{ id: recordId(2), slug: 'second', code: 'DEF' }]);
        const second = (await rowsOf(h.database, 'posts'))[1];
        expect(second).toMatchObject({ title: '', views: 0, labels: '[]', tags: '[]', meta: null, status: '' });
        expect(h.database.dialect.boolFromDb(second?.published)).toBe(false);
      });

      it.each([
        { what: 'a unique column', row: { slug: 'hello', code: 'X1' } },
        { what: 'a COLLATE NOCASE unique column, in another case', row: { slug: 'x2', code: 'abc' } },
        { what: 'a partial unique index, on a non-empty value', row: { slug: 'x3', code: 'X3', email: 'a@example.com' } },
      ])('refuses a duplicate in $what', async ({ row }) => {
        await insert('posts', [{ id: recordId(10), slug: 'e1', code: 'E1', email: 'a@example.com' }]);
        try {
          expect(await violation('posts', { id: recordId(11), ...row })).toMatchObject({ kind: 'unique' });
        } finally {
          await h.database.db.deleteFrom('posts').where('id', '=', recordId(10)).execute();
        }
        expect((await rowsOf(h.database, 'posts')).map((r) => r.id)).toEqual([recordId(1), recordId(2)]);
      });

      it('allows any number of empty values under the partial unique index', async () => {
        expect(await violation('posts', { id: recordId(3), slug: 'third', code: 'GHI', email: '' })).toBeNull();
        expect((await rowsOf(h.database, 'posts')).filter((r) => r.email === '')).toHaveLength(3);
      });

      it('creates an auth collection with its system fields and unique indexes', async () => {
        const members = await h.service.create({
          name: 'members', type: 'auth', fields: [{ name: 'nick', type: 'text' }],
          passwordAuth: { enabled: true, identityFields: ['email', 'nick'] },
          indexes: ['CREATE UNIQUE INDEX idx_members_nick ON members (nick COLLATE NOCASE)'],
        });
        const id = String(members.id);
        expect(await fieldColumns(h.database, 'members')).toEqual(['id', 'password', 'tokenKey', 'email', 'emailVisibility', 'verified', 'nick']);
        expect((await indexesOf(h.database, 'members')).map((i) => [i.name, i.isUnique])).toEqual([
          [`idx_email_${id}`, true], ['idx_members_nick', true], [`idx_tokenKey_${id}`, true],
        ]);
        const member = (n: number, extra: Record<string, unknown>) => ({ id: recordId(n), password: 'x', tokenKey: `k${n}`, ...extra });
        await insert('members', [member(1, { nick: 'Ann' })]);
        expect(await violation('members', member(2, { nick: 'ann' }))).toMatchObject({ kind: 'unique' });
        await h.service.remove('members');
        expect(await tableExists(h.database, 'members')).toBe(false);
      });

      it('leaves no table and no row when the collection row cannot be written', async () => {
        // Another node saved a collection with this id after our registry last loaded.
        const { _rowid_: _rowid, ...copy } = (await collectionRow(h.database, h.registry.get('tags')!.id))!;
        const stray = { ...copy, id: 'pbc_race', name: 'race_other' };
        await h.database.db.insertInto('_collections').values(stray).execute();
        const tables = await tableNames(h.database);
        try {
          const err = await failure(h.service.create({
            id: 'pbc_race', name: 'race', fields: [{ name: 'title', type: 'text' }],
            indexes: ['CREATE UNIQUE INDEX idx_race_title ON race (title)', 'CREATE INDEX idx_race_nc ON race (title COLLATE NOCASE)'],
          }));
          expect(err).toBeInstanceOf(ValidationError);
          expect((err as ValidationError).data).toHaveProperty('id');
          expect(await tableExists(h.database, 'race')).toBe(false);
          expect(await tableNames(h.database)).toEqual(tables);
          expect(await collectionRow(h.database, 'pbc_race')).toMatchObject({ name: 'race_other' });
          expect(h.registry.get('race')).toBeUndefined();
        } finally {
          await h.database.db.deleteFrom('_collections').where('id', '=', 'pbc_race').execute();
          await h.registry.reload();
        }
      });
    });

    describe('update', () => {
      let notesId = '';
      const field = (name: string): FieldJson => fieldsOf(h.service.view(notesId)).find((f) => f.name === name)!;
      const fieldsExcept = (...names: string[]): FieldJson[] => fieldsOf(h.service.view(notesId)).filter((f) => !names.includes(f.name));

      beforeAll(async () => {
        const notes = await h.service.create({
          name: 'notes',
          fields: [
            { name: 'title', type: 'text' },
            { name: 'kind', type: 'select', values: ['a', 'b'], maxSelect: 1 },
            { name: 'obsolete', type: 'number' },
            { name: 'old_name', type: 'text' },
          ],
          indexes: ['CREATE INDEX idx_notes_title ON notes (title)'],
        });
        notesId = String(notes.id);
        await insert('notes', [
          { id: recordId(1), title: 't1', kind: 'a', obsolete: 5, old_name: 'x1' },
          { id: recordId(2), title: 't2', kind: '', obsolete: 6, old_name: 'x2' },
        ]);
      });

      afterEach(async () => {
        // Temporary and backup columns of a change never outlive it.
        const columns = (await columnsOf(h.database, h.registry.get(notesId)!.name)).map((c) => c.name);
        expect(columns.filter((n) => n.startsWith('_ms_') && !n.startsWith('_ms_idx_'))).toEqual([]);
      });

      it('changes only a rule: no DDL runs', async () => {
        h.statements.length = 0;
        await h.service.update(notesId, { listRule: '', viewRule: "title != ''" });
        expect(h.statements).toEqual([]);
        expect(await collectionRow(h.database, notesId)).toMatchObject({ listRule: '', viewRule: "title != ''" });
      });

      it('adds a field: a new column with its zero value in existing rows', async () => {
        await h.service.update(notesId, { fields: [...fieldsExcept(), { name: 'score', type: 'number' }] });
        expect(await fieldColumns(h.database, 'notes')).toEqual(['id', 'title', 'kind', 'obsolete', 'old_name', 'score']);
        expect((await rowsOf(h.database, 'notes')).map((r) => [r.title, r.score])).toEqual([['t1', 0], ['t2', 0]]);
      });

      it('renames a field: the same column under its new name keeps its data', async () => {
        const fields = fieldsExcept().map((f) => (f.name === 'old_name' ? { ...f, name: 'new_name' } : f));
        const updated = await h.service.update(notesId, { fields });
        expect(fieldsOf(updated).find((f) => f.name === 'new_name')?.id).toBe(fields.find((f) => f.name === 'new_name')?.id);
        expect(await fieldColumns(h.database, 'notes')).toEqual(['id', 'title', 'kind', 'obsolete', 'new_name', 'score']);
        expect((await rowsOf(h.database, 'notes')).map((r) => r.new_name)).toEqual(['x1', 'x2']);
      });

      it('swaps two field names without losing either column', async () => {
        const fields = fieldsExcept().map((f) => (f.name === 'title' ? { ...f, name: 'new_name' } : f.name === 'new_name' ? { ...f, name: 'title' } : f));
        await h.service.update(notesId, { fields, indexes: [] });
        expect((await rowsOf(h.database, 'notes')).map((r) => [r.title, r.new_name])).toEqual([['x1', 't1'], ['x2', 't2']]);
        const back = fieldsExcept().map((f) => (f.name === 'title' ? { ...f, name: 'new_name' } : f.name === 'new_name' ? { ...f, name: 'title' } : f));
        await h.service.update(notesId, { fields: back, indexes: ['CREATE INDEX idx_notes_title ON notes (title)'] });
        expect((await rowsOf(h.database, 'notes')).map((r) => [r.title, r.new_name])).toEqual([['t1', 'x1'], ['t2', 'x2']]);
        expect(await fieldColumns(h.database, 'notes')).toEqual(['id', 'title', 'kind', 'obsolete', 'new_name', 'score']);
      });

      it('removes a field: its column goes, the others keep their data', async () => {
        await h.service.update(notesId, { fields: fieldsExcept('obsolete') });
        expect(await fieldColumns(h.database, 'notes')).toEqual(['id', 'title', 'kind', 'new_name', 'score']);
        expect((await rowsOf(h.database, 'notes')).map((r) => [r.title, r.kind, r.new_name])).toEqual([['t1', 'a', 'x1'], ['t2', '', 'x2']]);
      });

      it('turns a single select into a multiple one and back, converting the values', async () => {
        await h.service.update(notesId, { fields: fieldsExcept().map((f) => (f.name === 'kind' ? { ...f, maxSelect: 2 } : f)) });
        expect(field('kind').maxSelect).toBe(2);
        expect((await rowsOf(h.database, 'notes')).map((r) => JSON.parse(String(r.kind)))).toEqual([['a'], []]);
        // A row written as a multiple value afterwards, then back to single: the last value stays.
        await h.database.db.updateTable('notes').set({ kind: '["a","b"]' }).where('id', '=', recordId(2)).execute();
        await h.service.update(notesId, { fields: fieldsExcept().map((f) => (f.name === 'kind' ? { ...f, maxSelect: 1 } : f)) });
        expect((await rowsOf(h.database, 'notes')).map((r) => r.kind)).toEqual(['a', 'b']);
        await insert('notes', [{ id: recordId(3), title: 't3' }]);
        expect((await rowsOf(h.database, 'notes'))[2]?.kind).toBe('');
        await h.database.db.deleteFrom('notes').where('id', '=', recordId(3)).execute();
      });

      it('adds and removes indexes', async () => {
        // The column is named in another case: the index is stored and built with the field's spelling.
        const updated = await h.service.update(notesId, { indexes: ['CREATE UNIQUE INDEX idx_notes_name ON notes (NEW_NAME COLLATE NOCASE)'] });
        expect(updated.indexes).toEqual(['CREATE UNIQUE INDEX `idx_notes_name` ON `notes` (`new_name` COLLATE NOCASE)']);
        expect((await indexesOf(h.database, 'notes')).map((i) => [i.name, i.isUnique])).toEqual([['idx_notes_name', true]]);
        expect(await violation('notes', { id: recordId(4), new_name: 'X1' })).toMatchObject({ kind: 'unique' });
        await h.service.update(notesId, { indexes: [] });
        expect(await indexesOf(h.database, 'notes')).toEqual([]);
        expect(await fieldColumns(h.database, 'notes')).toEqual(['id', 'title', 'kind', 'new_name', 'score']);
      });

      it('renames the collection: the table moves with its rows and indexes', async () => {
        await h.service.update(notesId, { indexes: ['CREATE INDEX idx_notes_title ON notes (title)'] });
        h.statements.length = 0;
        const renamed = await h.service.update('notes', { name: 'memos' });
        // The index follows the table; nothing is rebuilt.
        expect(h.statements).toEqual(h.database.dialect.renameTable('notes', 'memos'));
        expect(renamed).toMatchObject({ id: notesId, name: 'memos', indexes: ['CREATE INDEX `idx_notes_title` ON `memos` (`title`)'] });
        expect(await tableExists(h.database, 'notes')).toBe(false);
        expect((await rowsOf(h.database, 'memos')).map((r) => r.title)).toEqual(['t1', 't2']);
        expect((await indexesOf(h.database, 'memos')).map((i) => i.name)).toEqual(['idx_notes_title']);
        expect(h.registry.get('notes')).toBeUndefined();
        expect(h.registry.get('memos')?.id).toBe(notesId);
      });

      it('renames a field whose id is 100 characters long', async () => {
        const id = `long${'x'.repeat(96)}`;
        await h.service.update(notesId, { fields: [...fieldsExcept(), { id, name: 'long', type: 'text' }] });
        await h.database.db.updateTable('memos').set({ long: 'kept' }).execute();
        await h.service.update(notesId, { fields: fieldsExcept().map((f) => (f.id === id ? { ...f, name: 'longer' } : f)) });
        expect((await rowsOf(h.database, 'memos')).map((r) => r.longer)).toEqual(['kept', 'kept']);
        await h.service.update(notesId, { fields: fieldsExcept('longer') });
      });

      it('applies many changes in one update', async () => {
        await h.service.update(notesId, { indexes: [...h.registry.get(notesId)!.indexes, 'CREATE INDEX idx_notes_score ON memos (score)'] });
        const fields = [
          ...fieldsExcept('score').map((f) => (f.name === 'new_name' ? { ...f, name: 'subtitle' } : f)),
          { name: 'done', type: 'bool' },
        ];
        await h.service.update(notesId, {
          name: 'notes', fields, listRule: "title != ''",
          indexes: ['CREATE UNIQUE INDEX idx_notes_sub ON notes (subtitle)', "CREATE UNIQUE INDEX idx_notes_t ON notes (title) WHERE title != ''"],
        });
        expect(await tableExists(h.database, 'memos')).toBe(false);
        expect(await fieldColumns(h.database, 'notes')).toEqual(['id', 'title', 'kind', 'subtitle', 'done']);
        expect((await indexesOf(h.database, 'notes')).map((i) => [i.name, i.isUnique])).toEqual([['idx_notes_sub', true], ['idx_notes_t', true]]);
        const rows = await rowsOf(h.database, 'notes');
        expect(rows.map((r) => [r.id, r.title, r.kind, r.subtitle, h.database.dialect.boolFromDb(r.done)])).toEqual([
          [recordId(1), 't1', 'a', 'x1', false], [recordId(2), 't2', 'b', 'x2', false],
        ]);
        const stored = await collectionRow(h.database, notesId);
        expect(stored).toMatchObject({ name: 'notes', listRule: "title != ''" });
      });
    });

    describe('all-or-nothing', () => {
      const ledgerFields = [
        { name: 'title', type: 'text' },
        { name: 'amount', type: 'number' },
        { name: 'memo', type: 'text' },
        { name: 'kind', type: 'select', values: ['x', 'y'], maxSelect: 1 },
        { name: 'flags', type: 'select', values: ['p', 'q'], maxSelect: 2 },
      ];
      let ledgerId = '';

      beforeAll(async () => {
        const ledger = await h.service.create({
          name: 'ledger', fields: ledgerFields,
          indexes: ['CREATE INDEX idx_ledger_amount ON ledger (amount)', "CREATE UNIQUE INDEX idx_ledger_memo ON ledger (memo COLLATE NOCASE) WHERE memo != ''"],
        });
        ledgerId = String(ledger.id);
        await insert('ledger', [
          { id: recordId(1), title: 'dup', amount: 1, memo: 'm1', kind: 'x', flags: '["p","q"]' },
          { id: recordId(2), title: 'dup', amount: 2, memo: '', kind: '', flags: '[]' },
        ]);
      });

      it.each([
        {
          what: 'a new unique index that the rows break, after a new column, a rename and a dropped field',
          change: (fields: FieldJson[]) => ({
            name: 'ledger2', listRule: '',
            fields: [...fields.filter((f) => f.name !== 'amount').map((f) => (f.name === 'memo' ? { ...f, name: 'note' } : f)), { name: 'extra', type: 'text' }],
            indexes: ["CREATE UNIQUE INDEX idx_ledger_memo ON ledger (note COLLATE NOCASE) WHERE note != ''", 'CREATE UNIQUE INDEX idx_ledger_title ON ledger (title)'],
          }),
        },
        {
          // NOTE: multiple -> single keeps only the last value; MariaDB must still restore both.
          what: 'selects turned single <-> multiple, then a unique index the rows break',
          change: (fields: FieldJson[]) => ({
            fields: fields.map((f) => (f.name === 'kind' ? { ...f, maxSelect: 2 } : f.name === 'flags' ? { ...f, maxSelect: 1 } : f)),
            indexes: ['CREATE UNIQUE INDEX idx_ledger_title_nc ON ledger (title COLLATE NOCASE)'],
          }),
        },
      ])('$what leaves table and collection row as they were', async ({ change }) => {
        const before = {
          tables: await tableNames(h.database),
          table: await snapshotTable(h.database, 'ledger'),
          row: await collectionRow(h.database, ledgerId),
          json: h.service.view(ledgerId),
        };
        const err = await failure(h.service.update(ledgerId, change(fieldsOf(before.json))));
        expect(err).toBeInstanceOf(ValidationError);
        expect((err as ValidationError).data).toHaveProperty('indexes');

        expect(await tableNames(h.database)).toEqual(before.tables);
        expect(await snapshotTable(h.database, 'ledger')).toEqual(before.table);
        expect(await collectionRow(h.database, ledgerId)).toEqual(before.row);
        expect(h.service.view(ledgerId)).toEqual(before.json);
      });

      it('still accepts a valid change afterwards', async () => {
        await h.service.update(ledgerId, { fields: [...fieldsOf(h.service.view(ledgerId)), { name: 'extra', type: 'text' }] });
        expect(await fieldColumns(h.database, 'ledger')).toEqual(['id', 'title', 'amount', 'memo', 'kind', 'flags', 'extra']);
        expect(await violation('ledger', { id: recordId(3), memo: 'M1' })).toMatchObject({ kind: 'unique' });
      });
    });

    describe('remove and truncate', () => {
      it('refuses to remove a system collection', async () => {
        const err = await failure(h.service.remove('_superusers'));
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).code).toBe('bad_request');
        expect(await tableExists(h.database, '_superusers')).toBe(true);
      });

      it('refuses to remove a collection another one references', async () => {
        const err = await failure(h.service.remove('tags'));
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).code).toBe('bad_request');
        expect(await tableExists(h.database, 'tags')).toBe(true);
        expect(h.registry.get('tags')).toBeDefined();
      });

      it('truncates: the rows go, the table and its indexes stay', async () => {
        const before = await snapshotTable(h.database, 'posts');
        expect(before.rows.length).toBeGreaterThan(0);
        await h.service.truncate('posts');
        const after = await snapshotTable(h.database, 'posts');
        expect(after.rows).toEqual([]);
        expect({ ...after, rows: [] }).toEqual({ ...before, rows: [] });
      });

      it('removes a collection: its table and row go', async () => {
        const id = h.registry.get('posts')!.id;
        await h.service.remove('posts');
        expect(await tableExists(h.database, 'posts')).toBe(false);
        expect(await collectionRow(h.database, id)).toBeUndefined();
        expect(h.registry.get('posts')).toBeUndefined();
        // Nothing references tags any more.
        await h.service.remove('tags');
        expect(await tableExists(h.database, 'tags')).toBe(false);
      });

      it('answers not found for an unknown collection', async () => {
        const err = await failure(h.service.remove('nope'));
        expect((err as AppError).code).toBe('not_found');
      });
    });
  });
}
