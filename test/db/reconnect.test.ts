// A database connection that drops under an idle pool (server restart, admin kill) must not take
// the process down: the next query simply opens a new connection.
import mysql from 'mysql2/promise';
import pg from 'pg';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/index.js';
import { availableEngines } from '../helpers/engines.js';

const postgres = availableEngines().find((e) => e.name === 'postgres');

describe.skipIf(!postgres)('postgres: dropped idle connections', () => {
  it('survives its idle connections being terminated', async () => {
    const testDb = await postgres!.createDatabase();
    const database = openDatabase(testDb.url);
    try {
      await Promise.all([1, 2, 3].map(() => sql`SELECT pg_sleep(0.05)`.execute(database.db)));
      const admin = new pg.Client({ connectionString: testDb.url });
      await admin.connect();
      const name = new URL(testDb.url).pathname.slice(1);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      await admin.end();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await database.ping()).toBe(true);
    } finally {
      await database.close();
      await testDb.drop();
    }
  });
});

const mysqlEngine = availableEngines().find((e) => e.name === 'mysql');

describe.skipIf(!mysqlEngine)('mysql: dropped idle connections', () => {
  it('survives its idle connections being killed', async () => {
    const testDb = await mysqlEngine!.createDatabase();
    const database = openDatabase(testDb.url);
    try {
      await Promise.all([1, 2, 3].map(() => sql`SELECT SLEEP(0.05)`.execute(database.db)));
      const name = new URL(testDb.url).pathname.slice(1);
      const ids = await sql<{ id: number }>`SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ${name} AND ID <> CONNECTION_ID()`.execute(database.db);
      const admin = await mysql.createConnection({ uri: testDb.url });
      for (const { id } of ids.rows) await admin.query(`KILL ${Number(id)}`).catch(() => undefined);
      await admin.end();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await database.ping()).toBe(true);
    } finally {
      await database.close();
      await testDb.drop();
    }
  });
});
