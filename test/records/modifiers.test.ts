// PocketBase's write modifiers: `f+`, `+f`, `f-` on multiple fields and numbers, `f:autogenerate` on text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { createCollection } from './fixtures.js';

for (const engine of availableEngines()) {
  describe(`${engine.name}: write modifiers`, () => {
    let t: TestApp;
    let id = '';
    beforeAll(async () => {
      t = await startTestApp({ engine });
      await createCollection(t, {
        name: 'items', listRule: '', viewRule: '', createRule: '', updateRule: '',
        fields: [
          { name: 'tags', type: 'select', values: ['a', 'b', 'c', 'd'], maxSelect: 4 },
          { name: 'views', type: 'number' },
          { name: 'code', type: 'text', autogeneratePattern: '[A-Z]{6}' },
        ],
      });
      const created = await t.post('/api/collections/items/records', { tags: ['b'], 'tags+': 'c', '+tags': ['a'], views: 5, 'views+': 2 });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({ tags: ['a', 'b', 'c'], views: 7 });
      id = created.body.id;
    });
    afterAll(() => t?.close());

    it('appends, prepends and removes on multiple fields against the stored value', async () => {
      const res = await t.patch(`/api/collections/items/records/${id}`, { 'tags-': ['a', 'c'], 'tags+': 'd' });
      expect(res.body.tags).toEqual(['b', 'd']);
    });

    it('adds and subtracts on numbers', async () => {
      expect((await t.patch(`/api/collections/items/records/${id}`, { 'views-': 10 })).body.views).toBe(-3);
      expect((await t.patch(`/api/collections/items/records/${id}`, { 'views+': '4.5' })).body.views).toBe(1.5);
    });

    it('refuses a modifier value of the wrong type with the field code', async () => {
      const res = await t.patch(`/api/collections/items/records/${id}`, { 'views+': 'x' });
      expect(res.status).toBe(400);
      expect(res.body.data.views.code).toBe('validation_not_a_number');
      const bad = await t.patch(`/api/collections/items/records/${id}`, { 'tags+': 'zzz' });
      expect(bad.status).toBe(400);
      expect(bad.body.data.tags.code).toBe('validation_invalid_value');
    });

    it('autogenerates text from the field pattern', async () => {
      const res = await t.patch(`/api/collections/items/records/${id}`, { 'code:autogenerate': '' });
      expect(res.body.code).toMatch(/^[A-Z]{6}$/);
    });

    it('takes modifiers from multipart bodies too', async () => {
      const form = new FormData();
      form.append('tags+', 'a');
      form.append('views+', '1');
      const res = await fetch(`${t.url}/api/collections/items/records/${id}`, { method: 'PATCH', body: form });
      const body = (await res.json()) as { tags: string[]; views: number };
      expect(body.tags).toEqual(['b', 'd', 'a']);
      expect(body.views).toBe(2.5);
    });
  });
}

for (const engine of availableEngines()) {
  describe(`${engine.name}: rules see the body after modifiers`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ engine });
      await createCollection(t, {
        name: 'counters', listRule: '', viewRule: '', createRule: '@request.body.n <= 10', updateRule: '@request.body.n <= 10',
        fields: [{ name: 'n', type: 'number' }],
      });
    });
    afterAll(() => t?.close());

    it('applies create and update rules to the folded values', async () => {
      expect((await t.post('/api/collections/counters/records', { n: 8, 'n+': 5 })).status).toBe(400);
      const created = await t.post('/api/collections/counters/records', { n: 8, 'n+': 1 });
      expect(created.body.n).toBe(9);
      expect((await t.patch(`/api/collections/counters/records/${created.body.id}`, { 'n+': 2 })).status).toBe(404);
      expect((await t.patch(`/api/collections/counters/records/${created.body.id}`, { 'n+': 1 })).body.n).toBe(10);
    });
  });
}

for (const engine of availableEngines()) {
  describe(`${engine.name}: hidden fields in @request.body`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ engine });
      await createCollection(t, {
        name: 'notes', listRule: '', viewRule: '', createRule: '@request.body.secret:isset = false',
        fields: [{ name: 'text', type: 'text' }, { name: 'secret', type: 'text', hidden: true }],
      });
    });
    afterAll(() => t?.close());

    it('leaves hidden fields out of the body non-superusers’ rules see, and ignores them', async () => {
      const res = await t.post('/api/collections/notes/records', { text: 'a', secret: 'x' });
      expect(res.status).toBe(200);
      expect(res.body).not.toHaveProperty('secret');
      const token = await t.superuserToken();
      expect((await t.get(`/api/collections/notes/records/${res.body.id}`, { token })).body.secret).toBe('');
    });
  });
}
