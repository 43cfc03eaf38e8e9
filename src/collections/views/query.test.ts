import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mentionedNames, parseViewQuery, ViewQueryError } from './query.js';

const plain = { hasBackslashEscapes: false };
const parse = (text: string) => parseViewQuery(text, plain);

describe('parseViewQuery', () => {
  it.each([
    {
      input: 'SELECT p.id, p.title AS t, COUNT(c.id) total FROM posts p LEFT JOIN comments AS c ON c.post = p.id GROUP BY p.id;',
      columns: [['p.id', 'id'], ['p.title', 't'], ['COUNT(c.id)', 'total']],
      tables: [['posts', 'p'], ['comments', 'c']],
    },
    {
      input: 'select distinct "x"."id", CASE WHEN a THEN 1 END AS flag, CAST(n AS INTEGER) n2, a + b from "x", y',
      columns: [['"x"."id"', 'id'], ['CASE WHEN a THEN 1 END', 'flag'], ['CAST(n AS INTEGER)', 'n2'], ['a + b', null]],
      tables: [['x', 'x'], ['y', 'y']],
    },
    {
      input: 'WITH t AS (SELECT id FROM posts) SELECT t.id, (SELECT 1) AS one FROM t -- trailing, comment',
      columns: [['t.id', 'id'], ['(SELECT 1)', 'one']],
      tables: [['t', 't']],
    },
    { input: "SELECT 'a;b' AS id", columns: [["'a;b'", 'id']], tables: [] },
  ])('reads $input', ({ input, columns, tables }) => {
    const parsed = parse(input);
    expect(parsed.columns.map((c) => [c.expression, c.name])).toEqual(columns);
    expect(parsed.tables.map((t) => [t.name, t.alias])).toEqual(tables);
    expect(parsed.query.endsWith(';')).toBe(false);
  });

  it.each([
    { input: 'DELETE FROM posts', reason: 'the query must be a single SELECT statement' },
    { input: 'SELECT 1; SELECT 2', reason: 'multiple statements are not supported' },
    { input: 'SELECT id FROM x) AS y; DROP TABLE x; --', reason: 'multiple statements are not supported' },
    { input: 'SELECT id FROM (x', reason: 'unbalanced parentheses' },
    { input: 'SELECT * FROM posts', reason: /^wildcard columns/ },
    { input: 'SELECT p.* FROM posts p', reason: /^wildcard columns/ },
  ])('refuses $input', ({ input, reason }) => {
    expect(() => parse(input)).toThrow(ViewQueryError);
    expect(() => parse(input)).toThrow(reason);
  });

  it('reads backslash escapes only where the engine has them', () => {
    const text = "SELECT 'it\\'s; fine' AS id";
    expect(parseViewQuery(text, { hasBackslashEscapes: true }).columns[0]!.name).toBe('id');
    expect(() => parse(text)).toThrow(ViewQueryError);
  });

  it('never fails with anything but a ViewQueryError', () => {
    const pieces = fc.constantFrom('SELECT', 'WITH', 'FROM', 'AS', ' ', ',', '(', ')', ';', "'", '"', '`', '*', '.', '--', '/*', '*/', '\n', 'id', 'x', '$$', '\\');
    fc.assert(fc.property(fc.array(fc.oneof(pieces, fc.string()), { maxLength: 30 }), (parts) => {
      try {
        parse(parts.join(''));
        return true;
      } catch (err) {
        return err instanceof ViewQueryError;
      }
    }));
  });
});

describe('mentionedNames', () => {
  it('lists every name part, lower-cased', () => {
    expect([...mentionedNames('SELECT n.id FROM "Notes" n WHERE x IN (SELECT id FROM other)', plain)].sort())
      .toEqual(['from', 'id', 'in', 'n', 'notes', 'other', 'select', 'where', 'x']);
  });
});
