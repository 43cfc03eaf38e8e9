// manageRule on auth collections: its matches see emails and change email, verified and passwords
// of the records they manage as superusers would; everyone else keeps the usual limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';

for (const engine of availableEngines()) {
  describe(`${engine.name}: manageRule`, () => {
    let t: TestApp;
    const users: Record<string, { id: string; token: string }> = {};
    beforeAll(async () => {
      t = await startTestApp({ engine });
      const token = await t.superuserToken();
      const collection = await t.get('/api/collections/users', { token });
      const patched = await t.patch('/api/collections/users', {
        fields: [...collection.body.fields, { name: 'role', type: 'text', hidden: false }],
        listRule: '', viewRule: '',
        updateRule: "id = @request.auth.id || @request.auth.role = 'admin'",
        manageRule: "@request.auth.role = 'admin'",
      }, { token });
      expect(patched.status).toBe(200);
      for (const [name, role] of [['admin', 'admin'], ['alice', ''], ['bob', '']] as const) {
        const created = await t.post('/api/collections/users/records', { email: `${name}@example.com`, password: 'password-123', passwordConfirm: 'password-123' });
        expect(created.status).toBe(200);
        if (role) await t.patch(`/api/collections/users/records/${created.body.id}`, { role }, { token });
        const signIn = await t.post('/api/collections/users/auth-with-password', { identity: `${name}@example.com`, password: 'password-123' });
        users[name] = { id: created.body.id, token: signIn.body.token };
      }
    });
    afterAll(() => t?.close());

    it('shows emails to managers only', async () => {
      const asAdmin = await t.get('/api/collections/users/records?sort=email', { token: users.admin!.token });
      expect(asAdmin.body.items.map((u: { email?: string }) => u.email)).toEqual(['admin@example.com', 'alice@example.com', 'bob@example.com']);
      const asAlice = await t.get('/api/collections/users/records?sort=email', { token: users.alice!.token });
      expect(asAlice.body.items.map((u: { email?: string }) => u.email ?? null).filter(Boolean)).toEqual(['alice@example.com']);
    });

    it('lets a manager change email, verified and password without the old password', async () => {
      const res = await t.patch(`/api/collections/users/records/${users.bob!.id}`, {
        email: 'bob2@example.com', verified: true, password: 'new-password-1', passwordConfirm: 'new-password-1',
      }, { token: users.admin!.token });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ email: 'bob2@example.com', verified: true });
      const signIn = await t.post('/api/collections/users/auth-with-password', { identity: 'bob2@example.com', password: 'new-password-1' });
      expect(signIn.status).toBe(200);
    });

    it('keeps the limits for everyone else', async () => {
      const res = await t.patch(`/api/collections/users/records/${users.alice!.id}`, { verified: true, password: 'other-password-1', passwordConfirm: 'other-password-1' }, { token: users.alice!.token });
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.data).sort()).toEqual(['oldPassword', 'verified']);
    });

    it('lets a manager create a verified record, and nobody else', async () => {
      const body = { email: 'v@example.com', password: 'password-123', passwordConfirm: 'password-123', verified: true };
      const asGuest = await t.post('/api/collections/users/records', body);
      expect(asGuest.status).toBe(400);
      expect(asGuest.body.data.verified.code).toBe('validation_values_mismatch');
      const asAdmin = await t.post('/api/collections/users/records', body, { token: users.admin!.token });
      expect(asAdmin.status).toBe(200);
      expect(asAdmin.body.verified).toBe(true);
    });
  });
}
