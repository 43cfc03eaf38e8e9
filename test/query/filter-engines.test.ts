// The cross-engine filter table (API.md §5): one set of filters, one set of seeded rows, and every
// engine must return exactly the ids SQLite (PocketBase's own engine) returns. Also sort and paging.
import fc from 'fast-check';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, type ErrorCode } from '../../src/core/errors.js';
import { openDatabase, type ColumnSpec, type Database } from '../../src/db/index.js';
import {
  compileFilterText,
  parseListParams,
  runList,
  type FilterScope,
  type QueryColumn,
  type RequestInfo,
} from '../../src/query/index.js';
import { availableEngines, type TestDatabase, type TestEngine } from '../helpers/engines.js';

const TABLE = 'items';

interface Row {
  readonly id: string;
  readonly title: string;
  readonly n: number;
  readonly flag: boolean;
  /** JSON text or NULL: the only nullable kind (text columns are NOT NULL DEFAULT '', as in PocketBase). */
  readonly meta: string | null;
  /** A date field: PocketBase stores dates as TEXT in `YYYY-MM-DD HH:MM:SS.sssZ`, or '' when unset. */
  readonly created: string;
}

// Dates are far from today, so macro expectations hold whenever the suite runs.
const ROWS: readonly Row[] = [
  { id: 'a01', title: 'alpha', n: 5, flag: true, meta: '{"a":1}', created: '2001-01-01 00:00:00.000Z' },
  { id: 'a02', title: 'Alpha', n: -3, flag: false, meta: null, created: '2099-12-31 23:59:59.999Z' },
  { id: 'a03', title: 'ALPHA beta', n: 0, flag: false, meta: '"x"', created: '2001-06-15 12:30:00.000Z' },
  { id: 'a04', title: '', n: 1.5, flag: true, meta: null, created: '' },
  { id: 'a05', title: 'Beta', n: 10, flag: true, meta: '[1,2]', created: '2050-01-01 00:00:00.000Z' },
  { id: 'a06', title: '50% off', n: 100, flag: false, meta: '"50%"', created: '2001-01-01 00:00:00.001Z' },
  { id: 'a07', title: '50 off', n: 50, flag: false, meta: null, created: '2001-01-01 00:00:00.000Z' },
  { id: 'a08', title: 'snake_case', n: -0.25, flag: false, meta: '{}', created: '1999-12-31 23:59:59.999Z' },
  { id: 'a09', title: 'snakeXcase', n: 2, flag: true, meta: null, created: '2100-01-01 00:00:00.000Z' },
  { id: 'a10', title: 'back\\slash', n: 7, flag: false, meta: '"a\\\\b"', created: '2001-01-01 00:00:00.000Z' },
  { id: 'a11', title: 'it\'s "quoted"', n: 1, flag: true, meta: null, created: '2001-01-01 00:00:00.000Z' },
  { id: 'a12', title: 'Éclair', n: 15, flag: false, meta: '"É"', created: '' },
  { id: 'a13', title: 'éclair', n: 25.5, flag: true, meta: null, created: '' },
  { id: 'a14', title: '10', n: 1000, flag: false, meta: '10', created: '' },
  { id: 'a15', title: '9', n: -100, flag: true, meta: null, created: '' },
  { id: 'a16', title: 'B', n: 3, flag: false, meta: null, created: '' },
  { id: 'a17', title: 'a', n: 4, flag: true, meta: null, created: '' },
  { id: 'a18', title: "'; DROP TABLE items; --", n: 6, flag: false, meta: null, created: '' },
  { id: 'a19', title: '😀 emoji', n: 8, flag: true, meta: null, created: '' },
  { id: 'a20', title: '5', n: 5, flag: false, meta: null, created: '' },
  // NOTE: a trailing space: MariaDB's PAD SPACE collations would make it equal to 'Beta'.
  { id: 'a21', title: 'Beta ', n: 11, flag: false, meta: null, created: '' },
];

