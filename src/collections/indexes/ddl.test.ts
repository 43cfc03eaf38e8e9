import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dropIndexDdl, indexDdl, mysqlGeneratedColumnName, type ColumnKinds } from './ddl.js';
import { parseIndex } from './parse.js';

const BIN = 'LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin';

describe('indexDdl / dropIndexDdl: statements per engine', () => {
  it.each<{
    title: string;
    sql: string;
    table: string;
    kinds: ColumnKinds;
    sqlite: string[];
    postgres: string[];
    mysql: string[];
    drop: { sqlite: string[]; postgres: string[]; mysql: string[] };
  }>([
    {
      title: 'unique non-empty email, on a renamed table',
      sql: "CREATE UNIQUE INDEX `idx_users_email` ON `users` (`email`) WHERE `email` != ''",
      table: 'members',
      kinds: { email: 'text' },
      sqlite: [`CREATE UNIQUE INDEX "idx_users_email" ON "members" ("email") WHERE "email" != ''`],
      postgres: [`CREATE UNIQUE INDEX "idx_users_email" ON "members" ("email") WHERE "email" != ''`],
      mysql: [
        `ALTER TABLE \`members\` ADD COLUMN \`_ms_idx_idx_users_email\` ${BIN} AS (NULLIF(\`email\`, '')) VIRTUAL INVISIBLE, `
        + 'ADD UNIQUE INDEX `idx_users_email` (`_ms_idx_idx_users_email`)',
      ],
      drop: {
        sqlite: ['DROP INDEX IF EXISTS "idx_users_email"'],
        postgres: ['DROP INDEX IF EXISTS "idx_users_email"'],
        mysql: ['ALTER TABLE `members` DROP INDEX IF EXISTS `idx_users_email`, DROP COLUMN IF EXISTS `_ms_idx_idx_users_email`'],
      },
    },
    {
      title: 'NOCASE and directions, not unique',
      sql: 'CREATE INDEX idx_abc ON posts (title COLLATE NOCASE ASC, created DESC)',
      table: 'posts',
      kinds: { title: 'text', created: 'text' },
      sqlite: ['CREATE INDEX "idx_abc" ON "posts" ("title" COLLATE NOCASE ASC, "created" DESC)'],
      postgres: ['CREATE INDEX "idx_abc" ON "posts" ((lower("title")) ASC, "created" DESC)'],
      mysql: [
        `ALTER TABLE \`posts\` ADD COLUMN \`_ms_idx_idx_abc_0\` ${BIN} AS (LOWER(\`title\`)) VIRTUAL INVISIBLE, `
        + 'ADD INDEX `idx_abc` (`_ms_idx_idx_abc_0`(191) ASC, `created`(191) DESC)',
      ],
      drop: {
        sqlite: ['DROP INDEX IF EXISTS "idx_abc"'],
        postgres: ['DROP INDEX IF EXISTS "idx_abc"'],
        mysql: ['ALTER TABLE `posts` DROP INDEX IF EXISTS `idx_abc`, DROP COLUMN IF EXISTS `_ms_idx_idx_abc_0`'],
      },
    },
    {
      title: 'plain unique on text and number: no prefix, MariaDB hashes long keys',
      sql: 'CREATE UNIQUE INDEX "idx_x" ON "t" ("a", "b")',
      table: 't',
      kinds: { a: 'text', b: 'number' },
      sqlite: ['CREATE UNIQUE INDEX "idx_x" ON "t" ("a", "b")'],
      postgres: ['CREATE UNIQUE INDEX "idx_x" ON "t" ("a", "b")'],
      mysql: ['CREATE UNIQUE INDEX `idx_x` ON `t` (`a`, `b`)'],
      drop: {
        sqlite: ['DROP INDEX IF EXISTS "idx_x"'],
        postgres: ['DROP INDEX IF EXISTS "idx_x"'],
        mysql: ['DROP INDEX IF EXISTS `idx_x` ON `t`'],
      },
    },
    {
      title: 'partial unique on two columns with awkward literals',
      sql: "CREATE UNIQUE INDEX idx_p ON posts (slug COLLATE NOCASE, n) WHERE published = 1 AND note != 'it''s \\ ok'",
      table: 'posts',
      kinds: { slug: 'text', n: 'number', published: 'bool', note: 'text' },
      sqlite: [`CREATE UNIQUE INDEX "idx_p" ON "posts" ("slug" COLLATE NOCASE, "n") WHERE "published" = 1 AND "note" != 'it''s \\ ok'`],
      postgres: [`CREATE UNIQUE INDEX "idx_p" ON "posts" ((lower("slug")), "n") WHERE "published" = TRUE AND "note" != 'it''s \\ ok'`],
      mysql: [
        'ALTER TABLE `posts` '
        + `ADD COLUMN \`_ms_idx_idx_p_0\` ${BIN} AS (CASE WHEN \`published\` = 1 AND \`note\` != 'it''s \\\\ ok' THEN LOWER(\`slug\`) END) VIRTUAL INVISIBLE, `
        + "ADD COLUMN `_ms_idx_idx_p_1` DOUBLE AS (CASE WHEN `published` = 1 AND `note` != 'it''s \\\\ ok' THEN `n` END) VIRTUAL INVISIBLE, "
        + 'ADD UNIQUE INDEX `idx_p` (`_ms_idx_idx_p_0`, `_ms_idx_idx_p_1`)',
      ],
      drop: {
        sqlite: ['DROP INDEX IF EXISTS "idx_p"'],
        postgres: ['DROP INDEX IF EXISTS "idx_p"'],
        mysql: ['ALTER TABLE `posts` DROP INDEX IF EXISTS `idx_p`, DROP COLUMN IF EXISTS `_ms_idx_idx_p_0`, DROP COLUMN IF EXISTS `_ms_idx_idx_p_1`'],
      },
    },
    {
      title: 'partial, not unique: MariaDB keeps a full index; literals follow column affinity',
      sql: 'CREATE INDEX idx_q ON posts (n DESC, id, Title) WHERE title = 5 OR flag = true OR n > false',
      table: 'posts',
      kinds: { n: 'number', id: 'id', title: 'text', flag: 'text' },
      sqlite: ['CREATE INDEX "idx_q" ON "posts" ("n" DESC, "id", "Title") WHERE "title" = 5 OR "flag" = TRUE OR "n" > FALSE'],
      postgres: [`CREATE INDEX "idx_q" ON "posts" ("n" DESC, "id", "Title") WHERE "title" = '5' OR "flag" = '1' OR "n" > 0`],
      // 3072 key bytes - 8 (DOUBLE) - 1020 (VARCHAR(255) id) leaves 2044 for one text column: 191.
      mysql: ['CREATE INDEX `idx_q` ON `posts` (`n` DESC, `id`, `Title`(191))'],
      drop: {
        sqlite: ['DROP INDEX IF EXISTS "idx_q"'],
        postgres: ['DROP INDEX IF EXISTS "idx_q"'],
        mysql: ['DROP INDEX IF EXISTS `idx_q` ON `posts`'],
      },
    },
    {
      title: 'NOCASE on a number does nothing, as in SQLite; unknown columns count as text',
      sql: 'CREATE INDEX i ON t (n COLLATE NOCASE, a, b, c, d)',
      table: 't',
      kinds: { n: 'number' },
      sqlite: ['CREATE INDEX "i" ON "t" ("n" COLLATE NOCASE, "a", "b", "c", "d")'],
      postgres: ['CREATE INDEX "i" ON "t" ("n", "a", "b", "c", "d")'],
      // (3072 - 8) / (4 bytes x 4 text columns) = 191.5
      mysql: ['CREATE INDEX `i` ON `t` (`n`, `a`(191), `b`(191), `c`(191), `d`(191))'],
      drop: {
        sqlite: ['DROP INDEX IF EXISTS "i"'],
        postgres: ['DROP INDEX IF EXISTS "i"'],
        // NOCASE may have added a stand-in column on another kind, so the drop looks for it.
        mysql: ['ALTER TABLE `t` DROP INDEX IF EXISTS `i`, DROP COLUMN IF EXISTS `_ms_idx_i_0`'],
      },
    },
    {
      title: 'general partial unique on one column with IS NULL and NOT',
      sql: 'CREATE UNIQUE INDEX u ON t (code COLLATE NOCASE) WHERE NOT (deleted IS NOT NULL OR code = \'\')',
      table: 't',
      kinds: { code: 'text', deleted: 'text' },
      sqlite: [`CREATE UNIQUE INDEX "u" ON "t" ("code" COLLATE NOCASE) WHERE NOT ("deleted" IS NOT NULL OR "code" = '')`],
      postgres: [`CREATE UNIQUE INDEX "u" ON "t" ((lower("code"))) WHERE NOT ("deleted" IS NOT NULL OR "code" = '')`],
      mysql: [
        `ALTER TABLE \`t\` ADD COLUMN \`_ms_idx_u\` ${BIN} AS (CASE WHEN NOT (\`deleted\` IS NOT NULL OR \`code\` = '') THEN LOWER(\`code\`) END) VIRTUAL INVISIBLE, `
        + 'ADD UNIQUE INDEX `u` (`_ms_idx_u`)',
      ],
      drop: {
        sqlite: ['DROP INDEX IF EXISTS "u"'],
        postgres: ['DROP INDEX IF EXISTS "u"'],
        mysql: ['ALTER TABLE `t` DROP INDEX IF EXISTS `u`, DROP COLUMN IF EXISTS `_ms_idx_u`'],
      },
    },
  ])('$title', ({ sql, table, kinds, sqlite, postgres, mysql, drop }) => {
    const idx = parseIndex(sql);
    expect(indexDdl(idx, 'sqlite', table, kinds)).toEqual(sqlite);
    expect(indexDdl(idx, 'postgres', table, kinds)).toEqual(postgres);
    expect(indexDdl(idx, 'mysql', table, kinds)).toEqual(mysql);
    expect(dropIndexDdl(idx, 'sqlite', table)).toEqual(drop.sqlite);
    expect(dropIndexDdl(idx, 'postgres', table)).toEqual(drop.postgres);
    expect(dropIndexDdl(idx, 'mysql', table)).toEqual(drop.mysql);
  });

  it('shares the InnoDB key budget among many text columns', () => {
    const idx = parseIndex('CREATE INDEX i ON t (a, b, c, d, e, f)');
    // 3072 / (4 bytes x 6 columns) = 128 characters each.
    expect(indexDdl(idx, 'mysql', 't')).toEqual(['CREATE INDEX `i` ON `t` (`a`(128), `b`(128), `c`(128), `d`(128), `e`(128), `f`(128))']);
  });

  it('keeps MariaDB stand-in column names within 64 characters', () => {
    const name = `idx_${'n'.repeat(60)}`;
    const one = parseIndex(`CREATE UNIQUE INDEX ${name} ON t (a COLLATE NOCASE)`);
    const many = parseIndex(`CREATE UNIQUE INDEX ${name} ON t (a, b COLLATE NOCASE) WHERE a > 1`);
    const names = [mysqlGeneratedColumnName(one, 0), mysqlGeneratedColumnName(many, 0), mysqlGeneratedColumnName(many, 1)];
    for (const generated of names) {
      expect(generated.length).toBeLessThanOrEqual(64);
      expect(generated).toMatch(/^_ms_idx_idx_n+_[0-9a-f]{8}(_\d+)?$/);
    }
    expect(new Set(names).size).toBe(3);
    expect(mysqlGeneratedColumnName(one, 0)).toBe(mysqlGeneratedColumnName(parseIndex(`CREATE INDEX ${name} ON u (b COLLATE NOCASE)`), 0));
    expect(indexDdl(many, 'mysql', 't').join()).toContain(`ADD UNIQUE INDEX \`${name}\` (\`${names[1]}\`, \`${names[2]}\`)`);
  });

  it('quotes names with the doubling each engine expects', () => {
    // Parsed indexes only hold \w+ names; a hand-built one still cannot break out of its quotes.
    const idx = { name: 'i"`x', unique: false, table: 't', columns: [{ name: 'a"`b', nocase: false, direction: null }], where: null };
    expect(indexDdl(idx, 'sqlite', 'T"`')).toEqual(['CREATE INDEX "i""`x" ON "T""`" ("a""`b")']);
    expect(indexDdl(idx, 'mysql', 'T"`', { 'a"`b': 'number' })).toEqual(['CREATE INDEX `i"``x` ON `T"``` (`a"``b`)']);
  });

  it('refuses a non-finite number in a hand-built index', () => {
    const idx = parseIndex('CREATE INDEX i ON t (a) WHERE a > 1');
    const bad = { ...idx, where: { kind: 'cmp' as const, column: 'a', op: '>' as const, value: Number.POSITIVE_INFINITY } };
    expect(() => indexDdl(bad, 'sqlite', 't')).toThrow(RangeError);
  });
});

