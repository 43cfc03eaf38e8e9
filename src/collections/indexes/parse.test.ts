import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIndex } from './format.js';
import { parseIndex } from './parse.js';
import { IndexSyntaxError, type IndexColumn, type ParsedIndex } from './types.js';

const col = (name: string, nocase = false, direction: IndexColumn['direction'] = null): IndexColumn => ({ name, nocase, direction });

describe('parseIndex: valid indexes', () => {
  it.each<{ sql: string; parsed: ParsedIndex; formatted: string }>([
    {
      sql: "CREATE UNIQUE INDEX `idx_users_email` ON `users` (`email`) WHERE `email` != ''",
      parsed: { name: 'idx_users_email', unique: true, table: 'users', columns: [col('email')], where: { kind: 'cmp', column: 'email', op: '!=', value: '' } },
      formatted: "CREATE UNIQUE INDEX `idx_users_email` ON `users` (`email`) WHERE `email` != ''",
    },
    {
      sql: 'CREATE INDEX idx_abc ON posts (title COLLATE NOCASE ASC, created DESC)',
      parsed: { name: 'idx_abc', unique: false, table: 'posts', columns: [col('title', true, 'ASC'), col('created', false, 'DESC')], where: null },
      formatted: 'CREATE INDEX `idx_abc` ON `posts` (\n  `title` COLLATE NOCASE ASC,\n  `created` DESC\n)',
    },
    {
      sql: 'CREATE UNIQUE INDEX "idx_x" ON "t" ("a", "b")',
      parsed: { name: 'idx_x', unique: true, table: 't', columns: [col('a'), col('b')], where: null },
      formatted: 'CREATE UNIQUE INDEX `idx_x` ON `t` (\n  `a`,\n  `b`\n)',
    },
    {
      sql: 'create unique index if not exists [idx_y] on [t] ([a] collate nocase desc);',
      parsed: { name: 'idx_y', unique: true, ifNotExists: true, table: 't', columns: [col('a', true, 'DESC')], where: null },
      formatted: 'CREATE UNIQUE INDEX IF NOT EXISTS `idx_y` ON `t` (`a` COLLATE NOCASE DESC)',
    },
    {
      // PocketBase's own auth-collection index, whitespace and all.
      sql: '  CREATE UNIQUE INDEX `idx_tokenKey_pbc_1` ON `users` (`tokenKey`)\n ;  ',
      parsed: { name: 'idx_tokenKey_pbc_1', unique: true, table: 'users', columns: [col('tokenKey')], where: null },
      formatted: 'CREATE UNIQUE INDEX `idx_tokenKey_pbc_1` ON `users` (`tokenKey`)',
    },
    {
      sql: "CREATE INDEX i ON t (a) WHERE a = 'it''s' AND (b > -1.5 OR c IS NOT NULL) AND NOT d IS NULL",
      parsed: {
        name: 'i', unique: false, table: 't', columns: [col('a')],
        where: {
          kind: 'and',
          left: {
            kind: 'and',
            left: { kind: 'cmp', column: 'a', op: '=', value: "it's" },
            right: { kind: 'or', left: { kind: 'cmp', column: 'b', op: '>', value: -1.5 }, right: { kind: 'isNull', column: 'c', negated: true } },
          },
          right: { kind: 'not', expr: { kind: 'isNull', column: 'd', negated: false } },
        },
      },
      formatted: "CREATE INDEX `i` ON `t` (`a`) WHERE `a` = 'it''s' AND (`b` > -1.5 OR `c` IS NOT NULL) AND NOT `d` IS NULL",
    },
    {
      sql: 'CREATE INDEX i ON t (a) WHERE (a <> b) OR verified = TRUE OR n >= 10 OR x = null OR y == false',
      parsed: {
        name: 'i', unique: false, table: 't', columns: [col('a')],
        where: {
          kind: 'or',
          left: {
            kind: 'or',
            left: {
              kind: 'or',
              left: { kind: 'or', left: { kind: 'cmp', column: 'a', op: '<>', value: { column: 'b' } }, right: { kind: 'cmp', column: 'verified', op: '=', value: true } },
              right: { kind: 'cmp', column: 'n', op: '>=', value: 10 },
            },
            right: { kind: 'cmp', column: 'x', op: '=', value: null },
          },
          right: { kind: 'cmp', column: 'y', op: '=', value: false },
        },
      },
      formatted: 'CREATE INDEX `i` ON `t` (`a`) WHERE `a` <> `b` OR `verified` = TRUE OR `n` >= 10 OR `x` = NULL OR `y` = FALSE',
    },
    {
      // A literal on the left is turned around; a right-nested AND keeps its parentheses.
      sql: "CREATE INDEX i ON t (a) WHERE 5 < n AND (a = 'x' AND NOT (b = 1 OR c = 2))",
      parsed: {
        name: 'i', unique: false, table: 't', columns: [col('a')],
        where: {
          kind: 'and',
          left: { kind: 'cmp', column: 'n', op: '>', value: 5 },
          right: {
            kind: 'and',
            left: { kind: 'cmp', column: 'a', op: '=', value: 'x' },
            right: { kind: 'not', expr: { kind: 'or', left: { kind: 'cmp', column: 'b', op: '=', value: 1 }, right: { kind: 'cmp', column: 'c', op: '=', value: 2 } } },
          },
        },
      },
      formatted: "CREATE INDEX `i` ON `t` (`a`) WHERE `n` > 5 AND (`a` = 'x' AND NOT (`b` = 1 OR `c` = 2))",
    },
    {
      sql: 'CREATE INDEX `i` ON `t` (`a`) WHERE `a` = \'\\\' OR a = "b"',
      parsed: {
        name: 'i', unique: false, table: 't', columns: [col('a')],
        where: { kind: 'or', left: { kind: 'cmp', column: 'a', op: '=', value: '\\' }, right: { kind: 'cmp', column: 'a', op: '=', value: { column: 'b' } } },
      },
      formatted: "CREATE INDEX `i` ON `t` (`a`) WHERE `a` = '\\' OR `a` = `b`",
    },
    {
      sql: `CREATE INDEX ${'x'.repeat(64)} ON t (a)`,
      parsed: { name: 'x'.repeat(64), unique: false, table: 't', columns: [col('a')], where: null },
      formatted: `CREATE INDEX \`${'x'.repeat(64)}\` ON \`t\` (\`a\`)`,
    },
  ])('$sql', ({ sql, parsed, formatted }) => {
    const result = parseIndex(sql);
    expect(result).toEqual(parsed);
    expect(formatIndex(result)).toBe(formatted);
    expect(parseIndex(formatted)).toEqual(parsed);
  });
});