const ALL = ROWS.map((r) => r.id);
const except = (...ids: string[]): string[] => ALL.filter((id) => !ids.includes(id));
const TRUE_FLAGS = ['a01', 'a04', 'a05', 'a09', 'a11', 'a13', 'a15', 'a17', 'a19'];
const NULL_META = ['a02', 'a04', 'a07', 'a09', 'a11', 'a13', 'a15', 'a16', 'a17', 'a18', 'a19', 'a20', 'a21'];
const EMPTY_CREATED = ['a04', 'a12', 'a13', 'a14', 'a15', 'a16', 'a17', 'a18', 'a19', 'a20', 'a21'];

const COLUMNS: readonly (ColumnSpec & { readonly hidden?: boolean })[] = [
  { name: 'id', kind: 'id' },
  { name: 'title', kind: 'text' },
  { name: 'n', kind: 'number' },
  { name: 'flag', kind: 'bool' },
  { name: 'meta', kind: 'json' },
  { name: 'created', kind: 'text' },
  { name: 'tags', kind: 'jsonArray' },
  { name: 'secret', kind: 'text', hidden: true },
];

const REQUEST: RequestInfo = {
  auth: { id: 'a01', role: 'admin' },
  method: 'GET',
  context: 'default',
  query: { q: 'alpha', n: '5' },
  headers: { x_token: 'abc' },
  body: { title: 'B', count: 5, flag: true, list: ['a'] },
};
const GUEST: RequestInfo = { ...REQUEST, auth: null };

type FilterCase = {
  readonly filter: string;
  readonly ids?: readonly string[];
  readonly error?: ErrorCode;
  /** Compile as a rule or a superuser's filter (`@request.*`, hidden fields). */
  readonly trusted?: boolean;
  readonly guest?: boolean;
};