describe('indexDdl on SQLite: the index behaves as in PocketBase', () => {
  let db: Database.Database;
  const run = (statements: string[]): void => statements.forEach((s) => db.exec(s));
  const insert = (email: string, name = ''): void => {
    db.prepare('INSERT INTO "members" ("id", "email", "name") VALUES (?, ?, ?)').run(`id${Math.random()}`, email, name);
  };

  beforeEach(() => {
    db = new Database(':memory:');
    db.exec(`CREATE TABLE "members" ("id" TEXT PRIMARY KEY NOT NULL, "email" TEXT DEFAULT '' NOT NULL, "name" TEXT DEFAULT '' NOT NULL, "n" NUMERIC DEFAULT 0 NOT NULL)`);
  });
  afterEach(() => db.close());

  it('a unique non-empty email allows many empty ones and refuses duplicates', () => {
    const idx = parseIndex("CREATE UNIQUE INDEX `idx_users_email` ON `users` (`email`) WHERE `email` != ''");
    run(indexDdl(idx, 'sqlite', 'members'));
    insert('');
    insert('');
    insert('a@example.com');
    insert('A@example.com');
    expect(() => insert('a@example.com')).toThrow(/UNIQUE constraint failed: members\.email/);
    run(dropIndexDdl(idx, 'sqlite', 'members'));
    insert('a@example.com');
    run(dropIndexDdl(idx, 'sqlite', 'members'));
  });

  it('NOCASE uniqueness folds ASCII letters only', () => {
    const idx = parseIndex('CREATE UNIQUE INDEX idx_name ON members (name COLLATE NOCASE)');
    run(indexDdl(idx, 'sqlite', 'members'));
    insert('', 'Bob');
    expect(() => insert('', 'bOB')).toThrow(/UNIQUE constraint failed/);
    insert('', 'É');
    insert('', 'é');
  });

  it('a partial unique index over two columns with awkward literals', () => {
    const idx = parseIndex("CREATE UNIQUE INDEX idx_p ON members (email, n DESC) WHERE name != 'it''s \\ ok' AND n >= 0");
    run(indexDdl(idx, 'sqlite', 'members'));
    const add = (email: string, name: string, n: number): void => {
      db.prepare('INSERT INTO "members" ("id", "email", "name", "n") VALUES (?, ?, ?, ?)').run(`id${Math.random()}`, email, name, n);
    };
    add('a', "it's \\ ok", 1);
    add('a', "it's \\ ok", 1); // excluded by the WHERE
    add('a', 'x', -1);
    add('a', 'x', -1); // excluded by the WHERE
    add('a', 'x', 1);
    expect(() => add('a', 'y', 1)).toThrow(/UNIQUE constraint failed/);
  });

  it('stores the canonical statement', () => {
    const idx = parseIndex('create index IF NOT EXISTS idx_abc on posts (name collate nocase asc, n desc) where n > 1');
    run(indexDdl(idx, 'sqlite', 'members'));
    const row = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'idx_abc'").get() as { sql: string };
    expect(row.sql).toBe('CREATE INDEX "idx_abc" ON "members" ("name" COLLATE NOCASE ASC, "n" DESC) WHERE "n" > 1');
  });

  it('fails loudly when an index of that name already exists', () => {
    const idx = parseIndex('CREATE INDEX IF NOT EXISTS idx_n ON members (n)');
    run(indexDdl(idx, 'sqlite', 'members'));
    expect(() => run(indexDdl(idx, 'sqlite', 'members'))).toThrow(/already exists/);
  });
});
