// Builds the benchmark database: collections and users through Mainspring's own API (so the schema,
// indexes and password hashes are Mainspring's), then the bulk rows written straight into the same
// database — the SQLite file with better-sqlite3, or PostgreSQL with pg — in one transaction per
// table (100 000 rows through /api/batch would take most of the quick run's budget). The rows use
// Mainspring's formats: 15-char [a-z0-9] ids and 'YYYY-MM-DD HH:MM:SS.mmmZ' dates.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startSubject } from './subject.js';

export const SUPERUSER = { email: 'bench@example.com', password: 'bench-password-123' };
export const USER_PASSWORD = 'user-password-123';
const USERS = 10;
const FILLER_TARGET = 50; // scenario 7: collections in total, not counting _superusers and users

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export function newId() {
  const bytes = randomBytes(15);
  let s = '';
  for (let i = 0; i < 15; i++) s += ALPHABET[bytes[i] % 36];
  return s;
}
const pbDate = (d) => d.toISOString().replace('T', ' ');

async function api(baseUrl, method, path, body, token) {
  const res = await fetch(baseUrl + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: token } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const autodates = [
  { name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
  { name: 'updated', type: 'autodate', onCreate: true, onUpdate: true },
];

export const COLLECTIONS = {
  // Scenario 1: GET by id, public view rule.
  items: { name: 'items', type: 'base', listRule: '', viewRule: '', fields: [
    { name: 'title', type: 'text', max: 200 }, { name: 'views', type: 'number', min: 0, onlyInt: true }, { name: 'done', type: 'bool' }, ...autodates] },
  // Scenarios 2 and 3: filtered, sorted list on an indexed field.
  posts: { name: 'posts', type: 'base', listRule: '', viewRule: '', fields: [
    { name: 'title', type: 'text', max: 200 }, { name: 'views', type: 'number', min: 0, onlyInt: true }, ...autodates],
    indexes: ['CREATE INDEX idx_posts_views ON posts (views)'] },
  // Scenario 4: owner rule.
  notes: { name: 'notes', type: 'base', listRule: 'owner = @request.auth.id', viewRule: 'owner = @request.auth.id', fields: [
    { name: 'title', type: 'text', max: 200 }, { name: 'owner', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1, required: true }, ...autodates],
    indexes: ['CREATE INDEX idx_notes_owner ON notes (owner)'] },
  // Scenario 5: create with validation.
  writes: { name: 'writes', type: 'base', createRule: '', viewRule: '', fields: [
    { name: 'title', type: 'text', required: true, min: 3, max: 200 }, { name: 'views', type: 'number', min: 0, max: 1000000, onlyInt: true }, ...autodates] },
};

/**
 * Seeds `dir` (SQLite) or `dbUrl` (PostgreSQL) with `sizes` = { items, posts, notes } rows. `cwd`
 * is the project root (for bin/). Returns what the scenarios need: ids, a user's token and credentials.
 */
export async function seed({ cwd, dir, secret, sizes, fillers = true, log = () => {}, dbUrl }) {
  const dbEnv = dbUrl ? { MS_DB_URL: dbUrl } : {};
  const env = { ...process.env, MS_LOG_LEVEL: 'warn', MS_SECRET: secret, ...dbEnv };
  execFileSync(process.execPath, ['bin/mainspring.js', 'superuser', 'upsert', SUPERUSER.email, SUPERUSER.password, '--dir', dir], { cwd, env, stdio: 'ignore' });
  const ms = await startSubject({ name: 'seed', cwd, env: { MS_SECRET: secret, ...dbEnv }, args: (port) => ['bin/mainspring.js', 'serve', '--http', `127.0.0.1:${port}`, '--dir', dir] });
  const users = [];
  try {
    const { token } = await api(ms.baseUrl, 'POST', '/api/collections/_superusers/auth-with-password', { identity: SUPERUSER.email, password: SUPERUSER.password });
    // The load comes from one IP at full speed: the shipped credential limits would refuse it (API.md §10).
    await api(ms.baseUrl, 'PATCH', '/api/settings', { rateLimits: { enabled: false } }, token);
    for (const c of Object.values(COLLECTIONS)) await api(ms.baseUrl, 'POST', '/api/collections', c, token);
    if (fillers) {
      const fillerCount = FILLER_TARGET - Object.keys(COLLECTIONS).length;
      for (let i = 0; i < fillerCount; i++) {
        await api(ms.baseUrl, 'POST', '/api/collections', { name: `filler_${i}`, type: 'base', listRule: '', viewRule: '',
          fields: [{ name: 'title', type: 'text' }, { name: 'n', type: 'number' }, { name: 'flag', type: 'bool' }, ...autodates] }, token);
      }
    }
    const requests = [];
    for (let i = 0; i < USERS; i++) {
      requests.push({ method: 'POST', url: '/api/collections/users/records',
        body: { email: `user${i}@example.com`, password: USER_PASSWORD, passwordConfirm: USER_PASSWORD, name: `User ${i}` } });
    }
    const replies = await api(ms.baseUrl, 'POST', '/api/batch', { requests }, token);
    for (const r of replies) {
      if (r.status !== 200) throw new Error(`user create: ${JSON.stringify(r)}`);
      users.push({ id: r.body.id, email: `user${users.length}@example.com` });
    }
    const signIn = await api(ms.baseUrl, 'POST', '/api/collections/users/auth-with-password', { identity: users[0].email, password: USER_PASSWORD });
    users[0].token = signIn.token;
  } finally {
    await ms.stop();
  }
  log(`collections and ${USERS} users created through the API`);

  const base = Date.now() - 86_400_000;
  const rows = (count, row) => Array.from({ length: count }, (_, i) => {
    const date = pbDate(new Date(base + i));
    return [newId(), ...row(i), date, date];
  });
  const tables = [
    ['items', ['id', 'title', 'views', 'done', 'created', 'updated'], rows(sizes.items, (i) => [`Item ${i}`, (i * 7919) % 1000, i % 2 === 1])],
    ['posts', ['id', 'title', 'views', 'created', 'updated'], rows(sizes.posts, (i) => [`Post number ${i}`, (i * 7919) % 1000])],
    ['notes', ['id', 'title', 'owner', 'created', 'updated'], rows(sizes.notes, (i) => [`Note ${i}`, users[i % USERS].id])],
  ];
  if (dbUrl) await bulkPostgres(dbUrl, tables);
  else bulkSqlite(join(dir, 'data.db'), tables);
  log(`bulk rows written: items ${sizes.items}, posts ${sizes.posts}, notes ${sizes.notes}`);
  const [itemIds, , noteIds] = tables.map(([, , list]) => list.map((r) => r[0]));
  const ownNoteIds = noteIds.filter((_, i) => i % USERS === 0);
  return { itemIds, ownNoteIds, users };
}

function bulkSqlite(file, tables) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  for (const [table, columns, list] of tables) {
    const stmt = db.prepare(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    db.transaction(() => {
      for (const r of list) stmt.run(...r.map((v) => (typeof v === 'boolean' ? Number(v) : v)));
    })();
  }
  db.close();
}

async function bulkPostgres(url, tables) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const [table, columns, list] of tables) {
      await client.query('BEGIN');
      // Multi-row INSERTs of 1000 rows: one round trip per thousand, under PostgreSQL's 65 535 parameters.
      for (let at = 0; at < list.length; at += 1000) {
        const chunk = list.slice(at, at + 1000);
        const values = chunk.map((r, i) => `(${r.map((_, j) => `$${i * r.length + j + 1}`).join(', ')})`).join(', ');
        await client.query(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${values}`, chunk.flat());
      }
      await client.query('COMMIT');
      await client.query(`ANALYZE "${table}"`);
    }
  } finally {
    await client.end();
  }
}
