// API rules on every engine: null is superusers only (403), "" is open, a filter rule narrows lists,
// hides records (404) and refuses creates whose would-be row fails it (400, nothing written).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordChange } from '../../src/records/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { countOf, createCollection, expectError, ONLY_SUPERUSERS, rowById, signUp, type SignedInUser } from './fixtures.js';

const OWNER_RULE = 'owner = @request.auth.id';

for (const engine of availableEngines()) {
  describe(`${engine.name}: record rules`, () => {
    let t: TestApp;
    let su: string;
    let alice: SignedInUser;
    let bob: SignedInUser;
    let lockedId: string;
    const events: RecordChange[] = [];
    beforeAll(async () => {
      t = await startTestApp({ engine });
      t.app.records.onChange((change) => events.push(change));
      su = await t.superuserToken();
      await createCollection(t, {
        name: 'locked', listRule: null, viewRule: null, createRule: null, updateRule: null, deleteRule: null,
        fields: [{ name: 'title', type: 'text' }],
      });
      await createCollection(t, {
        name: 'open', listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '',
        fields: [{ name: 'title', type: 'text' }],
      });
      await createCollection(t, {
        name: 'owned',
        listRule: OWNER_RULE, viewRule: OWNER_RULE, updateRule: OWNER_RULE, deleteRule: OWNER_RULE,
        createRule: `@request.auth.id != "" && ${OWNER_RULE}`,
        fields: [{ name: 'title', type: 'text' }, { name: 'owner', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1 }],
      });
      await createCollection(t, {
        name: 'guarded', listRule: '', viewRule: '', createRule: "title != 'blocked' && n < 10", updateRule: null, deleteRule: null,
        fields: [{ name: 'title', type: 'text' }, { name: 'n', type: 'number' }],
      });
      alice = await signUp(t, 'alice@example.com');
      bob = await signUp(t, 'bob@example.com');
      lockedId = (await t.post('/api/collections/locked/records', { title: 'secret' }, { token: su })).body.id;
    });
    afterAll(() => t?.close());

    describe('null rules: superusers only', () => {
      const callers = [{ who: 'guest' }, { who: 'user' }];
      const actions = [
        { action: 'list', call: (t: TestApp, _id: string, token?: string) => t.get('/api/collections/locked/records', { token }) },
        { action: 'view', call: (t: TestApp, id: string, token?: string) => t.get(`/api/collections/locked/records/${id}`, { token }) },
        { action: 'create', call: (t: TestApp, _id: string, token?: string) => t.post('/api/collections/locked/records', { title: 'x' }, { token }) },
        { action: 'update', call: (t: TestApp, id: string, token?: string) => t.patch(`/api/collections/locked/records/${id}`, { title: 'x' }, { token }) },
        { action: 'delete', call: (t: TestApp, id: string, token?: string) => t.delete(`/api/collections/locked/records/${id}`, { token }) },
      ];
      for (const { who } of callers) {
        it.each(actions)(`${who} $action → 403, nothing changed`, async ({ call }) => {
          const res = await call(t, lockedId, who === 'user' ? alice.token : undefined);
          expectError(res, 403, { message: ONLY_SUPERUSERS, data: {} });
          expect(await rowsTitles(t, 'locked')).toEqual(['secret']);
        });
      }

      it.each([
        { who: 'guest', token: () => undefined },
        { who: 'user', token: () => alice.token },
      ])('a $who cannot list or create superusers', async ({ token }) => {
        const before = await countOf(t, '_superusers');
        expectError(await t.get('/api/collections/_superusers/records', { token: token() }), 403, { message: ONLY_SUPERUSERS });
        const res = await t.post('/api/collections/_superusers/records', { email: 'evil@example.com', password: 'evil-pass-123', passwordConfirm: 'evil-pass-123' }, { token: token() });
        expectError(res, 403, { message: ONLY_SUPERUSERS });
        expect(await countOf(t, '_superusers')).toBe(before);
      });

      it('403 even for an unknown id (the rule is checked first)', async () => {
        expectError(await t.get('/api/collections/locked/records/nosuchrecord000'), 403, { message: ONLY_SUPERUSERS });
      });

      it('superusers may do everything', async () => {
        const list = await t.get('/api/collections/locked/records', { token: su });
        expect(list.status).toBe(200);
        expect(list.body.totalItems).toBe(1);
        expect((await t.get(`/api/collections/locked/records/${lockedId}`, { token: su })).status).toBe(200);
        const made = await t.post('/api/collections/locked/records', { title: 'su made' }, { token: su });
        expect(made.status).toBe(200);
        const changed = await t.patch(`/api/collections/locked/records/${made.body.id}`, { title: 'su changed' }, { token: su });
        expect(changed.body.title).toBe('su changed');
        expect((await t.delete(`/api/collections/locked/records/${made.body.id}`, { token: su })).status).toBe(204);
        expect(await rowsTitles(t, 'locked')).toEqual(['secret']);
      });
    });

    it('"" rules let guests do everything', async () => {
      const made = await t.post('/api/collections/open/records', { title: 'by guest' });
      expect(made.status).toBe(200);
      expect((await t.get('/api/collections/open/records')).body.items.map((i: { id: string }) => i.id)).toEqual([made.body.id]);
      expect((await t.get(`/api/collections/open/records/${made.body.id}`)).status).toBe(200);
      expect((await t.patch(`/api/collections/open/records/${made.body.id}`, { title: 'edited' })).body.title).toBe('edited');
      expect(await rowById(t, 'open', made.body.id)).toMatchObject({ title: 'edited' });
      expect((await t.delete(`/api/collections/open/records/${made.body.id}`)).status).toBe(204);
      expect(await countOf(t, 'open')).toBe(0);
    });

    describe('filter rules', () => {
      let aliceRec: string;
      let bobRec: string;
      beforeAll(async () => {
        const a = await t.post('/api/collections/owned/records', { title: 'alice 1', owner: alice.id }, { token: alice.token });
        const b = await t.post('/api/collections/owned/records', { title: 'bob 1', owner: bob.id }, { token: bob.token });
        if (a.status !== 200 || b.status !== 200) throw new Error(`owned setup: ${a.text} ${b.text}`);
        aliceRec = a.body.id;
        bobRec = b.body.id;
        await t.post('/api/collections/owned/records', { title: 'alice 2', owner: alice.id }, { token: alice.token });
      });

      it('list shows only the rows the rule lets through (200)', async () => {
        const mine = await t.get('/api/collections/owned/records?sort=title', { token: alice.token });
        expect(mine.status).toBe(200);
        expect(mine.body).toMatchObject({ totalItems: 2, totalPages: 1 });
        expect(mine.body.items.map((i: { title: string }) => i.title)).toEqual(['alice 1', 'alice 2']);
        const bobs = await t.get('/api/collections/owned/records', { token: bob.token });
        expect(bobs.body.items.map((i: { id: string }) => i.id)).toEqual([bobRec]);
        const guest = await t.get('/api/collections/owned/records');
        expect(guest.status).toBe(200);
        expect(guest.body).toMatchObject({ totalItems: 0, items: [] });
        // The client filter is ANDed with the rule, never ORed around it.
        const sneaky = await t.get(`/api/collections/owned/records?filter=${encodeURIComponent(`title = 'bob 1' || id != ''`)}`, { token: alice.token });
        expect(sneaky.status).toBe(200);
        expect(sneaky.body.items.map((i: { title: string }) => i.title).sort()).toEqual(['alice 1', 'alice 2']);
      });

      it.each([
        { who: 'another user', token: () => bob.token },
        { who: 'a guest', token: () => undefined },
      ])('view/update/delete by $who → 404, record untouched', async ({ token }) => {
        expectError(await t.get(`/api/collections/owned/records/${aliceRec}`, { token: token() }), 404);
        expectError(await t.patch(`/api/collections/owned/records/${aliceRec}`, { title: 'hijacked' }, { token: token() }), 404);
        expectError(await t.delete(`/api/collections/owned/records/${aliceRec}`, { token: token() }), 404);
        expect(await rowById(t, 'owned', aliceRec)).toMatchObject({ title: 'alice 1', owner: alice.id });
      });

      it('the owner may view and update', async () => {
        const view = await t.get(`/api/collections/owned/records/${aliceRec}`, { token: alice.token });
        expect(view.status).toBe(200);
        const upd = await t.patch(`/api/collections/owned/records/${aliceRec}`, { title: 'alice 1b' }, { token: alice.token });
        expect(upd.status).toBe(200);
        expect(await rowById(t, 'owned', aliceRec)).toMatchObject({ title: 'alice 1b' });
      });

      it.each([
        { who: 'a user for another owner', token: () => alice.token, body: () => ({ title: 'forged', owner: bob.id }) },
        { who: 'a user with no owner', token: () => alice.token, body: () => ({ title: 'forged' }) },
        { who: 'a guest', token: () => undefined, body: () => ({ title: 'forged', owner: alice.id }) },
      ])('a create the would-be row fails ($who) → 400, no row', async ({ token, body }) => {
        const before = await countOf(t, 'owned');
        const eventsBefore = events.length;
        const res = await t.post('/api/collections/owned/records', body(), { token: token() });
        expectError(res, 400, { message: 'Failed to create record.', data: {} });
        expect(await countOf(t, 'owned')).toBe(before);
        // The would-be row was rolled back without a trace: no change event either.
        expect(events.length).toBe(eventsBefore);
        const rows = await t.app.database.db.selectFrom('owned').selectAll().where('title', '=', 'forged').execute();
        expect(rows).toEqual([]);
      });

      it.each([
        { body: { title: 'blocked', n: 1 }, status: 400 },
        { body: { title: 'fine', n: 10 }, status: 400 },
        { body: { title: 'fine', n: '11' }, status: 400 },
        { body: { title: 'fine', n: 9 }, status: 200 },
      ])('a create rule on field values: $body → $status', async ({ body, status }) => {
        const before = await countOf(t, 'guarded');
        const res = await t.post('/api/collections/guarded/records', body);
        expect(res.status, res.text).toBe(status);
        expect(await countOf(t, 'guarded')).toBe(status === 200 ? before + 1 : before);
      });

      it('superusers bypass every rule', async () => {
        const all = await t.get('/api/collections/owned/records', { token: su });
        expect(all.body.totalItems).toBe(3);
        expect((await t.get(`/api/collections/owned/records/${bobRec}`, { token: su })).status).toBe(200);
        const made = await t.post('/api/collections/owned/records', { title: 'su for bob', owner: bob.id }, { token: su });
        expect(made.status).toBe(200);
        const blocked = await t.post('/api/collections/guarded/records', { title: 'blocked', n: 50 }, { token: su });
        expect(blocked.status).toBe(200);
        expect((await t.patch(`/api/collections/owned/records/${bobRec}`, { title: 'su edit' }, { token: su })).status).toBe(200);
        expect(await rowById(t, 'owned', bobRec)).toMatchObject({ title: 'su edit' });
        expect((await t.delete(`/api/collections/owned/records/${made.body.id}`, { token: su })).status).toBe(204);
        expect(await rowById(t, 'owned', made.body.id)).toBeUndefined();
      });

      it('the default users rules show a user only their own record', async () => {
        const list = await t.get('/api/collections/users/records', { token: alice.token });
        expect(list.status).toBe(200);
        expect(list.body.items.map((i: { id: string }) => i.id)).toEqual([alice.id]);
        expectError(await t.get(`/api/collections/users/records/${bob.id}`, { token: alice.token }), 404);
        expect((await t.get('/api/collections/users/records')).body.items).toEqual([]);
      });
    });
  });
}

async function rowsTitles(t: TestApp, table: string): Promise<string[]> {
  const rows = await t.app.database.db.selectFrom(table).select('title').execute();
  return rows.map((r) => String(r.title)).sort();
}
