// Collection validation: every bad definition answers 400 with PocketBase's codes at the right
// path and leaves no trace. Validation runs before any SQL, so SQLite alone covers it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CollectionJson } from '../../src/collections/index.js';
import { ValidationError, toErrorBody, type FieldErrors } from '../../src/core/errors.js';
import { availableEngines } from '../helpers/engines.js';
import { collectionRow, snapshotTable, tableNames } from './inspect.js';
import { startHarness, type CollectionsHarness } from './setup.js';

const sqlite = availableEngines().find((e) => e.name === 'sqlite')!;

/** The code at a dotted path of `data`, e.g. `fields.0.name`. */
function codeAt(data: FieldErrors, path: string): unknown {
  let node: unknown = data;
  for (const key of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[key];
  return (node as { code?: unknown } | undefined)?.code;
}

async function validationError(promise: Promise<unknown>): Promise<ValidationError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

const text = (name: string) => ({ name, type: 'text' });

describe('sqlite: collection validation', () => {
  let h: CollectionsHarness;
  let state: () => Promise<unknown>;
  beforeAll(async () => {
    h = await startHarness(sqlite);
    await h.service.create({ name: 'posts', fields: [text('title')], indexes: ['CREATE INDEX idx_posts_title ON posts (title)'] });
    state = async () => ({
      tables: await tableNames(h.database),
      rows: await h.database.db.selectFrom('_collections').selectAll().orderBy('id').execute(),
      posts: await snapshotTable(h.database, 'posts'),
      registry: h.registry.all(),
    });
  });
  afterAll(() => h.close());

  it.each([
    { case: 'a name with SQL in it', body: { name: 'users; DROP TABLE' }, path: 'name', code: 'validation_match_invalid' },
    { case: 'an empty name', body: { name: '' }, path: 'name', code: 'validation_required' },
    { case: 'a name of 256 characters', body: { name: 'a'.repeat(256) }, path: 'name', code: 'validation_length_out_of_range' },
    { case: 'a name taken, in another case', body: { name: 'Users' }, path: 'name', code: 'validation_collection_name_exists' },
    { case: 'a name starting with _', body: { name: '_hidden' }, path: 'name', code: 'validation_collection_name_invalid' },
    { case: 'an internal table name', body: { name: '_collections' }, path: 'name', code: 'validation_collection_name_invalid' },
    { case: 'an engine table name', body: { name: 'sqlite_master' }, path: 'name', code: 'validation_collection_name_invalid' },
    { case: 'a name with _via_', body: { name: 'a_via_b' }, path: 'name', code: 'validation_found_via' },
    { case: 'an unknown type', body: { name: 'x', type: 'table' }, path: 'type', code: 'validation_in_invalid' },
    { case: 'an id with bad characters', body: { name: 'x', id: 'bad id!' }, path: 'id', code: 'validation_invalid_format' },
    { case: 'an id taken', body: { name: 'x', id: 'pbc_3142635823' }, path: 'id', code: 'validation_pk_invalid' },
    { case: 'fields not a list', body: { name: 'x', fields: 'title' }, path: 'fields', code: 'validation_invalid_value' },
    ...['expand', 'collectionId', 'collectionName', '_rowid_', 'a_via_b', 'null', 'true'].map((name) => ({
      case: `the reserved field name ${name}`, body: { name: 'x', fields: [text('ok'), text(name)] }, path: 'fields.1.name', code: 'validation_not_in_invalid',
    })),
    {
      case: 'passwordConfirm on an auth collection', body: { name: 'x', type: 'auth', fields: [text('passwordConfirm')] },
      path: 'fields.0.name', code: 'validation_not_in_invalid',
    },
    {
      case: 'two fields named alike', body: { name: 'x', fields: [text('title'), text('Title')] },
      path: 'fields.1.name', code: 'validation_duplicated_field_name',
    },
    { case: 'a field name with a dash', body: { name: 'x', fields: [text('bad-name')] }, path: 'fields.0.name', code: 'validation_invalid_format' },
    { case: 'a field name of 101 characters', body: { name: 'x', fields: [text('f'.repeat(101))] }, path: 'fields.0.name', code: 'validation_max_text_constraint' },
    { case: 'an unknown field type', body: { name: 'x', fields: [{ name: 'a', type: 'blob' }] }, path: 'fields.0.type', code: 'validation_invalid_value' },
    { case: 'a select without values', body: { name: 'x', fields: [{ name: 'a', type: 'select' }] }, path: 'fields.0.values', code: 'validation_required' },
    {
      case: 'a relation to a missing collection', body: { name: 'x', fields: [{ name: 'a', type: 'relation', collectionId: 'nope' }] },
      path: 'fields.0.collectionId', code: 'validation_missing_rel_collection',
    },
    { case: 'an index that is not CREATE INDEX', body: { name: 'x', indexes: ['DROP TABLE users'] }, path: 'indexes.0', code: 'validation_invalid_index_expression' },
    { case: 'an unfinished index', body: { name: 'x', indexes: ['CREATE INDEX'] }, path: 'indexes.0', code: 'validation_invalid_index_expression' },
    {
      case: 'two statements in one index', body: { name: 'x', fields: [text('a')], indexes: ['CREATE INDEX i1 ON x (a); DROP TABLE users'] },
      path: 'indexes.0', code: 'validation_invalid_index_expression',
    },
    { case: 'an index on an unknown column', body: { name: 'x', indexes: ['CREATE INDEX i1 ON x (nope)'] }, path: 'indexes.0', code: 'validation_invalid_index_expression' },
    {
      case: 'an index whose WHERE names an unknown column', body: { name: 'x', fields: [text('a')], indexes: ["CREATE INDEX i1 ON x (a) WHERE nope != ''"] },
      path: 'indexes.0', code: 'validation_invalid_index_expression',
    },
    {
      case: 'two indexes of one name', body: { name: 'x', fields: [text('a')], indexes: ['CREATE INDEX i1 ON x (a)', 'CREATE INDEX I1 ON x (id)'] },
      path: 'indexes.1', code: 'validation_duplicated_index_name',
    },
    {
      case: 'an index name another collection uses', body: { name: 'x', fields: [text('a')], indexes: ['CREATE INDEX idx_posts_title ON x (a)'] },
      path: 'indexes.0', code: 'validation_existing_index_name',
    },
    { case: 'indexes not a list', body: { name: 'x', indexes: 'CREATE INDEX i1 ON x (id)' }, path: 'indexes', code: 'validation_invalid_value' },
    {
      case: 'an identity field without a unique index', body: { name: 'x', type: 'auth', fields: [text('nick')], passwordAuth: { identityFields: ['email', 'nick'] } },
      path: 'passwordAuth.identityFields', code: 'validation_missing_unique_constraint',
    },
    { case: 'a listRule that does not parse', body: { name: 'x', listRule: '(a' }, path: 'listRule', code: 'validation_invalid_rule' },
    { case: 'a viewRule that does not parse', body: { name: 'x', viewRule: 'a = b &&' }, path: 'viewRule', code: 'validation_invalid_rule' },
    { case: 'a createRule that is not a string', body: { name: 'x', createRule: 1 }, path: 'createRule', code: 'validation_invalid_rule' },
    { case: 'an auth manageRule that does not parse', body: { name: 'x', type: 'auth', manageRule: 'a ~' }, path: 'manageRule', code: 'validation_invalid_rule' },
  ])('create refuses $case with 400 at data.$path', async ({ body, path, code }) => {
    const before = await state();
    const err = await validationError(h.service.create(body));
    expect(toErrorBody(err)).toMatchObject({ status: 400, message: 'Failed to create collection.' });
    expect(codeAt(err.data, path)).toBe(code);
    expect(await state()).toEqual(before);
  });

  it('reports every problem at once', async () => {
    const err = await validationError(h.service.create({
      name: 'bad name', fields: [text('expand')], indexes: ['CREATE INDEX'], listRule: '(a', deleteRule: 'a ~',
    }));
    expect(Object.keys(err.data).sort()).toEqual(['deleteRule', 'fields', 'indexes', 'listRule', 'name']);
  });

  it('stores an index under the fields\' own spelling of its columns', async () => {
    const created = await h.service.create({ name: 'spelled', fields: [text('Title')], indexes: ["CREATE UNIQUE INDEX idx_spelled ON spelled (title COLLATE NOCASE) WHERE TITLE != ''"] });
    expect(created.indexes).toEqual(["CREATE UNIQUE INDEX `idx_spelled` ON `spelled` (`Title` COLLATE NOCASE) WHERE `Title` != ''"]);
    await h.service.remove('spelled');
  });

  describe('update', () => {
    let posts: CollectionJson;
    beforeAll(() => {
      posts = h.service.view('posts');
    });
    const fields = (): Record<string, unknown>[] => posts.fields as Record<string, unknown>[];

    it.each([
      { case: 'a type change', target: 'posts', body: { type: 'auth' }, path: 'type', code: 'validation_collection_type_change' },
      { case: 'a rename to a taken name', target: 'posts', body: { name: 'USERS' }, path: 'name', code: 'validation_collection_name_exists' },
      { case: 'a bad rule', target: 'posts', body: { updateRule: '(a' }, path: 'updateRule', code: 'validation_invalid_rule' },
      {
        case: 'a field type change', target: 'posts', body: () => ({ fields: fields().map((f) => (f.name === 'title' ? { ...f, type: 'number' } : f)) }),
        path: 'fields.1.type', code: 'validation_field_type_change',
      },
      {
        case: 'a field renamed onto another', target: 'posts', body: () => ({ fields: [...fields(), text('TITLE')] }),
        path: 'fields.2.name', code: 'validation_duplicated_field_name',
      },
      { case: 'renaming a system collection', target: '_superusers', body: { name: 'admins' }, path: 'name', code: 'validation_collection_system_name_change' },
      { case: 'a system collection rule change', target: '_superusers', body: { listRule: '' }, path: 'listRule', code: 'validation_collection_system_rule_change' },
      {
        case: 'renaming a system field', target: 'users',
        body: () => ({ fields: (h.service.view('users').fields as Record<string, unknown>[]).map((f) => (f.name === 'email' ? { ...f, name: 'mail' } : f)) }),
        path: 'fields.3.name', code: 'validation_system_field_change',
      },
    ])('update refuses $case with 400 at data.$path', async ({ target, body, path, code }) => {
      const before = await state();
      const id = h.registry.get(target)!.id;
      const row = await collectionRow(h.database, id);
      const err = await validationError(h.service.update(target, typeof body === 'function' ? body() : body));
      expect(toErrorBody(err)).toMatchObject({ status: 400, message: 'Failed to update collection.' });
      expect(codeAt(err.data, path)).toBe(code);
      expect(await state()).toEqual(before);
      expect(await collectionRow(h.database, id)).toEqual(row);
    });
  });
});
