// A fresh instance's migrations on every engine: system tables, `_superusers` and `users` with
// their tables and unique indexes, and a second run (same or another process) that changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUPERUSERS_ID, USERS_ID } from '../../src/collections/index.js';
import { migrateUp } from '../../src/db/index.js';
import { availableEngines } from '../helpers/engines.js';
import { collectionRow, fieldColumns, indexesOf, rowsOf, snapshotTable, tableNames } from './inspect.js';
import { openHarness, startHarness, type CollectionsHarness } from './setup.js';

const AUTH_COLUMNS = ['id', 'password', 'tokenKey', 'email', 'emailVisibility', 'verified'];

for (const engine of availableEngines()) {
  describe(`${engine.name}: default collections migration`, () => {
    let h: CollectionsHarness;
    beforeAll(async () => {
      h = await startHarness(engine);
    });
    afterAll(() => h.close());

    it('creates the system tables and both default collections', async () => {
      expect(await tableNames(h.database)).toEqual(
        expect.arrayContaining(['_collections', '_migrations', '_params', '_sessions', '_superusers', 'users']),
      );
      const ids = (await h.database.db.selectFrom('_collections').select('id').execute()).map((r) => r.id);
      expect(ids.sort()).toEqual([USERS_ID, SUPERUSERS_ID].sort());
      expect(SUPERUSERS_ID).toBe('pbc_3142635823');
      expect(USERS_ID).toBe('_pb_users_auth_');
    });

    it('registers _superusers as a system auth collection and users as a plain one', () => {
      const superusers = h.service.view('_superusers');
      expect(superusers).toMatchObject({ id: 'pbc_3142635823', name: '_superusers', type: 'auth', system: true });
      const users = h.service.view('users');
      expect(users).toMatchObject({
        id: '_pb_users_auth_', name: 'users', type: 'auth', system: false,
        listRule: 'id = @request.auth.id', createRule: '', deleteRule: 'id = @request.auth.id',
      });
      // Token secrets are write-only.
      expect(JSON.stringify(users)).not.toContain('"secret"');
    });

    it.each([
      { table: '_superusers', id: 'pbc_3142635823', extra: ['created', 'updated'] },
      { table: 'users', id: '_pb_users_auth_', extra: ['name', 'avatar', 'created', 'updated'] },
    ])('$table has its columns and unique tokenKey/email indexes', async ({ table, id, extra }) => {
      expect(await fieldColumns(h.database, table)).toEqual([...AUTH_COLUMNS, ...extra]);
      const indexes = await indexesOf(h.database, table);
      expect(indexes.map((i) => [i.name, i.isUnique])).toEqual(
        [[`idx_email_${id}`, true], [`idx_tokenKey_${id}`, true]].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
    });

    it('enforces a unique non-empty email and a unique tokenKey in users', async () => {
      const row = (id: string, email: string, tokenKey: string) => ({ id, email, tokenKey, password: 'x' });
      const db = h.database.db;
      await db.insertInto('users').values([row('u00000000000001', '', 'k1'), row('u00000000000002', '', 'k2')]).execute();
      await db.insertInto('users').values(row('u00000000000003', 'a@example.com', 'k3')).execute();
      const duplicateEmail = await db.insertInto('users').values(row('u00000000000004', 'a@example.com', 'k4')).execute().catch((e: unknown) => e);
      expect(h.database.dialect.translateError(duplicateEmail)).toMatchObject({ kind: 'unique' });
      const duplicateToken = await db.insertInto('users').values(row('u00000000000005', 'b@example.com', 'k1')).execute().catch((e: unknown) => e);
      expect(h.database.dialect.translateError(duplicateToken)).toMatchObject({ kind: 'unique' });
      expect((await rowsOf(h.database, 'users')).map((r) => r.id)).toEqual(['u00000000000001', 'u00000000000002', 'u00000000000003']);
    });

    it('does nothing when run again, in this process or a new one', async () => {
      const before = {
        superusers: await collectionRow(h.database, SUPERUSERS_ID),
        users: await collectionRow(h.database, USERS_ID),
        table: await snapshotTable(h.database, 'users'),
        tables: await tableNames(h.database),
      };
      expect(await migrateUp(h.database, h.migrations)).toEqual([]);

      const restarted = openHarness(h.url);
      try {
        expect(await migrateUp(restarted.database, restarted.migrations)).toEqual([]);
        await restarted.registry.reload();
        expect(restarted.registry.all().map((c) => c.name).sort()).toEqual(['_superusers', 'users']);
      } finally {
        await restarted.database.close();
      }

      expect(await collectionRow(h.database, SUPERUSERS_ID)).toEqual(before.superusers);
      expect(await collectionRow(h.database, USERS_ID)).toEqual(before.users);
      expect(await snapshotTable(h.database, 'users')).toEqual(before.table);
      expect(await tableNames(h.database)).toEqual(before.tables);
    });
  });
}
