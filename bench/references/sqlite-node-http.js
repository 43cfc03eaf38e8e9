// Reference subject: the same work as Mainspring's records API, done directly and with nothing
// spared — bare node:http, better-sqlite3 prepared statements, JSON.stringify — on the very database
// file and schema Mainspring created, with Mainspring's pragmas. It answers the same JSON shapes for
// what the benchmark asks (and only that): GET one record (public or `owner = @request.auth.id`
// rules), list with a `field OP number` filter and `[-]field` sort (with or without the count),
// create with field validation, and auth-with-password (argon2id, a session row, an HS256 token).
//
//   node bench/references/sqlite-node-http.js --db PATH --port N   (MS_SECRET in the environment)
import { createHash, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import argon2 from 'argon2';
import Database from 'better-sqlite3';

const arg = (name) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : undefined; };
const dbPath = arg('db');
const port = Number(arg('port'));
const host = arg('host') ?? '127.0.0.1';
if (!dbPath || !port) throw new Error('usage: --db PATH --port N');

// The same pragmas Mainspring's SQLite adapter sets (src/db/dialects/sqlite.ts).
export const PRAGMAS = ['journal_mode = WAL', 'synchronous = FULL', 'busy_timeout = 10000', 'foreign_keys = OFF', 'temp_store = MEMORY', 'cache_size = -32000'];
const db = new Database(dbPath);
for (const p of PRAGMAS) db.pragma(p);

