// The lookup by id under a rule is compiled once per caller when the rule reads only the caller:
// these tests make sure that never serves a stale answer — a changed caller record, a changed rule,
// another caller or a rule that reads the rest of the request must each be answered afresh.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { createCollection, signUp, type SignedInUser } from './fixtures.js';

for (const engine of availableEngines()) {
  describe(`${engine.name}: rules compiled per caller`, () => {
    let t: TestApp;
    let su: string;
    let alice: SignedInUser;
    let bob: SignedInUser;
    let docId: string;
    let headerDocId: string;

    const view = (id: string, token?: string, headers?: Record<string, string>) =>
      t.get(`/api/collections/docs/records/${id}`, { token, headers }).then((r) => r.status);

    beforeAll(async () => {
      t = await startTestApp({ engine });
      su = await t.superuserToken();
      alice = await signUp(t, 'alice@example.com');
      bob = await signUp(t, 'bob@example.com');
      await createCollection(t, {
        name: 'docs', listRule: '', viewRule: 'owner = @request.auth.id', createRule: null, updateRule: null, deleteRule: null,
        fields: [
          { name: 'title', type: 'text' },
          { name: 'owner', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1 },
          { name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
        ],
      });
      await createCollection(t, {
        name: 'gated', listRule: '', viewRule: "@request.headers.x_pass = 'yes'", createRule: null, updateRule: null, deleteRule: null,
        fields: [{ name: 'title', type: 'text' }],
      });
      docId = (await t.post('/api/collections/docs/records', { title: 'mine', owner: alice.id }, { token: su })).body.id;
      headerDocId = (await t.post('/api/collections/gated/records', { title: 'gated' }, { token: su })).body.id;
    });
    afterAll(() => t?.close());

    it('answers each caller by its own identity, however they interleave', async () => {
      for (let round = 0; round < 3; round++) {
        expect(await view(docId, alice.token)).toBe(200);
        expect(await view(docId, bob.token)).toBe(404);
        expect(await view(docId)).toBe(404);
        expect(await view(docId, 'not-a-token')).toBe(404);
      }
    });

    it('sees a change to the caller record at once, with the same token', async () => {
      const patchRule = await t.patch('/api/collections/docs', { viewRule: "@request.auth.name = 'editor'" }, { token: su });
      expect(patchRule.status).toBe(200);
      expect(await view(docId, bob.token)).toBe(404);
      expect(await view(docId, bob.token)).toBe(404);
      expect((await t.patch(`/api/collections/users/records/${bob.id}`, { name: 'editor' }, { token: su })).status).toBe(200);
      expect(await view(docId, bob.token)).toBe(200);
      expect(await view(docId, bob.token)).toBe(200);
      expect(await view(docId, alice.token)).toBe(404);
      expect((await t.patch(`/api/collections/users/records/${bob.id}`, { name: 'reader' }, { token: su })).status).toBe(200);
      expect(await view(docId, bob.token)).toBe(404);
    });

    it('sees a changed rule at once', async () => {
      expect(await view(docId)).toBe(404);
      expect((await t.patch('/api/collections/docs', { viewRule: '' }, { token: su })).status).toBe(200);
      expect(await view(docId)).toBe(200);
      expect((await t.patch('/api/collections/docs', { viewRule: 'owner = @request.auth.id' }, { token: su })).status).toBe(200);
      expect(await view(docId)).toBe(404);
      expect(await view(docId, alice.token)).toBe(200);
    });

    it('lists by each caller under an owner rule, however they interleave', async () => {
      expect((await t.patch('/api/collections/docs', { listRule: 'owner = @request.auth.id' }, { token: su })).status).toBe(200);
      const titles = async (token?: string, filter?: string) => {
        const query = filter ? `?filter=${encodeURIComponent(filter)}` : '';
        const res = await t.get(`/api/collections/docs/records${query}`, { token });
        expect(res.status).toBe(200);
        return res.body.items.map((r: { title: string }) => r.title);
      };
      await t.post('/api/collections/docs/records', { title: 'bobs', owner: bob.id }, { token: su });
      for (let round = 0; round < 2; round++) {
        expect(await titles(alice.token)).toEqual(['mine']);
        expect(await titles(bob.token)).toEqual(['bobs']);
        expect(await titles()).toEqual([]);
        expect(await titles(alice.token, "title != ''")).toEqual(['mine']);
        expect(await titles(bob.token, "title != ''")).toEqual(['bobs']);
      }
      expect((await t.patch('/api/collections/docs', { listRule: '' }, { token: su })).status).toBe(200);
      expect(await titles()).toEqual(['mine', 'bobs']);
    });

    it('reads the clock anew for a filter with a date macro', async () => {
      const count = async () => (await t.get(`/api/collections/docs/records?filter=${encodeURIComponent('created <= @now')}`)).body.items.length as number;
      const before = await count();
      expect(await count()).toBe(before);
      await new Promise((resolve) => setTimeout(resolve, 5));
      await t.post('/api/collections/docs/records', { title: 'later', owner: alice.id }, { token: su });
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await count()).toBe(before + 1);
    });

    it('answers a rule that reads the request anew on every request', async () => {
      const gated = (headers?: Record<string, string>) => t.get(`/api/collections/gated/records/${headerDocId}`, { headers }).then((r) => r.status);
      for (let round = 0; round < 3; round++) {
        expect(await gated({ 'x-pass': 'yes' })).toBe(200);
        expect(await gated()).toBe(404);
        expect(await gated({ 'x-pass': 'no' })).toBe(404);
      }
      expect((await t.patch('/api/collections/gated', { listRule: "@request.headers.x_pass = 'yes'" }, { token: su })).status).toBe(200);
      const listed = (headers?: Record<string, string>) => t.get('/api/collections/gated/records', { headers }).then((r) => r.body.items.length);
      for (let round = 0; round < 3; round++) {
        expect(await listed({ 'x-pass': 'yes' })).toBe(1);
        expect(await listed()).toBe(0);
      }
    });
  });
}