const CASES: readonly FilterCase[] = [
  // A whole JSON value compares as its JSON text on every engine (SQLite's JSON columns are TEXT).
  { filter: "meta > '9'", ids: ['a01', 'a05', 'a08'] },
  { filter: "meta = '10.0'", ids: [] },
  // Text equality is bytewise: case, accents and trailing spaces all count.
  { filter: "title = 'alpha'", ids: ['a01'] },
  { filter: 'title = "Alpha"', ids: ['a02'] },
  { filter: "title = 'Beta'", ids: ['a05'] },
  { filter: "title = 'Beta '", ids: ['a21'] },
  { filter: "title != 'alpha'", ids: except('a01') },
  { filter: "title = 'Éclair'", ids: ['a12'] },
  { filter: "title = '😀 emoji'", ids: ['a19'] },
  { filter: 'title = "it\'s \\"quoted\\""', ids: ['a11'] },
  { filter: "title = 'it\\'s \"quoted\"'", ids: ['a11'] },
  { filter: "title = 'back\\slash'", ids: ['a10'] },
  { filter: "title ?= 'alpha'", ids: ['a01'] },
  // Empty: '' and null are the same; a number or bool is never empty.
  { filter: "title = ''", ids: ['a04'] },
  { filter: 'title = null', ids: ['a04'] },
  { filter: "'' = title", ids: ['a04'] },
  { filter: 'NULL = title', ids: ['a04'] },
  { filter: "title != ''", ids: except('a04') },
  { filter: 'title != null', ids: except('a04') },
  { filter: "n = ''", ids: [] },
  { filter: 'n = null', ids: [] },
  { filter: 'n != null', ids: ALL },
  { filter: "flag = ''", ids: [] },
  { filter: 'flag != null', ids: ALL },
  { filter: 'meta = null', ids: NULL_META },
  { filter: "meta = ''", ids: NULL_META },
  { filter: 'meta != null', ids: except(...NULL_META) },
  // Text order is bytewise: 'B' < 'a' < 'É' < '😀'.
  { filter: "title > 'a'", ids: ['a01', 'a08', 'a09', 'a10', 'a11', 'a12', 'a13', 'a19'] },
  { filter: "title > 'Z'", ids: ['a01', 'a08', 'a09', 'a10', 'a11', 'a12', 'a13', 'a17', 'a19'] },
  { filter: "title < 'B'", ids: ['a02', 'a03', 'a04', 'a06', 'a07', 'a14', 'a15', 'a18', 'a20'] },
  { filter: "title >= 'B' && title < 'a'", ids: ['a05', 'a16', 'a21'] },
  { filter: "title <= ''", ids: ['a04'] },
  // Literals take the column's type; what cannot be cast compares as text.
  { filter: 'title = 10', ids: ['a14'] },
  { filter: 'title = 5', ids: ['a20'] },
  { filter: 'title > 10', ids: except('a04', 'a14', 'a18') },
  { filter: 'title = true', ids: [] },
  { filter: 'title = 1.5', ids: [] },
  { filter: 'n = 5', ids: ['a01', 'a20'] },
  { filter: 'n = "5"', ids: ['a01', 'a20'] },
  { filter: "n = '5.0'", ids: ['a01', 'a20'] },
  { filter: 'n = -0.25', ids: ['a08'] },
  { filter: 'n = 0', ids: ['a03'] },
  { filter: 'n > 10', ids: ['a06', 'a07', 'a12', 'a13', 'a14', 'a21'] },
  { filter: 'n >= "10"', ids: ['a05', 'a06', 'a07', 'a12', 'a13', 'a14', 'a21'] },
  { filter: 'n < 0', ids: ['a02', 'a08', 'a15'] },
  { filter: 'n <= -3', ids: ['a02', 'a15'] },
  { filter: 'n > 1.4 && n < 1.6', ids: ['a04'] },
  { filter: 'n = true', ids: ['a11'] },
  { filter: 'n = false', ids: ['a03'] },
  { filter: 'n > "abc"', ids: [] },
  { filter: 'n < "abc"', ids: ALL },
  { filter: "n ~ '5'", ids: ['a01', 'a04', 'a07', 'a08', 'a12', 'a13', 'a20'] },
  { filter: 'n = 100 || n = -100', ids: ['a06', 'a15'] },
  { filter: "n = ' +1e3 '", ids: ['a14'] },
  { filter: "n = '0x3e8'", ids: [] },
  { filter: "n = '-0.250'", ids: ['a08'] },
  { filter: 'n = -0', ids: ['a03'] },
  { filter: 'n < 1e9', error: 'bad_request' },
  { filter: 'n ~ 1', ids: ['a04', 'a05', 'a06', 'a11', 'a12', 'a14', 'a15', 'a21'] },
  { filter: 'flag = true', ids: TRUE_FLAGS },
  { filter: 'flag = 1', ids: TRUE_FLAGS },
  { filter: "flag = '1'", ids: TRUE_FLAGS },
  { filter: "flag = 'true'", ids: TRUE_FLAGS },
  { filter: 'TRUE = flag', ids: TRUE_FLAGS },
  { filter: 'flag > false', ids: TRUE_FLAGS },
  { filter: 'flag = false', ids: except(...TRUE_FLAGS) },
  { filter: 'flag = 0', ids: except(...TRUE_FLAGS) },
  { filter: 'flag != true', ids: except(...TRUE_FLAGS) },
  { filter: 'flag = 2', ids: [] },
  { filter: "flag = 'yes'", ids: [] },
  { filter: 'flag ~ 1', ids: TRUE_FLAGS },
  { filter: "id = 'a01'", ids: ['a01'] },
  { filter: "id > 'a19'", ids: ['a20', 'a21'] },
  { filter: "id ~ 'A0'", ids: ['a01', 'a02', 'a03', 'a04', 'a05', 'a06', 'a07', 'a08', 'a09'] },
  // Columns of different kinds compare as text (booleans read '1'/'0').
  { filter: 'flag = n', ids: ['a03', 'a11'] },
  { filter: 'title = n', ids: ['a20'] },
  { filter: 'n = n && flag = flag', ids: ALL },
  { filter: 'flag != flag', ids: [] },
  { filter: 'meta = title', ids: ['a14'] },
  { filter: 'title ~ created', ids: EMPTY_CREATED },
  { filter: 'created !~ title', ids: except('a04') },
  { filter: "meta = '{\"a\":1}'", ids: ['a01'] },
  { filter: "meta != '\"x\"'", ids: except('a03') },
  { filter: 'meta = 10', ids: ['a14'] },
  { filter: "meta ~ 'a'", ids: ['a01', 'a10'] },
  { filter: "meta !~ 'a'", ids: ['a03', 'a05', 'a06', 'a08', 'a12', 'a14'] },
  // `~`: contains, ignoring ASCII case only; `\` escapes; an unescaped % means "as given".
  { filter: "title ~ 'alpha'", ids: ['a01', 'a02', 'a03'] },
  { filter: "title ~ 'ALP'", ids: ['a01', 'a02', 'a03'] },
  { filter: "title !~ 'alpha'", ids: except('a01', 'a02', 'a03') },
  { filter: "title ~ 'éclair'", ids: ['a13'] },
  { filter: "title ~ 'ÉCLAIR'", ids: ['a12'] },
  { filter: "title ~ 'snake_case'", ids: ['a08'] },
  { filter: "title ~ 'snake%case'", ids: ['a08', 'a09'] },
  { filter: "title ~ 'snake_case%'", ids: ['a08', 'a09'] },
  { filter: "title ~ '50%'", ids: ['a06', 'a07'] },
  { filter: "title ~ '50\\%'", ids: ['a06'] },
  { filter: "title ~ '%off'", ids: ['a06', 'a07'] },
  { filter: "title ~ 'back\\slash'", ids: ['a10'] },
  { filter: "title ~ '\\'; drop'", ids: ['a18'] },
  { filter: "title ~ ''", ids: ALL },
  { filter: 'title ~ null', ids: [] },
  { filter: 'title !~ null', ids: [] },
  { filter: "title ~ '😀'", ids: ['a19'] },
  { filter: "title > 'é' && title < '😀'", ids: ['a13'] },
  { filter: "1 ~ 1 && 'abc' ~ 'B'", ids: ALL },
  { filter: "'É' ~ 'é'", ids: [] },
  { filter: "title ~ 'a' && title ~ 'E'", ids: ['a03', 'a05', 'a08', 'a09', 'a18', 'a21'] },
  // :lower folds ASCII only, as SQLite's LOWER().
  { filter: "title:lower = 'alpha'", ids: ['a01', 'a02'] },
  { filter: "title:lower = 'alpha beta'", ids: ['a03'] },
  { filter: "title:lower = 'éclair'", ids: ['a13'] },
  { filter: "title:lower ~ 'ALPHA'", ids: ['a01', 'a02', 'a03'] },
  // NOTE: :lower reads a number as its text ('1'), so it meets the literal as text.
  { filter: 'n:lower = 1', ids: ['a11'] },
  // && binds tighter than ||; parentheses group.
  { filter: 'n > 0 && flag = true', ids: ['a01', 'a04', 'a05', 'a09', 'a11', 'a13', 'a17', 'a19'] },
  { filter: "n < 0 || title = 'B'", ids: ['a02', 'a08', 'a15', 'a16'] },
  { filter: "title = 'B' || n = 5 && flag = true", ids: ['a01', 'a16'] },
  { filter: "(title = 'B' || n = 5) && flag = true", ids: ['a01'] },
  { filter: "((n > 0 && (flag = true || title = 'B')) && created != '')", ids: ['a01', 'a05', 'a09', 'a11'] },
  { filter: "((((title = 'B'))))", ids: ['a16'] },
  { filter: '()', ids: ALL },
  { filter: "title = 'B' // trailing comment", ids: ['a16'] },
  { filter: "// leading comment\ntitle = 'B' // x\n|| title = 'a'", ids: ['a16', 'a17'] },
  // Literals on both sides: same kinds compare as that kind, mixed ones as text.
  { filter: '1 = 1', ids: ALL },
  { filter: '1 = 2', ids: [] },
  { filter: "'a' = 'A'", ids: [] },
  { filter: "'a' < 'B'", ids: [] },
  { filter: '10 > 9', ids: ALL },
  { filter: "'10' > '9'", ids: [] },
  { filter: "10 > '9'", ids: [] },
  { filter: "1 = '1'", ids: ALL },
  { filter: 'true = 1', ids: ALL },
  { filter: "null = ''", ids: ALL },
  { filter: 'null != null', ids: [] },
  // Dates are PocketBase-format text; macros are UTC dates in that format ('' sorts first).
  { filter: "created > '2001-01-01 00:00:00.000Z'", ids: ['a02', 'a03', 'a05', 'a06', 'a09'] },
  { filter: "created >= '2001-01-01'", ids: ['a01', 'a02', 'a03', 'a05', 'a06', 'a07', 'a09', 'a10', 'a11'] },
  { filter: "created < '2001-01-01 00:00:00.001Z' && created != ''", ids: ['a01', 'a07', 'a08', 'a10', 'a11'] },
  { filter: "created ~ '2001-01-01'", ids: ['a01', 'a06', 'a07', 'a10', 'a11'] },
  { filter: "created = ''", ids: EMPTY_CREATED },
  { filter: 'created > @now', ids: ['a02', 'a05', 'a09'] },
  { filter: '@now < created', ids: ['a02', 'a05', 'a09'] },
  { filter: 'created < @now', ids: except('a02', 'a05', 'a09') },
  { filter: "created < @todayStart && created != ''", ids: ['a01', 'a03', 'a06', 'a07', 'a08', 'a10', 'a11'] },
  { filter: 'created >= @todayStart && created <= @todayEnd', ids: [] },
  { filter: 'created > @yesterday && created < @tomorrow', ids: [] },
  { filter: 'created > @yearEnd || created > @monthEnd', ids: ['a02', 'a05', 'a09'] },
  { filter: "created < @yearStart && created < @monthStart && created != ''", ids: ['a01', 'a03', 'a06', 'a07', 'a08', 'a10', 'a11'] },
  { filter: '@year > 2000 && @month >= 1 && @month <= 12 && @weekday <= 6', ids: ALL },
  { filter: '@year < 2000', ids: [] },
  // @request.* in a trusted scope.
  { filter: 'id = @request.auth.id', ids: ['a01'], trusted: true },
  { filter: "@request.auth.id != '' && id = @request.auth.id", ids: ['a01'], trusted: true },
  { filter: "@request.auth.role = 'admin'", ids: ALL, trusted: true },
  { filter: "@request.auth.id = ''", ids: ALL, trusted: true, guest: true },
  { filter: 'title = @request.body.title', ids: ['a16'], trusted: true },
  { filter: 'title ~ @request.query.q', ids: ['a01', 'a02', 'a03'], trusted: true },
  { filter: 'n = @request.query.n', ids: ['a01', 'a20'], trusted: true },
  { filter: 'n = @request.body.count', ids: ['a01', 'a20'], trusted: true },
  { filter: 'title = @request.body.count', ids: ['a20'], trusted: true },
  { filter: 'flag = @request.body.flag', ids: TRUE_FLAGS, trusted: true },
  { filter: '@request.body.flag = true && @request.body.count > 4', ids: ALL, trusted: true },
  { filter: 'id = @request.auth.id', ids: [], trusted: true, guest: true },
  // A list that is no field of the table is its JSON text, as in PocketBase.
  { filter: "@request.body.list = 'a'", ids: [], trusted: true },
  { filter: `@request.body.list = '["a"]'`, ids: ALL, trusted: true },
  { filter: "@request.method = 'GET' && @request.context = 'default'", ids: ALL, trusted: true },
  { filter: "@request.method = 'POST'", ids: [], trusted: true },
  { filter: "@request.headers.x_token = 'abc'", ids: ALL, trusted: true },
  { filter: "@request.query.missing = ''", ids: ALL, trusted: true },
  { filter: "@request.query.q > 'B'", ids: ALL, trusted: true },
  { filter: "@request.query.q < 'B'", ids: [], trusted: true },
  { filter: '@request.query.q:isset = true', ids: ALL, trusted: true },
  { filter: '@request.query.missing:isset = true', ids: [], trusted: true },
  { filter: "@request.auth.id = ''", error: 'forbidden' },
  // Hidden fields: rules and superusers only.
  { filter: "secret = 's3cr3t'", ids: ['a01'], trusted: true },
  { filter: "secret = 's3cr3t'", error: 'bad_request' },
  // Paths and functions (the relational table in filter-relations.test.ts covers them in depth).
  { filter: "author.name = 'x'", error: 'bad_request' },
  { filter: 'meta.a = 1', ids: ['a01'] },
  { filter: "tags = 'x'", ids: [] },
  { filter: "tags = ''", ids: ALL },
  { filter: "tags ?~ 'x'", ids: [] },
  { filter: "@collection.items.title = 'x'", ids: [], trusted: true },
  { filter: "@collection.items.title ?= 'B'", ids: ALL, trusted: true },
  { filter: "@collection.items.title = 'x'", error: 'forbidden' },
  { filter: "strftime('%Y', created) = '2001'", ids: ['a01', 'a03', 'a06', 'a07', 'a10', 'a11'] },
  { filter: 'geoDistance(1, 2, 3, 4) < 5', ids: [] },
  { filter: 'geoDistance(1, 2, 3, 4) > 314 && geoDistance(1, 2, 3, 4) < 315', ids: ALL },
  { filter: 'title:length > 1', error: 'bad_request' },
  { filter: "title:each ~ 'a'", error: 'bad_request' },
  { filter: 'title:isset = true', error: 'bad_request' },
  { filter: '@request.body.title:changed = true', ids: except('a16'), trusted: true },
  { filter: '@request.body.nosuch:changed = true', error: 'bad_request', trusted: true },
  { filter: 'nosuchfield = 1', error: 'bad_request' },
  { filter: 'title = ', error: 'bad_request' },
  { filter: "title == 'a'", error: 'bad_request' },
  { filter: "(title = 'a'", error: 'bad_request' },
  { filter: "title = 'a' & n = 1", error: 'bad_request' },
  // Injection attempts: plain data, or a 400; the test after this table checks that the rows survive.
  { filter: 'title = "\'; DROP TABLE items; --"', ids: ['a18'] },
  { filter: "title = ''; DROP TABLE items; --", error: 'bad_request' },
  { filter: "title = 'x' OR 1=1", error: 'bad_request' },
  { filter: "title = 'x'; DELETE FROM items", error: 'bad_request' },
  { filter: "title = 'a' /* comment */", error: 'bad_request' },
  { filter: 'title = \u2018x\u2019 || 1 = 1', error: 'bad_request' },
  { filter: "title = '\u2019; DROP TABLE items; --'", ids: [] },
  { filter: 'title = "x\\"; DROP TABLE items; --"', ids: [] },
  { filter: "title = '\uff07; DROP TABLE items; --'", ids: [] },
  { filter: "title ~ \"%' OR '1'='1\"", ids: [] },
  { filter: "title = 'a\u0000'", error: 'bad_request' },
  { filter: "title = 'a'\u0000", error: 'bad_request' },
  { filter: 'title; DROP TABLE items = 1', error: 'bad_request' },
];