// Mainspring's secret box (src/core/secret-box.ts): AES-256-GCM, key = sha256('mainspring:secret-box:' + MS_SECRET).
const boxKey = createHash('sha256').update(`mainspring:secret-box:${process.env.MS_SECRET ?? ''}`).digest();
function openSecret(sealed) {
  if (!sealed.startsWith('enc:v1:')) return sealed;
  const raw = Buffer.from(sealed.slice(7), 'base64url');
  const d = createDecipheriv('aes-256-gcm', boxKey, raw.subarray(0, 12));
  d.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
function newId() {
  const b = randomBytes(15);
  let s = '';
  for (let i = 0; i < 15; i++) s += ALPHABET[b[i] % 36];
  return s;
}
const nowDate = () => new Date().toISOString().replace('T', ' ');
const OWNER_RULE = 'owner = @request.auth.id';

// Collections, read once: a compiled presenter per collection (hidden fields dropped, SQLite values
// turned into JSON types), and its prepared statements made on first use.
const collections = new Map();
for (const row of db.prepare('SELECT * FROM _collections').all()) {
  const fields = JSON.parse(row.fields);
  const options = JSON.parse(row.options);
  const c = {
    id: row.id, name: row.name, type: row.type, fields, viewRule: row.viewRule, listRule: row.listRule, createRule: row.createRule,
    fieldByName: new Map(fields.map((f) => [f.name, f])),
    tokenSecret: row.type === 'auth' ? openSecret(options.authToken.secret) : null,
    stmts: new Map(),
  };
  c.present = compilePresenter(c, false);
  c.presentOwn = compilePresenter(c, true);
  collections.set(c.name, c);
  collections.set(c.id, c);
}

function compilePresenter(c, showEmail) {
  const parts = [`collectionId: ${JSON.stringify(c.id)}`, `collectionName: ${JSON.stringify(c.name)}`];
  for (const f of c.fields) {
    const key = JSON.stringify(f.name);
    const v = `r[${key}]`;
    if (f.hidden || f.type === 'password') continue;
    if (f.type === 'email' && c.type === 'auth' && !showEmail) {
      parts.push(`...(r.emailVisibility ? { email: ${v} } : {})`);
      continue;
    }
    const multi = (f.type === 'relation' || f.type === 'select' || f.type === 'file') && f.maxSelect > 1;
    if (f.type === 'bool') parts.push(`${key}: ${v} === 1 || ${v} === true`);
    else if (f.type === 'number') parts.push(`${key}: Number(${v})`);
    else if (f.type === 'json' || multi) parts.push(`${key}: ${v} == null ? null : JSON.parse(${v})`);
    else parts.push(`${key}: ${v}`);
  }
  return new Function('r', `return { ${parts.join(', ')} };`);
}

function stmt(c, key, sql) {
  let s = c.stmts.get(key);
  if (!s) {
    s = db.prepare(sql);
    c.stmts.set(key, s);
  }
  return s;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
function send(res, status, body) {
  res.writeHead(status, JSON_HEADERS);
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}
const fail = (res, status, message, data = {}) => send(res, status, { status, message, data });

// HS256 JWT with node:crypto; the key is the record's tokenKey + the collection's token secret.
const b64url = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const JWT_HEADER = b64url({ alg: 'HS256', typ: 'JWT' });
function signToken(key, claims) {
  const body = `${JWT_HEADER}.${b64url(claims)}`;
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}
/** The auth record a token names, or null: signature, exp and collection checked on every request. */
function authenticate(header) {
  if (!header) return null;
  const token = header.startsWith('Bearer ') ? header.slice(7) : header;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  let claims;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
  } catch {
    return null;
  }
  if (claims.type !== 'auth' || typeof claims.id !== 'string' || !(claims.exp * 1000 > Date.now())) return null;
  const c = collections.get(claims.collectionId);
  if (!c || c.type !== 'auth') return null;
  const record = stmt(c, 'byId', `SELECT * FROM "${c.name}" WHERE id = ?`).get(claims.id);
  if (!record) return null;
  const expected = createHmac('sha256', record.tokenKey + c.tokenSecret).update(`${parts[0]}.${parts[1]}`).digest();
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return { collection: c, record };
}

function view(req, res, c, id) {
  let row;
  if (c.viewRule === '') {
    row = stmt(c, 'byId', `SELECT * FROM "${c.name}" WHERE id = ?`).get(id);
  } else if (c.viewRule === OWNER_RULE) {
    const auth = authenticate(req.headers.authorization);
    if (!auth) return fail(res, 404, "The requested resource wasn't found.");
    row = stmt(c, 'byIdOwner', `SELECT * FROM "${c.name}" WHERE id = ? AND owner = ?`).get(id, auth.record.id);
  } else {
    return fail(res, 403, 'Only superusers can perform this action.');
  }
  if (!row) return fail(res, 404, "The requested resource wasn't found.");
  send(res, 200, c.present(row));
}

const FILTER = /^\s*(\w+)\s*(>=|<=|!=|>|<|=)\s*(-?\d+(?:\.\d+)?)\s*$/;
const SORT = /^(-?)(\w+)$/;
function list(req, res, c, query) {
  if (c.listRule !== '') return fail(res, 403, 'Only superusers can perform this action.');
  const perPage = Math.min(Math.max(Number(query.get('perPage') ?? 30) || 30, 1), 1000);
  const page = Math.max(Number(query.get('page') ?? 1) || 1, 1);
  const filter = query.get('filter') ?? '';
  const sort = query.get('sort') ?? '';
  const skipTotal = ['1', 'true'].includes(query.get('skipTotal') ?? '');
  let where = '';
  let params = [];
  if (filter !== '') {
    const m = FILTER.exec(filter);
    if (!m || !c.fieldByName.has(m[1])) return fail(res, 400, 'Something went wrong while processing your request.');
    where = `WHERE "${m[1]}" ${m[2]} ?`;
    params = [Number(m[3])];
  }
  let order = 'ORDER BY _rowid_ ASC';
  if (sort !== '') {
    const m = SORT.exec(sort);
    if (!m || !c.fieldByName.has(m[2])) return fail(res, 400, 'Something went wrong while processing your request.');
    order = `ORDER BY "${m[2]}" ${m[1] ? 'DESC' : 'ASC'}`;
  }
  const key = `list:${where}:${order}`;
  const rows = stmt(c, key, `SELECT * FROM "${c.name}" ${where} ${order} LIMIT ? OFFSET ?`).all(...params, perPage, (page - 1) * perPage);
  let totalItems = -1;
  let totalPages = -1;
  if (!skipTotal) {
    totalItems = stmt(c, `count:${where}`, `SELECT COUNT(*) AS n FROM "${c.name}" ${where}`).get(...params).n;
    totalPages = Math.ceil(totalItems / perPage);
  }
  const items = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) items[i] = c.present(rows[i]);
  send(res, 200, { page, perPage, totalItems, totalPages, items });
}

function validate(c, body) {
  const values = {};
  const errors = {};
  for (const f of c.fields) {
    if (f.system || f.type === 'autodate') continue;
    const v = body[f.name];
    if (f.type === 'text') {
      const s = v === undefined || v === null ? '' : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
      if (s === null) { errors[f.name] = { code: 'validation_invalid_value', message: 'Invalid value.' }; continue; }
      const len = [...s].length;
      if (f.required && s === '') errors[f.name] = { code: 'validation_required', message: 'Cannot be blank.' };
      else if (s !== '' && f.min > 0 && len < f.min) errors[f.name] = { code: 'validation_length_out_of_range', message: `The length must be between ${f.min} and ${f.max}.` };
      else if (f.max > 0 && len > f.max) errors[f.name] = { code: 'validation_length_out_of_range', message: `The length must be between ${f.min} and ${f.max}.` };
      values[f.name] = s;
    } else if (f.type === 'number') {
      const n = v === undefined || v === null || v === '' ? 0 : Number(v);
      if (!Number.isFinite(n)) errors[f.name] = { code: 'validation_invalid_number', message: 'Invalid number.' };
      else if (f.onlyInt && !Number.isInteger(n)) errors[f.name] = { code: 'validation_not_an_integer', message: 'Must be an integer.' };
      else if (f.min !== null && f.min !== undefined && n < f.min) errors[f.name] = { code: 'validation_min_number_constraint', message: `Must be larger than ${f.min}.` };
      else if (f.max !== null && f.max !== undefined && n > f.max) errors[f.name] = { code: 'validation_max_number_constraint', message: `Must be less than ${f.max}.` };
      else if (f.required && n === 0) errors[f.name] = { code: 'validation_required', message: 'Cannot be blank.' };
      values[f.name] = n;
    } else if (f.type === 'bool') {
      values[f.name] = v === true || v === 'true' || v === 1 ? 1 : 0;
    } else {
      return { errors: { [f.name]: { code: 'validation_unsupported', message: 'Not supported by the reference.' } } };
    }
  }
  return { values, errors };
}

