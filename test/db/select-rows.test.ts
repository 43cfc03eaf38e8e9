// Database.selectRows is the hot read path (it skips Kysely's connection queue on SQLite): it must
// never see a row another request's transaction has written but not committed.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/index.js';
import { availableEngines } from '../helpers/engines.js';

for (const engine of availableEngines()) {
  describe(`${engine.name}: selectRows`, () => {
    it('reads committed rows only, while a transaction is open elsewhere', async () => {
      const testDb = await engine.createDatabase();
      const database = openDatabase(testDb.url);
      try {
        await sql`CREATE TABLE probe (id VARCHAR(20) PRIMARY KEY)`.execute(database.db);
        await sql`INSERT INTO probe (id) VALUES ('committed')`.execute(database.db);
        const read = database.db.selectFrom('probe').select('id').orderBy('id').compile();
        expect(await database.selectRows(read)).toEqual([{ id: 'committed' }]);

        let commit!: () => void;
        const committing = new Promise<void>((resolve) => { commit = resolve; });
        let inserted!: () => void;
        const insertedYet = new Promise<void>((resolve) => { inserted = resolve; });
        const trx = database.transaction(async (tx) => {
          await sql`INSERT INTO probe (id) VALUES ('pending')`.execute(tx);
          inserted();
          await committing;
        });
        await insertedYet;

        let answeredBeforeCommit: readonly unknown[] | null = null;
        const during = database.selectRows<{ id: string }>(read).then((rows) => {
          answeredBeforeCommit ??= rows;
          return rows;
        });
        await new Promise((resolve) => setTimeout(resolve, 30));
        const seenWhileOpen = answeredBeforeCommit;
        commit();
        await trx;
        const rows = await during;

        // SQLite queues the read behind the transaction; the servers answer from another connection.
        if (seenWhileOpen !== null) expect(seenWhileOpen).toEqual([{ id: 'committed' }]);
        else expect(rows.map((r) => r.id)).toEqual(['committed', 'pending']);
        expect(await database.selectRows(read)).toEqual([{ id: 'committed' }, { id: 'pending' }]);
      } finally {
        await database.close();
        await testDb.drop();
      }
    });
  });
}

for (const engine of availableEngines()) {
  describe(`${engine.name}: selectRows with prepared statements`, () => {
    it('answers with the new columns after the table changes', async () => {
      const testDb = await engine.createDatabase();
      const database = openDatabase(testDb.url);
      try {
        await sql`CREATE TABLE probe (id VARCHAR(20) PRIMARY KEY)`.execute(database.db);
        await sql`INSERT INTO probe (id) VALUES ('a')`.execute(database.db);
        const read = database.db.selectFrom('probe').selectAll('probe').where('probe.id', '=', 'a').compile();
        for (let i = 0; i < 5; i++) expect(await database.selectRows(read, { prepared: true })).toEqual([{ id: 'a' }]);
        await sql`ALTER TABLE probe ADD COLUMN title VARCHAR(20) DEFAULT 'x' NOT NULL`.execute(database.db);
        for (let i = 0; i < 5; i++) expect(await database.selectRows(read, { prepared: true })).toEqual([{ id: 'a', title: 'x' }]);
        // Many reads at once land on several connections, each with its own prepared copy.
        const many = await Promise.all(Array.from({ length: 20 }, () => database.selectRows(read, { prepared: true })));
        for (const rows of many) expect(rows).toEqual([{ id: 'a', title: 'x' }]);
      } finally {
        await database.close();
        await testDb.drop();
      }
    });
  });
}
