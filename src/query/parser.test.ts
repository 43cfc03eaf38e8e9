import { describe, expect, it } from 'vitest';
import { AppError, DEFAULT_MESSAGES } from '../core/errors.js';
import type { Expr, Operand, PathModifier } from './ast.js';
import { MACRO_NAMES } from './ast.js';
import { DEFAULT_FILTER_LIMITS } from './limits.js';
import type { FilterLimits } from './limits.js';
import { parseFilter } from './parser.js';

// Builders that keep the expected trees readable.
const path = (...segments: string[]): Operand => ({ kind: 'path', segments, modifier: null });
const mod = (modifier: PathModifier, ...segments: string[]): Operand => ({ kind: 'path', segments, modifier });
const str = (value: string): Operand => ({ kind: 'string', value });
const num = (raw: string): Operand => ({ kind: 'number', value: Number(raw), raw });
const bool = (value: boolean): Operand => ({ kind: 'bool', value });
const nul: Operand = { kind: 'null' };
const macro = (name: (typeof MACRO_NAMES)[number]): Operand => ({ kind: 'macro', name });
const call = (name: 'geoDistance' | 'strftime', ...args: Operand[]): Operand => ({ kind: 'call', name, args });
const cmp = (left: Operand, op: string, right: Operand): Expr => {
  const anyOf = op.startsWith('?');
  return { kind: 'compare', op: (anyOf ? op.slice(1) : op) as never, anyOf, left, right };
};
const and = (left: Expr, right: Expr): Expr => ({ kind: 'and', left, right });
const or = (left: Expr, right: Expr): Expr => ({ kind: 'or', left, right });
const A = cmp(path('a'), '=', num('1'));
const B = cmp(path('b'), '=', num('2'));
const C = cmp(path('c'), '=', num('3'));
const D = cmp(path('d'), '=', num('4'));