describe('parseIndex: refused input', () => {
  it.each<{ sql: string; message?: RegExp }>([
    { sql: 'CREATE INDEX x ON t (a); DROP TABLE t', message: /one statement/ },
    { sql: 'CREATE INDEX x ON t (a) -- comment', message: /Comments/ },
    { sql: 'CREATE INDEX x ON t (a) /* c */', message: /Comments/ },
    { sql: 'CREATE INDEX x ON t (a) WHERE length(a) > 1', message: /Function calls/ },
    { sql: 'CREATE INDEX x ON t (a) WHERE "length"(a) > 1', message: /Function calls/ },
    { sql: 'CREATE INDEX x ON t (lower(a))', message: /Expressions/ },
    { sql: 'CREATE INDEX x ON t (a) WHERE a LIKE \'x%\'', message: /Unsupported "LIKE"/ },
    { sql: 'CREATE INDEX x ON t (a) WHERE a IN (1, 2)', message: /Unsupported "IN"/ },
    { sql: 'CREATE INDEX x ON t (a) WHERE a BETWEEN 1 AND 2' },
    { sql: 'CREATE INDEX x ON t (a) WHERE a = (SELECT 1)' },
    { sql: 'CREATE INDEX x ON t (a) WHERE a IS b' },
    { sql: 'CREATE INDEX x ON t (a) WHERE a = 1 = 2' },
    { sql: 'CREATE INDEX x ON t (a) WHERE 1 = 2', message: /column on one side/ },
    { sql: 'CREATE INDEX x ON t (a) WHERE NULL IS NULL', message: /column on its left/ },
    { sql: 'CREATE INDEX x ON t (a) WHERE a ISNULL' },
    { sql: 'CREATE INDEX x ON t (a) WHERE a = 1 ||| 2' },
    { sql: 'CREATE INDEX x ON t (a) WHERE a = x\'00\'' },
    { sql: 'CREATE INDEX x ON t (a) WHERE a = 0x10' },
    { sql: 'CREATE INDEX x ON t (a) WHERE a = 99999999999999999999', message: /out of range/ },
    { sql: 'CREATE INDEX x ON t (a) WHERE a = 1e999', message: /out of range/ },
    { sql: 'CREATE INDEX x ON t (a) WHERE a = \'unterminated', message: /Unterminated string/ },
    { sql: 'CREATE INDEX x ON t (a) WHERE', message: /end of the index/ },
    { sql: 'CREATE INDEX x ON t (a) WHERE (a = 1', message: /close the parenthesis/ },
    { sql: 'CREATE INDEX x ON t (a) WHERE a = 1)' },
    { sql: `CREATE INDEX x ON t (a) WHERE ${'('.repeat(40)}a = 1${')'.repeat(40)}`, message: /nested too deeply/ },
    { sql: `CREATE INDEX x ON t (a) WHERE ${'NOT '.repeat(40)}a = 1`, message: /nested too deeply/ },
    { sql: 'CREATE INDEX x ON t (a', message: /after the column list/ },
    { sql: 'CREATE INDEX x ON t a)', message: /after the table name/ },
    { sql: 'CREATE INDEX x ON t ()', message: /no columns/ },
    { sql: 'CREATE INDEX x ON t (a,)' },
    { sql: 'CREATE INDEX x ON t (a, A)', message: /twice/ },
    { sql: 'CREATE INDEX x ON `users; DROP` (a)', message: /Invalid identifier/ },
    { sql: 'CREATE INDEX x ON users; DROP (a)' },
    { sql: 'CREATE INDEX x ON "us""ers" (a)', message: /Invalid identifier/ },
    { sql: 'CREATE INDEX x ON [us]ers] (a)' },
    { sql: 'CREATE INDEX x ON `` (a)', message: /Invalid identifier/ },
    { sql: 'CREATE INDEX x ON `t (a)', message: /Unterminated quoted/ },
    { sql: 'CREATE INDEX x ON main.t (a)' },
    { sql: 'CREATE INDEX main.x ON t (a)' },
    { sql: 'CREATE INDEX x ON t (1a)', message: /start with a digit/ },
    { sql: 'CREATE INDEX x ON t (a COLLATE BINARY)', message: /Only COLLATE NOCASE/ },
    { sql: 'CREATE INDEX x ON t (a ASC DESC)' },
    { sql: 'CREATE INDEX x ON t (a) USING btree' },
    { sql: 'CREATE TABLE x (a)', message: /Expected INDEX/ },
    { sql: 'DROP INDEX x', message: /Expected CREATE/ },
    { sql: 'CREATE INDEX ON t (a)' },
    { sql: 'CREATE UNIQUE x ON t (a)', message: /Expected INDEX after UNIQUE/ },
    { sql: 'CREATE INDEX IF EXISTS x ON t (a)', message: /Expected NOT after IF/ },
    { sql: `CREATE INDEX ${'x'.repeat(65)} ON t (a)`, message: /at most 64 characters/ },
    { sql: `CREATE INDEX x ON t (${Array.from({ length: 17 }, (_, i) => `c${i}`).join(', ')})`, message: /at most 16 columns/ },
    { sql: 'CREATE INDEX x ON t (é)', message: /Unexpected character/ },
    { sql: 'CREATE INDEX x\u00a0ON t (a)', message: /Unexpected character/ },
    { sql: '' },
    { sql: ';' },
  ])('$sql', ({ sql, message }) => {
    let thrown: unknown;
    try {
      parseIndex(sql);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(IndexSyntaxError);
    if (message) expect((thrown as Error).message).toMatch(message);
  });
});

describe('parseIndex: properties', () => {
  const isParsedOrSyntaxError = (input: string): boolean => {
    try {
      parseIndex(input);
      return true;
    } catch (err) {
      return err instanceof IndexSyntaxError;
    }
  };

  it('parses or throws IndexSyntaxError for any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), isParsedOrSyntaxError), { numRuns: 2000 });
  });

  // Token soup reaches far deeper into the grammar than random characters do.
  const token = fc.constantFrom(
    'CREATE', 'UNIQUE', 'INDEX', 'IF', 'NOT', 'EXISTS', 'ON', 'WHERE', 'AND', 'OR', 'IS', 'NULL', 'TRUE', 'COLLATE', 'NOCASE',
    'ASC', 'DESC', 'a', '`b`', '"c"', '[d]', "'s'", "''", '1', '-', '2.5e3', '(', ')', ',', ';', '=', '!=', '<>', '<', '>=',
    'length', '--', '/*', '.', '`x y`', "'", '"', '`', 'LIKE', '1e999', '99999999999999999999', '\\',
  );
  const prefix = fc.constantFrom('', 'CREATE INDEX i ON t (', 'CREATE UNIQUE INDEX i ON t (a) WHERE ');

  it('parses or throws IndexSyntaxError for any token sequence', () => {
    fc.assert(
      fc.property(prefix, fc.array(token, { maxLength: 30 }), fc.constantFrom('', ' ', '\n'), (start, tokens, sep) =>
        isParsedOrSyntaxError(start + tokens.join(sep)),
      ),
      { numRuns: 3000 },
    );
  });
});