function create(res, c, body) {
  if (c.createRule !== '') return fail(res, 403, 'Only superusers can perform this action.');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return fail(res, 400, 'Failed to load the submitted data due to invalid formatting.');
  const { values, errors } = validate(c, body);
  if (Object.keys(errors).length) return fail(res, 400, 'Failed to create record.', errors);
  const date = nowDate();
  const row = { id: newId(), ...values };
  for (const f of c.fields) if (f.type === 'autodate') row[f.name] = date;
  const cols = Object.keys(row);
  stmt(c, 'insert', `INSERT INTO "${c.name}" (${cols.map((k) => `"${k}"`).join(', ')}) VALUES (${cols.map((k) => `@${k}`).join(', ')})`).run(row);
  send(res, 200, c.present(row));
}

async function authWithPassword(res, c, body) {
  if (c.type !== 'auth') return fail(res, 404, 'Missing or invalid auth collection context.');
  const identity = typeof body?.identity === 'string' ? body.identity : '';
  const password = typeof body?.password === 'string' ? body.password : '';
  if (identity === '' || password === '') return fail(res, 400, 'An error occurred while validating the submitted data.');
  const record = stmt(c, 'byEmail', `SELECT * FROM "${c.name}" WHERE email = ? COLLATE NOCASE LIMIT 1`).get(identity.slice(0, 255));
  const ok = record ? await argon2.verify(record.password, password).catch(() => false) : false;
  if (!ok) return fail(res, 400, 'Failed to authenticate.');
  const now = nowDate();
  const sid = newId();
  stmt(c, 'session', 'INSERT INTO _sessions (id, collectionId, recordId, userAgent, ip, refreshable, created, lastSeen, expires) VALUES (?, ?, ?, ?, ?, 1, ?, ?, \'\')')
    .run(sid, c.id, record.id, '', '127.0.0.1', now, now);
  const options = JSON.parse(db.prepare('SELECT options FROM _collections WHERE id = ?').pluck().get(c.id));
  const exp = Math.floor(Date.now() / 1000) + options.authToken.duration;
  const token = signToken(record.tokenKey + c.tokenSecret, { id: record.id, collectionId: c.id, type: 'auth', refreshable: true, sid, exp });
  send(res, 200, { token, record: c.presentOwn(record) });
}

const RECORDS = /^\/api\/collections\/([^/]+)\/records(?:\/([^/]+))?$/;
const AUTH_PASSWORD = /^\/api\/collections\/([^/]+)\/auth-with-password$/;

function readJson(req) {
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    req.on('data', (d) => { size += d.length; if (size <= 1 << 20) chunks.push(d); });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        resolve(undefined);
      }
    });
  });
}

const server = createServer(async (req, res) => {
  try {
    const q = req.url.indexOf('?');
    const path = q < 0 ? req.url : req.url.slice(0, q);
    if (path === '/api/health') return send(res, 200, '{"code":200,"message":"API is healthy.","data":{}}');
    let m = RECORDS.exec(path);
    if (m) {
      const c = collections.get(decodeURIComponent(m[1]));
      if (!c) return fail(res, 404, 'Missing collection context.');
      if (req.method === 'GET' && m[2]) return view(req, res, c, decodeURIComponent(m[2]));
      if (req.method === 'GET') return list(req, res, c, new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1)));
      if (req.method === 'POST' && !m[2]) return create(res, c, await readJson(req));
    }
    m = AUTH_PASSWORD.exec(path);
    if (m && req.method === 'POST') {
      const c = collections.get(decodeURIComponent(m[1]));
      if (!c) return fail(res, 404, 'Missing or invalid auth collection context.');
      return await authWithPassword(res, c, await readJson(req));
    }
    fail(res, 404, "The requested resource wasn't found.");
  } catch (err) {
    console.error(err);
    if (!res.headersSent) fail(res, 500, 'Something went wrong while processing your request.');
  }
});
server.keepAliveTimeout = 65_000;
server.listen(port, host);

const shutdown = () => {
  server.close(() => { db.close(); process.exit(0); });
  server.closeAllConnections();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