function scopeFor(database: Database, options: { isTrusted: boolean; request?: RequestInfo }): FilterScope {
  const columns = new Map<string, QueryColumn>(COLUMNS.map((c) => [c.name, { kind: c.kind, hidden: c.hidden ?? false }]));
  const schema = { table: TABLE, columns, readAccess: { kind: 'public' } as const };
  return {
    schema, dialect: database.dialect, request: options.request ?? REQUEST, isTrusted: options.isTrusted,
    schemas: { schema: (name: string) => (name === TABLE ? schema : undefined) },
  };
}

async function seed(database: Database): Promise<void> {
  for (const ddl of database.dialect.createTable(TABLE, COLUMNS)) await sql.raw(ddl).execute(database.db);
  for (const row of ROWS) {
    await database.db
      .insertInto(TABLE)
      .values({ ...row, flag: database.dialect.boolToDb(row.flag), tags: '[]', secret: row.id === 'a01' ? 's3cr3t' : '' })
      .execute();
  }
}

/** The ids a filter selects, sorted; rejects with the compiler's error. */
async function select(database: Database, filter: string, scope: FilterScope): Promise<string[]> {
  const where = compileFilterText(filter, scope);
  let query = database.db.selectFrom(TABLE).select('id');
  if (where) query = query.where(where);
  const rows = await query.execute();
  return rows.map((r) => String(r.id)).sort();
}

