// The Parse Server peer for `--peers` (issue 5): Parse Server 9.x on the same throwaway PostgreSQL
// as Mainspring, with the same rows. Parse is never a project dependency: it is installed on demand
// into bench/peers/ (gitignored) and run as its own process by bench/lib/parse-server.js. Classes,
// the index and the class-level permissions go through Parse's own REST schema API (so the tables
// are Parse's), then the bulk rows are written straight into PostgreSQL in Parse's table format:
// 10-char [A-Za-z0-9] objectIds, timestamptz dates, _rperm/_wperm left NULL (public, as Parse
// writes them when an object has no ACL).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

export const PARSE_APP_ID = 'bench';
// A fixed bench value: the server is on loopback only and lives for one run.
export const PARSE_MASTER_KEY = 'bench-master-key-not-a-secret';
export const PARSE_VERSION = '^9';

/** Installs parse-server into ROOT/bench/peers unless it is there already; returns that folder. */
export function installParse({ root, log = () => {} }) {
  const dir = join(root, 'bench', 'peers');
  if (existsSync(join(dir, 'node_modules', 'parse-server', 'package.json'))) return dir;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, dependencies: { 'parse-server': PARSE_VERSION } }, null, 2) + '\n');
  log(`installing parse-server@${PARSE_VERSION} into ${dir} (npm, once)`);
  const started = performance.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--omit=dev', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  log(`parse-server installed in ${Math.round((performance.now() - started) / 1000)} s`);
  return dir;
}

/** The subject for startSubject: bench/lib/parse-server.js on `databaseUrl`. */
export function parseSubject({ root, databaseUrl }) {
  return {
    name: 'parse',
    cwd: root,
    env: { NODE_ENV: 'production' },
    args: (port) => [join(root, 'bench', 'lib', 'parse-server.js'), '--port', String(port), '--db-url', databaseUrl,
      '--app-id', PARSE_APP_ID, '--master-key', PARSE_MASTER_KEY, '--peers', join(root, 'bench', 'peers')],
  };
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Parse's objectId format: 10 alphanumeric characters. */
export function newObjectId() {
  const bytes = randomBytes(10);
  let s = '';
  for (let i = 0; i < 10; i++) s += ALPHABET[bytes[i] % 62];
  return s;
}

const PUBLIC_READ = { '*': true };
const NOBODY = {};
const CLASSES = {
  // Scenario 1: GET by id, public.
  Item: {
    fields: { title: { type: 'String' }, views: { type: 'Number' }, done: { type: 'Boolean' } },
    classLevelPermissions: { get: PUBLIC_READ, find: PUBLIC_READ, count: PUBLIC_READ, create: NOBODY, update: NOBODY, delete: NOBODY, addField: NOBODY, protectedFields: {} },
  },
  // Scenario 2: filtered, sorted list on an indexed field.
  Post: {
    fields: { title: { type: 'String' }, views: { type: 'Number' } },
    indexes: { views_1: { views: 1 } },
    classLevelPermissions: { get: PUBLIC_READ, find: PUBLIC_READ, count: PUBLIC_READ, create: NOBODY, update: NOBODY, delete: NOBODY, addField: NOBODY, protectedFields: {} },
  },
  // Scenario 5: create with validation (title required).
  Write: {
    fields: { title: { type: 'String', required: true }, views: { type: 'Number' } },
    classLevelPermissions: { get: PUBLIC_READ, find: PUBLIC_READ, count: PUBLIC_READ, create: PUBLIC_READ, update: NOBODY, delete: NOBODY, addField: NOBODY, protectedFields: {} },
  },
};

async function parseApi(baseUrl, method, path, body) {
  const res = await fetch(`${baseUrl}/parse${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-parse-application-id': PARSE_APP_ID, 'x-parse-master-key': PARSE_MASTER_KEY },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`Parse ${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * Creates Item, Post (index on views) and Write through Parse's schema API, then bulk-inserts
 * `sizes.items` items and `sizes.posts` posts into PostgreSQL. Returns { itemIds } (up to 1000).
 */
export async function seedParse({ baseUrl, databaseUrl, sizes, log = () => {} }) {
  for (const [className, def] of Object.entries(CLASSES)) {
    await parseApi(baseUrl, 'POST', `/schemas/${className}`, { className, ...def });
  }
  log('Parse classes created through /parse/schemas');

  const base = Date.now() - 86_400_000;
  const rows = (count, row) => Array.from({ length: count }, (_, i) => {
    const date = new Date(base + i).toISOString();
    return [newObjectId(), ...row(i), date, date];
  });
  const tables = [
    ['Item', [['objectId', 'text'], ['title', 'text'], ['views', 'double precision'], ['done', 'boolean'], ['createdAt', 'timestamptz'], ['updatedAt', 'timestamptz']],
      rows(sizes.items, (i) => [`Item ${i}`, (i * 7919) % 1000, i % 2 === 1])],
    ['Post', [['objectId', 'text'], ['title', 'text'], ['views', 'double precision'], ['createdAt', 'timestamptz'], ['updatedAt', 'timestamptz']],
      rows(sizes.posts, (i) => [`Post number ${i}`, (i * 7919) % 1000])],
  ];
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const [table, columns] of tables) {
      const { rows: have } = await client.query('SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1', [table]);
      const names = new Set(have.map((r) => r.column_name));
      const missing = columns.map(([c]) => c).filter((c) => !names.has(c));
      if (missing.length) throw new Error(`Parse table "${table}" lacks columns ${missing.join(', ')} (has ${[...names].join(', ')})`);
    }
    for (const [table, columns, list] of tables) {
      await client.query('BEGIN');
      // One array parameter per column, unnest()ed: 5 000 rows a round trip, whatever the column count.
      const sql = `INSERT INTO "${table}" (${columns.map(([c]) => `"${c}"`).join(', ')}) SELECT * FROM unnest(${columns.map(([, t], j) => `$${j + 1}::${t}[]`).join(', ')})`;
      for (let at = 0; at < list.length; at += 5000) {
        const chunk = list.slice(at, at + 5000);
        await client.query(sql, columns.map((_, j) => chunk.map((r) => r[j])));
      }
      await client.query('COMMIT');
      await client.query(`ANALYZE "${table}"`);
    }
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
  log(`Parse bulk rows written: Item ${sizes.items}, Post ${sizes.posts}`);
  return { itemIds: tables[0][2].slice(0, 1000).map((r) => r[0]) };
}

/** Path of scenario 2's list query (skipTotal's equivalent: Parse counts only with count=1). */
export const PARSE_LIST_PATH = `/parse/classes/Post?where=${encodeURIComponent(JSON.stringify({ views: { $gt: 500 } }))}&order=-views&limit=20`;

/** The wrk scripts (writeScript's format) of scenarios 1, 2 and 5 against Parse. */
export function parseScripts({ itemIds }) {
  const headers = { 'X-Parse-Application-Id': PARSE_APP_ID };
  return {
    1: { headers, paths: itemIds.slice(0, 1000).map((id) => `/parse/classes/Item/${id}`) },
    2: { headers, paths: [PARSE_LIST_PATH] },
    5: { method: 'POST', path: '/parse/classes/Write', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify({ title: 'A benchmark write', views: 123 }) },
  };
}