/** Parses `input` expecting a 400 and returns the reason recorded in `cause`. */
function rejection(input: string, limits?: Partial<FilterLimits>): string {
  try {
    parseFilter(input, limits);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    const appErr = err as AppError;
    expect(appErr.code).toBe('bad_request');
    expect(appErr.message).toBe(DEFAULT_MESSAGES.bad_request); // PocketBase's generic 400, no input echoed
    expect(appErr.data).toEqual({});
    return (appErr.cause as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('parseFilter: valid filters', () => {
  const operators = ['=', '!=', '>', '>=', '<', '<=', '~', '!~', '?=', '?!=', '?>', '?>=', '?<', '?<=', '?~', '?!~'];
  it.each(operators)('operator %s', (op) => {
    expect(parseFilter(`title ${op} "x"`)).toEqual(cmp(path('title'), op, str('x')));
    expect(parseFilter(`title${op}"x"`)).toEqual(cmp(path('title'), op, str('x')));
  });

  it.each(MACRO_NAMES.map((name) => [name]))('macro %s', (name) => {
    expect(parseFilter(`created >= ${name}`)).toEqual(cmp(path('created'), '>=', macro(name)));
  });

  const cases: ReadonlyArray<{ name: string; input: string; expected: Expr | null }> = [
    // empty input means "no filter"
    { name: 'empty', input: '', expected: null },
    { name: 'whitespace only', input: ' \t\n ', expected: null },
    { name: 'comment only', input: '// nothing here', expected: null },
    { name: 'comments only', input: '// one\n  // two\n', expected: null },
    { name: 'only an empty group', input: '()', expected: null },
    { name: 'only nested empty groups', input: '( ( ) )', expected: null },
    { name: 'empty group with a comment', input: '( // nothing\n)', expected: null },

    // precedence and grouping
    { name: 'and chain is left-associative', input: 'a=1 && b=2 && c=3', expected: and(and(A, B), C) },
    { name: 'or chain is left-associative', input: 'a=1 || b=2 || c=3', expected: or(or(A, B), C) },
    { name: '&& binds tighter than || (right)', input: 'a=1 || b=2 && c=3', expected: or(A, and(B, C)) },
    { name: '&& binds tighter than || (left)', input: 'a=1 && b=2 || c=3', expected: or(and(A, B), C) },
    { name: 'mixed chain', input: 'a=1 && b=2 || c=3 && d=4', expected: or(and(A, B), and(C, D)) },
    { name: 'or, and, or', input: 'a=1 || b=2 && c=3 || d=4', expected: or(or(A, and(B, C)), D) },
    { name: 'group overrides precedence', input: '(a=1 || b=2) && c=3', expected: and(or(A, B), C) },
    { name: 'group on the right', input: 'a=1 && (b=2 || c=3)', expected: and(A, or(B, C)) },
    { name: 'right-nested and group', input: 'a=1 && (b=2 && c=3)', expected: and(A, and(B, C)) },
    { name: 'redundant parentheses', input: '((a=1))', expected: A },
    { name: 'no spaces', input: '(a=1||b=2)&&c=3', expected: and(or(A, B), C) },
    { name: 'newlines and tabs', input: 'a=1\n&&\tb=2', expected: and(A, B) },

    // empty groups are skipped as fexpr skips them: the next item takes the join after the `()`
    { name: 'trailing empty group', input: 'a=1 && ()', expected: A },
    { name: 'leading empty group', input: '() || a=1', expected: A },
    { name: 'empty group takes the following join (&&)', input: 'a=1 || () && b=2', expected: and(A, B) },
    { name: 'empty group takes the following join (||)', input: 'a=1 && () || b=2', expected: or(A, B) },

    // strings and escapes (only the enclosing quote escapes; other backslashes stay)
    { name: 'single quotes', input: "a = 'x y'", expected: cmp(path('a'), '=', str('x y')) },
    { name: 'double quotes', input: 'a = "x y"', expected: cmp(path('a'), '=', str('x y')) },
    { name: 'empty string', input: "a = ''", expected: cmp(path('a'), '=', str('')) },
    { name: 'escaped single quote', input: "a = 'it\\'s'", expected: cmp(path('a'), '=', str("it's")) },
    { name: 'escaped double quote', input: 'a = "say \\"hi\\""', expected: cmp(path('a'), '=', str('say "hi"')) },
    { name: 'other quote needs no escape', input: `a = 'say "hi"'`, expected: cmp(path('a'), '=', str('say "hi"')) },
    { name: 'other quote escape kept', input: `a = "it\\'s"`, expected: cmp(path('a'), '=', str("it\\'s")) },
    { name: 'plain backslash kept', input: "a = 'C:\\dir\\n'", expected: cmp(path('a'), '=', str('C:\\dir\\n')) },
    { name: 'double backslash before quote (fexpr)', input: "a = 'x\\\\'y'", expected: cmp(path('a'), '=', str("x\\'y")) },
    { name: 'quote at the end', input: "a = 'x\\''", expected: cmp(path('a'), '=', str("x'")) },
    { name: 'escaped quote first', input: "a = '\\'x'", expected: cmp(path('a'), '=', str("'x")) },
    { name: 'comment marker inside text', input: "a = 'x // y'", expected: cmp(path('a'), '=', str('x // y')) },
    { name: 'parenthesis inside text', input: "(a = ')(')", expected: cmp(path('a'), '=', str(')(')) },
    { name: 'unicode text', input: "a = 'héllo 🌍 日本'", expected: cmp(path('a'), '=', str('héllo 🌍 日本')) },
    { name: 'newline inside text', input: "a ~ 'x\ny'", expected: cmp(path('a'), '~', str('x\ny')) },
    { name: 'like with wildcard', input: 'a ~ "50%"', expected: cmp(path('a'), '~', str('50%')) },
    { name: 'text on both sides', input: "'a' = \"a\"", expected: cmp(str('a'), '=', str('a')) },

    // comments between any tokens
    { name: 'trailing comment', input: 'a=1 // why', expected: A },
    { name: 'comments everywhere', input: '// head\na // l\n= // op\n1 // r\n&& b=2', expected: and(A, B) },
    { name: 'comment with ) and a quote inside a group (fexpr would fail)', input: "(a=1 // it's )\n)", expected: A },

    // numbers
    { name: 'integer', input: 'a = 10', expected: cmp(path('a'), '=', num('10')) },
    { name: 'negative decimal', input: 'a = -1.5', expected: cmp(path('a'), '=', num('-1.5')) },
    { name: 'leading zeros', input: 'a = 007', expected: cmp(path('a'), '=', num('007')) },
    { name: 'negative fraction without integer part', input: 'a > -.5', expected: cmp(path('a'), '>', num('-.5')) },
    { name: 'negative zero', input: 'a = -0', expected: cmp(path('a'), '=', num('-0')) },
    { name: 'operator then minus', input: 'a!=-1', expected: cmp(path('a'), '!=', num('-1')) },
    { name: 'number on the left', input: '1 < a', expected: cmp(num('1'), '<', path('a')) },
    { name: 'big but finite', input: `a < ${'9'.repeat(300)}`, expected: cmp(path('a'), '<', num('9'.repeat(300))) },
    { name: 'long fraction', input: 'a = 0.1000000000000000055511151231257827', expected: cmp(path('a'), '=', num('0.1000000000000000055511151231257827')) },

    // keywords (case-insensitive, as PocketBase's EqualFold fallback)
    { name: 'true', input: 'a = true', expected: cmp(path('a'), '=', bool(true)) },
    { name: 'false', input: 'a != false', expected: cmp(path('a'), '!=', bool(false)) },
    { name: 'null', input: 'a = null', expected: cmp(path('a'), '=', nul) },
    { name: 'NULL', input: 'a = NULL', expected: cmp(path('a'), '=', nul) },
    { name: 'True', input: 'True = a', expected: cmp(bool(true), '=', path('a')) },
    { name: 'keyword-like field', input: 'nullable = 1', expected: cmp(path('nullable'), '=', num('1')) },
    { name: 'keyword as a segment', input: 'a.null = 1', expected: cmp(path('a', 'null'), '=', num('1')) },

    // paths and modifiers
    { name: 'relation path', input: "author.profile.city = 'x'", expected: cmp(path('author', 'profile', 'city'), '=', str('x')) },
    { name: 'underscore field', input: '_a_1 = 1', expected: cmp(path('_a_1'), '=', num('1')) },
    { name: 'back-relation', input: "comments_via_post.text ?~ 'x'", expected: cmp(path('comments_via_post', 'text'), '?~', str('x')) },
    { name: 'json path with index', input: 'meta.items.0.name = "x"', expected: cmp(path('meta', 'items', '0', 'name'), '=', str('x')) },
    { name: 'auth id', input: '@request.auth.id != ""', expected: cmp(path('@request', 'auth', 'id'), '!=', str('')) },
    { name: 'owner rule', input: 'owner = @request.auth.id', expected: cmp(path('owner'), '=', path('@request', 'auth', 'id')) },
    { name: 'context', input: '@request.context = "oauth2"', expected: cmp(path('@request', 'context'), '=', str('oauth2')) },
    { name: 'method', input: '@request.method = "GET"', expected: cmp(path('@request', 'method'), '=', str('GET')) },
    { name: 'query', input: '@request.query.page = 1', expected: cmp(path('@request', 'query', 'page'), '=', num('1')) },
    { name: 'headers', input: '@request.headers.x_token = "t"', expected: cmp(path('@request', 'headers', 'x_token'), '=', str('t')) },
    { name: 'body relation', input: '@request.body.author.role = "x"', expected: cmp(path('@request', 'body', 'author', 'role'), '=', str('x')) },
    { name: ':changed', input: '@request.body.role:changed = false', expected: cmp(mod('changed', '@request', 'body', 'role'), '=', bool(false)) },
    { name: ':isset', input: '@request.body.role:isset = true', expected: cmp(mod('isset', '@request', 'body', 'role'), '=', bool(true)) },
    { name: ':length', input: 'tags:length > 1', expected: cmp(mod('length', 'tags'), '>', num('1')) },
    { name: ':each', input: 'tags:each ~ "a"', expected: cmp(mod('each', 'tags'), '~', str('a')) },
    { name: ':lower', input: 'title:lower = "abc"', expected: cmp(mod('lower', 'title'), '=', str('abc')) },
    { name: 'modifier after a relation', input: 'author.tags:length = 2', expected: cmp(mod('length', 'author', 'tags'), '=', num('2')) },
    { name: '@collection', input: '@collection.members.user ?= @request.auth.id', expected: cmp(path('@collection', 'members', 'user'), '?=', path('@request', 'auth', 'id')) },
    { name: '@collection alias', input: '@collection.members:m.user = id', expected: cmp(path('@collection', 'members:m', 'user'), '=', path('id')) },
    { name: '@collection alias with modifier', input: '@collection.members:m.roles:length > 0', expected: cmp(mod('length', '@collection', 'members:m', 'roles'), '>', num('0')) },
    { name: 'macro on the left', input: '@now > created', expected: cmp(macro('@now'), '>', path('created')) },
    { name: 'NaN is a field name', input: 'a = NaN', expected: cmp(path('a'), '=', path('NaN')) },

    // functions
    {
      name: 'geoDistance',
      input: 'geoDistance(loc.lon, loc.lat, 23.3, 42.7) < 25',
      expected: cmp(call('geoDistance', path('loc', 'lon'), path('loc', 'lat'), num('23.3'), num('42.7')), '<', num('25')),
    },
    {
      name: 'geoDistance with null, macro and negative numbers',
      input: 'geoDistance(null,@second,-1,-2.5)>0',
      expected: cmp(call('geoDistance', nul, macro('@second'), num('-1'), num('-2.5')), '>', num('0')),
    },
    {
      name: 'strftime with a field',
      input: "strftime('%Y-%m', created) = \"2025-01\"",
      expected: cmp(call('strftime', str('%Y-%m'), path('created')), '=', str('2025-01')),
    },
    { name: 'strftime format only', input: "x = strftime('%Y')", expected: cmp(path('x'), '=', call('strftime', str('%Y'))) },
    {
      name: 'strftime with modifiers',
      input: "strftime('%Y', 'now', 'start of month', '+1 day') != ''",
      expected: cmp(call('strftime', str('%Y'), str('now'), str('start of month'), str('+1 day')), '!=', str('')),
    },
    {
      name: 'strftime with a number and a macro',
      input: "strftime('%s', 1700000000, 'unixepoch') > strftime('%s', @now)",
      expected: cmp(call('strftime', str('%s'), num('1700000000'), str('unixepoch')), '>', call('strftime', str('%s'), macro('@now'))),
    },
    { name: 'trailing comma', input: "strftime('%Y', created,) = '2025'", expected: cmp(call('strftime', str('%Y'), path('created')), '=', str('2025')) },
    {
      name: 'comments and newlines inside arguments',
      input: "strftime( // format\n'%Y' , // time\n created\n) = '2025'",
      expected: cmp(call('strftime', str('%Y'), path('created')), '=', str('2025')),
    },
    {
      name: 'ten strftime arguments',
      input: `strftime('%Y', created${", 'a'".repeat(8)}) = ''`,
      expected: cmp(call('strftime', str('%Y'), path('created'), ...Array.from({ length: 8 }, () => str('a'))), '=', str('')),
    },
  ];

  it.each(cases)('$name', ({ input, expected }) => {
    expect(parseFilter(input)).toEqual(expected);
  });
});

describe('parseFilter: invalid filters answer 400', () => {
  const cases: ReadonlyArray<{ name: string; input: string }> = [
    // structure
    { name: 'lone operand', input: 'a' },
    { name: 'missing right operand', input: 'a =' },
    { name: 'missing left operand', input: '= 1' },
    { name: 'dangling &&', input: 'a = 1 &&' },
    { name: 'leading ||', input: '|| a = 1' },
    { name: 'two comparisons without a join', input: 'a = 1 b = 2' },
    { name: 'chained comparison', input: 'a = b = c' },
    { name: 'SQL keyword join', input: 'a = 1 OR 1 = 1' },
    { name: 'semicolon', input: 'a = 1; DROP TABLE users' },
    { name: 'comparison with nothing after the join', input: 'a = 1 && && b = 2' },
    // operators
    { name: '==', input: 'a == 1' },
    { name: '=!', input: 'a =! 1' },
    { name: '<>', input: 'a <> 1' },
    { name: '=>', input: 'a => 1' },
    { name: 'lone !', input: 'a ! 1' },
    { name: 'lone ?', input: 'a ? 1' },
    { name: '??=', input: 'a ??= 1' },
    { name: 'single &', input: 'a = 1 & b = 2' },
    { name: 'triple |', input: 'a = 1 ||| b = 2' },
    { name: '&|', input: 'a = 1 &| b = 2' },
    // parentheses
    { name: 'unclosed group', input: '(a = 1' },
    { name: 'unopened group', input: 'a = 1)' },
    { name: 'lone (', input: '(' },
    { name: 'lone )', input: ')' },
    { name: 'extra )', input: '(a = 1))' },
    { name: 'parenthesised operand', input: 'a = (1)' },
    { name: 'parenthesised left operand', input: '(a) = 1' },
    { name: 'adjacent groups (fexpr quirk not copied)', input: '(a = 1)(b = 2)' },
    { name: 'operand before a group (fexpr quirk not copied)', input: 'a (b = 1)' },
    { name: 'join at group start', input: 'a = 1 && (&& b = 2)' },
    { name: 'join at group end', input: '(a = 1 &&)' },
    { name: 'empty group as operand', input: 'a = ()' },
    // strings
    { name: 'unterminated single', input: "a = 'x" },
    { name: 'unterminated double', input: 'a = "x' },
    { name: 'mismatched quotes', input: `a = "x'` },
    { name: 'escaped closing quote', input: "a = 'x\\'" },
    { name: 'text cannot end with a backslash', input: "a = 'x\\\\'" },
    { name: 'NUL in text', input: "a = 'x\0y'" },
    // numbers
    { name: 'lone minus', input: 'a = -' },
    { name: 'trailing dot', input: 'a = 1.' },
    { name: 'leading dot', input: 'a = .5' },
    { name: 'two dots', input: 'a = 1.2.3' },
    { name: 'exponent', input: 'a = 1e5' },
    { name: 'overflowing exponent', input: 'a = 1e999' },
    { name: 'double minus', input: 'a = --1' },
    { name: 'subtraction', input: 'a = 1-2' },
    { name: 'hex', input: 'a = 0x10' },
    { name: 'number glued to a word', input: 'a = 10abc' },
    { name: 'plus sign', input: 'a = +1' },
    { name: 'overflowing literal', input: `a = ${'9'.repeat(400)}` },
    { name: 'overflowing negative literal', input: `a = -${'9'.repeat(400)}.5` },
    // identifiers and paths
    { name: '# identifier', input: '#a = 1' },
    { name: '@ inside', input: 'a@b = 1' },
    { name: 'lone _', input: '_ = 1' },
    { name: 'lone @', input: '@ = 1' },
    { name: 'trailing dot in path', input: 'a. = 1' },
    { name: 'trailing colon', input: 'a: = 1' },
    { name: 'empty segment', input: 'a..b = 1' },
    { name: 'leading dot in path', input: '.a = 1' },
    { name: 'unknown modifier', input: 'a:upper = 1' },
    { name: 'modifier mid-path', input: 'a:lower.b = 1' },
    { name: 'two modifiers', input: 'a:lower:each = 1' },
    { name: 'alias outside @collection', input: 'a:m.b = 1' },
    { name: 'non-ASCII identifier', input: 'ünï = 1' },
    { name: 'dash in identifier', input: 'a-b = 1' },
    { name: '@random is sort-only', input: '@random = 1' },
    { name: '@rowid is sort-only', input: '@rowid > 1' },
    { name: 'unknown @ root', input: '@foo = 1' },
    { name: 'macro with a segment', input: '@now.x = 1' },
    { name: 'macro with a modifier', input: '@now:lower = 1' },
    { name: 'macro in the wrong case', input: '@NOW = 1' },
    { name: 'bare @request', input: '@request = 1' },
    { name: 'unknown @request key', input: '@request.foo = 1' },
    { name: 'bare @request.auth', input: '@request.auth = 1' },
    { name: '@request.context with a segment', input: '@request.context.x = 1' },
    { name: '@request.context with a modifier', input: '@request.context:isset = 1' },
    { name: 'bare @collection', input: '@collection = 1' },
    { name: '@collection without a field', input: '@collection.users = 1' },
    { name: '@collection with an empty alias', input: '@collection.users:.id = 1' },
    { name: '@collection with an empty name', input: '@collection.:m.id = 1' },
    { name: '@ in a later segment', input: 'a.@b = 1' },
    // comments and whitespace
    { name: 'single slash', input: 'a = 1 / 2' },
    { name: 'block comment', input: '/* c */ a = 1' },
    { name: 'carriage return (as fexpr)', input: 'a = 1\r\n&& b = 2' },
    { name: 'no-break space', input: 'a\u00a0= 1' },
    // functions
    { name: 'unknown function', input: 'lower(a) = "x"' },
    { name: 'function in the wrong case', input: "Strftime('%Y') = '2025'" },
    { name: 'function with a path name', input: "a.strftime('%Y') = '2025'" },
    { name: 'space before (', input: "strftime ('%Y') = '2025'" },
    { name: 'call without comparison', input: 'geoDistance(1, 2, 3, 4)' },
    { name: 'strftime without arguments', input: "strftime() = ''" },
    { name: 'strftime format not text', input: "strftime(created) = ''" },
    { name: 'strftime modifier not text', input: "strftime('%Y', created, 1) = ''" },
    { name: 'strftime time as call', input: "strftime('%Y', strftime('%Y')) = ''" },
    { name: 'eleven strftime arguments', input: `strftime('%Y', created${", 'a'".repeat(9)}) = ''` },
    { name: 'geoDistance with 3 arguments', input: 'geoDistance(1, 2, 3) < 1' },
    { name: 'geoDistance with 5 arguments', input: 'geoDistance(1, 2, 3, 4, 5) < 1' },
    { name: 'geoDistance with text', input: "geoDistance('1', 2, 3, 4) < 1" },
    { name: 'leading comma', input: "strftime(, '%Y') = ''" },
    { name: 'double comma', input: "strftime('%Y',, created) = ''" },
    { name: 'only a comma', input: "strftime(,) = ''" },
    { name: 'missing comma', input: "strftime('%Y' created) = ''" },
    { name: 'unclosed call', input: "strftime('%Y' = ''" },
    { name: 'group as argument', input: "strftime(('%Y')) = ''" },
    { name: 'comma outside a call', input: 'a = 1, b = 2' },
  ];

  it.each(cases)('$name', ({ input }) => {
    rejection(input);
  });
});

describe('parseFilter: limits', () => {
  const chain = (n: number, join = ' && '): string => Array.from({ length: n }, (_, i) => `f${i} = ${i}`).join(join);
  const nest = (depth: number): string => '('.repeat(depth) + 'a = 1' + ')'.repeat(depth);

  it('accepts exactly 3500 bytes and refuses 3501', () => {
    const base = "a = ''";
    const fill = (n: number) => `a = '${'x'.repeat(n - base.length)}'`;
    expect(parseFilter(fill(3500))).not.toBeNull();
    expect(rejection(fill(3501))).toMatch(/too long/);
  });

  it('counts the length in UTF-8 bytes, as PocketBase', () => {
    const twoByte = `a = '${'é'.repeat(1748)}'`; // 6 + 1748 * 2 = 3502 bytes, 1754 UTF-16 units
    expect(rejection(twoByte)).toMatch(/too long/);
    expect(parseFilter(`a = '${'é'.repeat(1747)}'`)).not.toBeNull(); // 3500 bytes
    expect(parseFilter(twoByte, { maxLength: Infinity })).not.toBeNull();
  });

  it('refuses a long input before reading it', () => {
    expect(rejection('('.repeat(1_000_000))).toMatch(/too long/);
  });

  it('allows 200 comparisons and refuses 201', () => {
    expect(parseFilter(chain(200))).not.toBeNull();
    expect(rejection(chain(201))).toMatch(/too many expressions/);
    expect(rejection(chain(201, ' || '), { maxLength: Infinity })).toMatch(/too many expressions/);
    expect(rejection(chain(3), { maxExpressions: 2 })).toMatch(/too many expressions/);
  });

  it('counts comparisons inside groups and calls once each', () => {
    const grouped = Array.from({ length: 100 }, (_, i) => `(f${i} = 1 || strftime('%Y', g) = '2')`).join(' && ');
    expect(parseFilter(grouped, { maxLength: Infinity })).not.toBeNull();
    expect(rejection(`${grouped} && z = 1`, { maxLength: Infinity })).toMatch(/too many expressions/);
  });

  it('parses 10 000 comparisons when the limits allow, without deep recursion', () => {
    const expr = parseFilter(chain(10_000, ' || '), { maxLength: Infinity, maxExpressions: Infinity });
    expect(expr?.kind).toBe('or');
  });

  it(`allows ${DEFAULT_FILTER_LIMITS.maxDepth} nested groups and refuses one more`, () => {
    expect(parseFilter(nest(32))).toEqual(cmp(path('a'), '=', num('1')));
    expect(rejection(nest(33))).toMatch(/too deeply nested/);
    expect(rejection(nest(3), { maxDepth: 2 })).toMatch(/too deeply nested/);
  });

  it('counts a function call as a nesting level', () => {
    expect(parseFilter("(strftime('%Y') = '')", { maxDepth: 2 })).not.toBeNull();
    expect(rejection("((strftime('%Y') = ''))", { maxDepth: 2 })).toMatch(/too deeply nested/);
  });

  it('refuses very deep nesting with a 400, not a stack overflow', () => {
    const unlimited = { maxLength: Infinity, maxDepth: Infinity };
    expect(rejection(nest(100_000), unlimited)).toMatch(/too deeply nested/);
    expect(rejection('('.repeat(1_000_000), unlimited)).toMatch(/too deeply nested/);
    expect(parseFilter(nest(500), unlimited)).not.toBeNull();
  });

  it(`allows ${DEFAULT_FILTER_LIMITS.maxPathSegments} path segments and refuses one more`, () => {
    const segments = (n: number) => Array.from({ length: n }, (_, i) => `s${i}`).join('.');
    expect(parseFilter(`${segments(32)} = 1`)).not.toBeNull();
    expect(rejection(`${segments(33)} = 1`)).toMatch(/too many path segments/);
    expect(parseFilter(`${segments(7)} = 1`, { maxPathSegments: 7 })).not.toBeNull();
    expect(rejection(`${segments(8)} = 1`, { maxPathSegments: 7 })).toMatch(/too many path segments/);
  });

  it('keeps defaults for limits not given', () => {
    expect(rejection(nest(33), { maxExpressions: 5 })).toMatch(/too deeply nested/);
  });
});
