// Field values on every engine: lossless coercion, PocketBase's validation codes for lossy or
// out-of-range input (with nothing written), relations, unique indexes, unknown and hidden keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordChange } from '../../src/records/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { codesOf, countOf, createCollection, expectError, rowById } from './fixtures.js';

const OPEN_RULES = { listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '' };

const KIND_FIELDS = [
  { name: 't', type: 'text', min: 2, max: 5, pattern: '^[a-z]*$' },
  { name: 'num', type: 'number' },
  { name: 'int', type: 'number', onlyInt: true, min: 0, max: 100 },
  { name: 'flag', type: 'bool' },
  { name: 'mail', type: 'email' },
  { name: 'link', type: 'url' },
  { name: 'when', type: 'date' },
  { name: 'one', type: 'select', values: ['a', 'b', 'c'], maxSelect: 1 },
  { name: 'many', type: 'select', values: ['a', 'b', 'c'], maxSelect: 2 },
  { name: 'meta', type: 'json', maxSize: 100 },
  { name: 'code', type: 'text' },
  { name: 'secret', type: 'text', hidden: true },
];

for (const engine of availableEngines()) {
  describe(`${engine.name}: record field values`, () => {
    let t: TestApp;
    let su: string;
    const people: string[] = [];
    const events: RecordChange[] = [];
    beforeAll(async () => {
      t = await startTestApp({ engine });
      t.app.records.onChange((change) => events.push(change));
      su = await t.superuserToken();
      const authors = await createCollection(t, { name: 'people', ...OPEN_RULES, fields: [{ name: 'name', type: 'text' }] });
      await createCollection(t, {
        name: 'kinds', ...OPEN_RULES,
        fields: [
          ...KIND_FIELDS,
          { name: 'author', type: 'relation', collectionId: authors.id, maxSelect: 1 },
          { name: 'tags', type: 'relation', collectionId: authors.id, maxSelect: 3 },
        ],
        indexes: ["CREATE UNIQUE INDEX `idx_kinds_code` ON `kinds` (`code`) WHERE `code` != ''"],
      });
      await createCollection(t, { name: 'needs', ...OPEN_RULES, fields: [{ name: 'title', type: 'text', required: true }, { name: 'n', type: 'number', required: true }] });
      for (const name of ['ann', 'bob', 'cid', 'dee']) people.push((await t.post('/api/collections/people/records', { name })).body.id);
    });
    afterAll(() => t?.close());

    // Lossless input is coerced; the reply and a fresh read both show the coerced value.
    it.each([
      { field: 'num', input: '12', value: 12 },
      { field: 'num', input: '-3.25', value: -3.25 },
      { field: 'num', input: 12.5, value: 12.5 },
      { field: 'num', input: null, value: 0 },
      { field: 'num', input: '', value: 0 },
      { field: 'int', input: '42', value: 42 },
      { field: 'flag', input: 'true', value: true },
      { field: 'flag', input: 'false', value: false },
      { field: 'flag', input: true, value: true },
      { field: 'flag', input: 1, value: true },
      { field: 'flag', input: null, value: false },
      { field: 't', input: 'abc', value: 'abc' },
      { field: 't', input: '', value: '' },
      { field: 'mail', input: 'someone@example.com', value: 'someone@example.com' },
      { field: 'link', input: 'https://example.com/a?b=c', value: 'https://example.com/a?b=c' },
      { field: 'when', input: '2024-01-02 03:04:05.678Z', value: '2024-01-02 03:04:05.678Z' },
      { field: 'when', input: '2024-01-02T03:04:05Z', value: '2024-01-02 03:04:05.000Z' },
      { field: 'when', input: '', value: '' },
      { field: 'one', input: 'b', value: 'b' },
      { field: 'one', input: '', value: '' },
      { field: 'many', input: ['a', 'c'], value: ['a', 'c'] },
      { field: 'many', input: 'b', value: ['b'] },
      { field: 'many', input: [], value: [] },
      { field: 'meta', input: { a: 1, b: [true, null] }, value: { a: 1, b: [true, null] } },
      { field: 'meta', input: [1, 'two'], value: [1, 'two'] },
      { field: 'meta', input: 'just text', value: 'just text' },
      { field: 'meta', input: 7, value: 7 },
      { field: 'meta', input: false, value: false },
      { field: 'meta', input: null, value: null },
      { field: 'meta', input: { nul: 'a\u0000b' }, value: { nul: 'a\u0000b' } },
    ])('$field: $input → $value', async ({ field, input, value }) => {
      const res = await t.post('/api/collections/kinds/records', { [field]: input });
      expect(res.status, res.text).toBe(200);
      expect(res.body[field]).toEqual(value);
      const again = await t.get(`/api/collections/kinds/records/${res.body.id}`);
      expect(again.body[field]).toEqual(value);
    });

    // Lossy or invalid input: 400 with PocketBase's code, and nothing written.
    it.each([
      { field: 'num', input: 'abc', code: 'validation_not_a_number' },
      { field: 'num', input: '12abc', code: 'validation_not_a_number' },
      { field: 'num', input: true, code: 'validation_not_a_number' },
      { field: 'num', input: { n: 1 }, code: 'validation_not_a_number' },
      { field: 'num', input: [1], code: 'validation_not_a_number' },
      { field: 'int', input: 1.5, code: 'validation_only_int_constraint' },
      { field: 'int', input: -1, code: 'validation_min_number_constraint' },
      { field: 'int', input: 101, code: 'validation_max_number_constraint' },
      { field: 'flag', input: 'yes', code: 'validation_invalid_value' },
      { field: 'flag', input: 2, code: 'validation_invalid_value' },
      { field: 'flag', input: { b: true }, code: 'validation_invalid_value' },
      { field: 't', input: 'a', code: 'validation_min_text_constraint' },
      { field: 't', input: 'abcdef', code: 'validation_max_text_constraint' },
      { field: 't', input: 'AB', code: 'validation_invalid_format' },
      { field: 't', input: { x: 1 }, code: 'validation_invalid_value' },
      { field: 't', input: ['ab'], code: 'validation_invalid_value' },
      { field: 'mail', input: 'not-an-email', code: 'validation_is_email' },
      { field: 'mail', input: 'a b@example.com', code: 'validation_is_email' },
      { field: 'link', input: 'not a url', code: 'validation_invalid_url' },
      { field: 'link', input: 'javascript:alert(1)', code: 'validation_invalid_url' },
      { field: 'one', input: 'z', code: 'validation_invalid_value' },
      { field: 'one', input: 5, code: 'validation_invalid_value' },
      { field: 'many', input: ['a', 'b', 'c'], code: 'validation_too_many_values' },
      { field: 'many', input: ['a', 'zzz'], code: 'validation_invalid_value' },
      { field: 'meta', input: 'x'.repeat(200), code: 'validation_json_size_limit' },
      { field: 'meta', input: { big: 'y'.repeat(200) }, code: 'validation_json_size_limit' },
      // PostgreSQL text cannot hold NUL: refused on every engine, so values mean the same everywhere.
      { field: 'code', input: 'a\u0000b', code: 'validation_invalid_value' },
      { field: 'mail', input: 'a\u0000@example.com', code: 'validation_invalid_value' },
      { field: 'many', input: ['a\u0000'], code: 'validation_invalid_value' },
    ])('$field: $input → 400 $code', async ({ field, input, code }) => {
      const before = await countOf(t, 'kinds');
      const eventsBefore = events.length;
      const res = await t.post('/api/collections/kinds/records', { [field]: input });
      expectError(res, 400, { message: 'Failed to create record.' });
      expect(codesOf(res)).toEqual({ [field]: code });
      expect(res.body.data[field].message).toEqual(expect.any(String));
      expect(await countOf(t, 'kinds')).toBe(before);
      expect(events.length, 'no change event for a refused write').toBe(eventsBefore);
    });

    it('rejects an invalid date with a field error', async () => {
      const before = await countOf(t, 'kinds');
      const res = await t.post('/api/collections/kinds/records', { when: 'not a date' });
      expectError(res, 400);
      expect(Object.keys(res.body.data)).toEqual(['when']);
      expect(await countOf(t, 'kinds')).toBe(before);
    });

    it('reports every bad field at once', async () => {
      const res = await t.post('/api/collections/kinds/records', { num: 'x', t: 'a', mail: 'no', one: 'q' });
      expectError(res, 400);
      expect(codesOf(res)).toEqual({
        num: 'validation_not_a_number', t: 'validation_min_text_constraint', mail: 'validation_is_email', one: 'validation_invalid_value',
      });
    });

    it('validates on update too, and a failed update changes nothing', async () => {
      const created = await t.post('/api/collections/kinds/records', { t: 'ok', num: 1 });
      const res = await t.patch(`/api/collections/kinds/records/${created.body.id}`, { t: 'fine', num: 'nope' });
      expectError(res, 400, { message: 'Failed to update record.' });
      expect(codesOf(res)).toEqual({ num: 'validation_not_a_number' });
      const row = await rowById(t, 'kinds', created.body.id);
      expect(row).toMatchObject({ t: 'ok' });
      expect(Number(row!.num)).toBe(1);
    });

    it('requires required fields (missing, empty or zero)', async () => {
      const before = await countOf(t, 'needs');
      for (const body of [{}, { title: '', n: 0 }, { title: null, n: null }]) {
        const res = await t.post('/api/collections/needs/records', body);
        expectError(res, 400);
        expect(codesOf(res)).toEqual({ title: 'validation_required', n: 'validation_required' });
      }
      expect(await countOf(t, 'needs')).toBe(before);
      const ok = await t.post('/api/collections/needs/records', { title: 'x', n: '5' });
      expect(ok.status).toBe(200);
      const blanked = await t.patch(`/api/collections/needs/records/${ok.body.id}`, { title: '' });
      expectError(blanked, 400);
      expect(codesOf(blanked)).toEqual({ title: 'validation_required' });
      expect(await rowById(t, 'needs', ok.body.id)).toMatchObject({ title: 'x' });
    });

    it('stores single and multiple relations to existing records', async () => {
      const res = await t.post('/api/collections/kinds/records', { author: people[0], tags: [people[1], people[2]] });
      expect(res.status, res.text).toBe(200);
      expect(res.body.author).toBe(people[0]);
      expect(res.body.tags).toEqual([people[1], people[2]]);
      const row = await rowById(t, 'kinds', res.body.id);
      expect(row!.author).toBe(people[0]);
      expect(JSON.parse(String(row!.tags))).toEqual([people[1], people[2]]);
      const single = await t.post('/api/collections/kinds/records', { tags: people[3] });
      expect(single.body.tags).toEqual([people[3]]);
    });

    it.each([
      { body: () => ({ author: 'missing00000000' }), field: 'author', code: 'validation_missing_rel_records' },
      { body: (p: string[]) => ({ tags: [p[0], 'missing00000000'] }), field: 'tags', code: 'validation_missing_rel_records' },
      { body: (p: string[]) => ({ tags: [p[0], p[1], p[2], p[3]] }), field: 'tags', code: 'validation_too_many_values' },
      { body: () => ({ author: "' OR 1=1 --" }), field: 'author', code: 'validation_missing_rel_records' },
      { body: () => ({ author: 'abc\u0000def' }), field: 'author', code: 'validation_invalid_value' },
    ])('relation: $field → 400 $code', async ({ body, field, code }) => {
      const before = await countOf(t, 'kinds');
      const res = await t.post('/api/collections/kinds/records', body(people));
      expectError(res, 400);
      expect(codesOf(res)).toEqual({ [field]: code });
      expect(await countOf(t, 'kinds')).toBe(before);
    });

    it('refuses a duplicate under a unique index with validation_not_unique', async () => {
      const first = await t.post('/api/collections/kinds/records', { code: 'UNIQ-1' });
      expect(first.status).toBe(200);
      const before = await countOf(t, 'kinds');
      const dup = await t.post('/api/collections/kinds/records', { code: 'UNIQ-1' });
      expectError(dup, 400, { message: 'Failed to create record.' });
      expect(codesOf(dup)).toEqual({ code: 'validation_not_unique' });
      expect(await countOf(t, 'kinds')).toBe(before);

      const other = await t.post('/api/collections/kinds/records', { code: 'UNIQ-2' });
      const clash = await t.patch(`/api/collections/kinds/records/${other.body.id}`, { code: 'UNIQ-1' });
      expectError(clash, 400, { message: 'Failed to update record.' });
      expect(codesOf(clash)).toEqual({ code: 'validation_not_unique' });
      expect(await rowById(t, 'kinds', other.body.id)).toMatchObject({ code: 'UNIQ-2' });
      // The partial index lets many rows keep an empty value.
      expect((await t.post('/api/collections/kinds/records', { code: '' })).status).toBe(200);
      expect((await t.post('/api/collections/kinds/records', { code: '' })).status).toBe(200);
    });

    it('ignores unknown keys and never stores them', async () => {
      const res = await t.post('/api/collections/kinds/records', {
        t: 'ok', bogus: 'x', collectionName: 'evil', collectionId: 'evil', expand: { a: 1 }, 'num+': 5, '@jsonPayload': 'x',
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body).not.toHaveProperty('bogus');
      expect(res.body).not.toHaveProperty('expand');
      expect(res.body.collectionName).toBe('kinds');
      const row = await rowById(t, 'kinds', res.body.id);
      expect(Object.keys(row!)).not.toContain('bogus');
      const columns = await t.app.database.dialect.listTables(t.app.database.db);
      expect(columns).not.toContain('evil');
      const patched = await t.patch(`/api/collections/kinds/records/${res.body.id}`, { alsoBogus: 1 });
      expect(patched.status).toBe(200);
      expect(patched.body).not.toHaveProperty('alsoBogus');
    });

    it('hides hidden fields from non-superusers and ignores them in their writes', async () => {
      const guest = await t.post('/api/collections/kinds/records', { t: 'hid', secret: 'guest-set' });
      expect(guest.status).toBe(200);
      expect(guest.body).not.toHaveProperty('secret');
      expect((await rowById(t, 'kinds', guest.body.id))!.secret).toBe('');

      const bySu = await t.post('/api/collections/kinds/records', { t: 'hid', secret: 'top' }, { token: su });
      expect(bySu.status).toBe(200);
      expect(bySu.body.secret).toBe('top');
      expect((await rowById(t, 'kinds', bySu.body.id))!.secret).toBe('top');

      const asGuest = await t.get(`/api/collections/kinds/records/${bySu.body.id}`);
      expect(asGuest.body).not.toHaveProperty('secret');
      const asSu = await t.get(`/api/collections/kinds/records/${bySu.body.id}`, { token: su });
      expect(asSu.body.secret).toBe('top');
      const list = await t.get('/api/collections/kinds/records?perPage=1000');
      expect(list.body.items.every((i: object) => !('secret' in i))).toBe(true);
      const suList = await t.get('/api/collections/kinds/records?perPage=1000', { token: su });
      expect(suList.body.items.every((i: object) => 'secret' in i)).toBe(true);

      const guestPatch = await t.patch(`/api/collections/kinds/records/${bySu.body.id}`, { secret: 'overwritten' });
      expect(guestPatch.status).toBe(200);
      expect((await rowById(t, 'kinds', bySu.body.id))!.secret).toBe('top');

      // Nor may guests probe them through filter or sort.
      expectError(await t.get(`/api/collections/kinds/records?filter=${encodeURIComponent("secret = 'top'")}`), 400);
      expectError(await t.get('/api/collections/kinds/records?sort=secret'), 400);
      const suFilter = await t.get(`/api/collections/kinds/records?filter=${encodeURIComponent("secret = 'top'")}`, { token: su });
      expect(suFilter.body.items.map((i: { id: string }) => i.id)).toEqual([bySu.body.id]);
    });
  });
}
