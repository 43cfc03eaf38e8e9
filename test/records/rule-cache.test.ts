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
        fields: [{ name: 'title', type: 'text' }, { name: 'owner', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1 }],
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

    it('answers a rule that reads the request anew on every request', async () => {
      const gated = (headers?: Record<string, string>) => t.get(`/api/collections/gated/records/${headerDocId}`, { headers }).then((r) => r.status);
      for (let round = 0; round < 3; round++) {
        expect(await gated({ 'x-pass': 'yes' })).toBe(200);
        expect(await gated()).toBe(404);
        expect(await gated({ 'x-pass': 'no' })).toBe(404);
      }
    });
  });
}
