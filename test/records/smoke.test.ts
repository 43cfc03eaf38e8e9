import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableEngines } from '../helpers/engines.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

for (const engine of availableEngines()) {
  describe(`${engine.name}: records smoke`, () => {
    let t: TestApp;
    beforeAll(async () => { t = await startTestApp({ engine }); });
    afterAll(() => t?.close());

    it('creates a collection and a record, then lists it', async () => {
      const token = await t.superuserToken();
      const created = await t.post('/api/collections', { name: 'posts', listRule: '', viewRule: '', createRule: '', fields: [{ name: 'title', type: 'text' }] }, { token });
      expect(created.status).toBe(200);
      const rec = await t.post('/api/collections/posts/records', { title: 'hi' });
      expect(rec.status).toBe(200);
      const list = await t.get('/api/collections/posts/records');
      expect(list.body.items.map((i: { title: string }) => i.title)).toEqual(['hi']);
    });
  });
}