async function errorCode(run: () => Promise<unknown>): Promise<ErrorCode | 'none' | string> {
  try {
    await run();
    return 'none';
  } catch (err) {
    return err instanceof AppError ? err.code : `not an AppError: ${String(err)}`;
  }
}

async function runAsAdmin(url: string, statement: string): Promise<void> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * PostgreSQL once more, on a database whose default collation is ICU en-US (common in production):
 * text the compiler makes (parameters, casts) must still compare bytewise there.
 */
function icuPostgres(engine: TestEngine): { label: string; engine: TestEngine } {
  return {
    label: 'postgres (ICU en-US default collation)',
    engine: {
      name: 'postgres',
      async createDatabase() {
        const base = await engine.createDatabase();
        const url = new URL(base.url);
        const name = `${url.pathname.slice(1)}_icu`;
        url.pathname = `/${name}`;
        await runAsAdmin(base.url, `CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'`);
        return {
          url: url.toString(),
          dir: base.dir,
          async drop() {
            await runAsAdmin(base.url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
            await base.drop();
          },
        };
      },
    },
  };
}

const ENGINES = availableEngines();
const FILTER_ENGINES = [
  ...ENGINES.map((engine) => ({ label: engine.name, engine })),
  ...ENGINES.filter((e) => e.name === 'postgres').map(icuPostgres),
];

const sortedByTitle = [
  'a04', 'a18', 'a14', 'a20', 'a07', 'a06', 'a15', 'a03', 'a02', 'a16', 'a05',
  'a21', 'a17', 'a01', 'a10', 'a11', 'a09', 'a08', 'a12', 'a13', 'a19',
];
const sortedByNumber = [
  'a15', 'a02', 'a08', 'a03', 'a11', 'a04', 'a09', 'a16', 'a17', 'a01', 'a20',
  'a18', 'a10', 'a19', 'a05', 'a21', 'a12', 'a13', 'a07', 'a06', 'a14',
];

for (const { label, engine } of FILTER_ENGINES) {
  describe(`${label}: filters`, () => {
    let testDb: TestDatabase;
    let database: Database;

    beforeAll(async () => {
      testDb = await engine.createDatabase();
      database = openDatabase(testDb.url);
      await seed(database);
    });
    afterAll(async () => {
      await database?.close();
      await testDb?.drop();
    });

    it.each(CASES)('$filter', async ({ filter, ids, error, trusted, guest }) => {
      const scope = scopeFor(database, { isTrusted: trusted ?? false, request: guest ? GUEST : REQUEST });
      if (error !== undefined) {
        expect(await errorCode(() => select(database, filter, scope))).toBe(error);
      } else {
        expect(await select(database, filter, scope)).toEqual([...(ids ?? [])].sort());
      }
    });

    it('keeps the table intact after the injection attempts', async () => {
      const scope = scopeFor(database, { isTrusted: false });
      expect(await select(database, '', scope)).toEqual(ALL);
    });

    it('answers any filter text with rows or an AppError, never a database error', async () => {
      const scope = scopeFor(database, { isTrusted: true });
      const token = fc.constantFrom(
        'title', 'n', 'flag', 'meta', 'created', 'secret', 'id', 'title:lower', '@request.query.q', '@now',
        '=', '!=', '>', '<=', '~', '!~', '?=', '&&', '||', '(', ')', 'null', 'true', '0', '-1.5', '1e9',
        "'", '"', '\\', '%', '_', "'%'", '"\\\\"', "'\\''", "'50\\%'", "'É'", ';', '--', '//', '\n', ' ',
      );
      await fc.assert(
        fc.asyncProperty(fc.array(token, { maxLength: 12 }), async (tokens) => {
          const code = await errorCode(() => select(database, tokens.join(' '), scope));
          return code === 'none' || code === 'bad_request';
        }),
        { numRuns: engine.name === 'sqlite' ? 300 : 100 },
      );
    });
  });
}

for (const engine of ENGINES) {
  describe(`${engine.name}: sort and pages`, () => {
    let testDb: TestDatabase;
    let database: Database;

    beforeAll(async () => {
      testDb = await engine.createDatabase();
      database = openDatabase(testDb.url);
      await seed(database);
    });
    afterAll(async () => {
      await database?.close();
      await testDb?.drop();
    });

    const list = (query: Record<string, string>, isTrusted = false) =>
      runList({
        executor: database.db,
        scope: scopeFor(database, { isTrusted }),
        params: parseListParams({ perPage: '100', ...query }),
        mapRow: (row) => String(row.id),
      });

    it.each([
      { sort: 'title,id', ids: sortedByTitle },
      { sort: 'n,id', ids: sortedByNumber },
      { sort: '-n,-id', ids: [...sortedByNumber].reverse() },
      { sort: '@rowid', ids: ALL },
      { sort: '-@rowid', ids: [...ALL].reverse() },
      { sort: 'flag,-id', ids: [...except(...TRUE_FLAGS).reverse(), ...[...TRUE_FLAGS].reverse()] },
      { sort: '-created,id', ids: ['a09', 'a02', 'a05', 'a03', 'a06', 'a01', 'a07', 'a10', 'a11', 'a08', ...EMPTY_CREATED] },
    ])('sort=$sort', async ({ sort, ids }) => {
      const result = await list({ sort });
      expect(result.items).toEqual(ids);
      expect(result.totalItems).toBe(ROWS.length);
    });

    // NOTE: MariaDB tables are utf8mb4_nopad_bin: with a PAD SPACE collation 'Beta' and 'Beta ' would tie.
    it('sort=-title,id keeps trailing spaces significant', async () => {
      expect((await list({ sort: '-title,id' })).items).toEqual([...sortedByTitle].reverse());
    });

    it('sorts @random over every row', async () => {
      expect([...(await list({ sort: '@random' })).items].sort()).toEqual(ALL);
    });

    it('filters, sorts and pages together', async () => {
      const result = await list({ filter: 'n > 0', sort: '-n,id', page: '2', perPage: '5' });
      expect(result).toEqual({ page: 2, perPage: 5, totalItems: 17, totalPages: 4, items: ['a21', 'a05', 'a19', 'a10', 'a18'] });
      const skipped = await list({ filter: 'n > 0', sort: 'n,id', page: '4', perPage: '5', skipTotal: 'true' });
      expect(skipped).toEqual({ page: 4, perPage: 5, totalItems: -1, totalPages: -1, items: ['a06', 'a14'] });
    });

    it('returns an empty page past the end, however far', async () => {
      expect((await list({ page: '9', perPage: '5' })).items).toEqual([]);
      expect((await list({ page: String(Number.MAX_SAFE_INTEGER), perPage: '1000' })).items).toEqual([]);
    });

    it.each([
      { sort: 'secret', trusted: false },
      { sort: 'author.name', trusted: false },
      { sort: 'nosuchfield', trusted: true },
      { sort: 'title:each', trusted: false },
      { sort: 'tags', trusted: false },
      { sort: 'title;DROP TABLE items', trusted: false },
      { sort: 'a,b,c,d,e,f,g,h,i', trusted: false },
    ])('answers sort=$sort with a 400', async ({ sort, trusted }) => {
      expect(await errorCode(() => list({ sort }, trusted))).toBe('bad_request');
    });

    it('sorts by a hidden field for a trusted caller', async () => {
      expect((await list({ sort: '-secret,id' }, true)).items[0]).toBe('a01');
    });
  });
}
