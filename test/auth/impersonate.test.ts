// Impersonation on every engine, as PocketBase does it: a superuser gets a non-refreshable token
// for any auth record, in a session of its own that ends with the token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { sdkClient } from '../helpers/sdk.js';
import { createCollection, expectError, signUp, sleep } from '../records/fixtures.js';

for (const engine of availableEngines()) {
  describe(`${engine.name}: impersonate`, () => {
    let t: TestApp;
    let su: string;

    beforeAll(async () => {
      t = await startTestApp({ engine });
      su = await t.superuserToken();
      await createCollection(t, {
        name: 'secrets', listRule: 'owner = @request.auth.id', viewRule: 'owner = @request.auth.id', createRule: null, updateRule: null, deleteRule: null,
        fields: [{ name: 'owner', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1 }],
      });
    });
    afterAll(() => t?.close());

    it('acts as the record with a token that does not refresh', async () => {
      const alice = await signUp(t, 'alice@example.com');
      const secret = (await t.post('/api/collections/secrets/records', { owner: alice.id }, { token: su })).body.id as string;
      const res = await t.post(`/api/collections/users/impersonate/${alice.id}`, {}, { token: su });
      expect(res.status).toBe(200);
      expect(res.body.record).toMatchObject({ id: alice.id, email: 'alice@example.com' });
      const token = res.body.token as string;
      expect((await t.get(`/api/collections/secrets/records/${secret}`, { token })).status).toBe(200);
      const refreshed = await t.post('/api/collections/users/auth-refresh', undefined, { token });
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.token).toBe(token);
      const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { refreshable: boolean };
      expect(payload.refreshable).toBe(false);
    });

    it('ends with the duration asked for', async () => {
      const bob = await signUp(t, 'bob@example.com');
      const token = (await t.post(`/api/collections/users/impersonate/${bob.id}`, { duration: 1 }, { token: su })).body.token as string;
      expect((await t.post('/api/collections/users/auth-refresh', undefined, { token })).status).toBe(200);
      await sleep(2_100);
      expect((await t.post('/api/collections/users/auth-refresh', undefined, { token })).status).toBe(401);
    });

    it('is for superusers only, and refuses bad input', async () => {
      const carol = await signUp(t, 'carol@example.com');
      expectError(await t.post(`/api/collections/users/impersonate/${carol.id}`, {}), 401);
      expectError(await t.post(`/api/collections/users/impersonate/${carol.id}`, {}, { token: carol.token }), 403);
      expectError(await t.post('/api/collections/users/impersonate/nosuchrecord000', {}, { token: su }), 404);
      expectError(await t.post(`/api/collections/secrets/impersonate/${carol.id}`, {}, { token: su }), 404);
      for (const duration of [-1, 'abc', 1.5]) {
        const res = await t.post(`/api/collections/users/impersonate/${carol.id}`, { duration }, { token: su });
        expectError(res, 400);
        expect(Object.keys(res.body.data)).toEqual(['duration']);
      }
    });

    it('works through the PocketBase SDK', async () => {
      const dave = await signUp(t, 'dave@example.com');
      const pb = sdkClient(t.url);
      pb.authStore.save(su);
      const asDave = await pb.collection('users').impersonate(dave.id, 3600);
      expect(asDave.authStore.record?.id).toBe(dave.id);
      expect((await asDave.collection('users').authRefresh()).record.id).toBe(dave.id);
    });
  });
}
