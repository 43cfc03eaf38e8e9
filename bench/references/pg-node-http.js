// Reference subject, PostgreSQL twin of sqlite-node-http.js: the same work as Mainspring's records
// API, done directly and with nothing spared — bare node:http, a pg.Pool with named prepared
// statements, JSON.stringify — on the very database and schema Mainspring created. It answers the
// same JSON shapes for what the benchmark asks (and only that): GET one record (public or
// `owner = @request.auth.id` rules), list with a `field OP number` filter and `[-]field` sort (with
// or without the count), create with field validation, and auth-with-password (argon2id, a session
// row, an HS256 token).
//
// Mainspring's PostgreSQL column types (src/db/dialects/postgres.ts): text/id/json TEXT COLLATE "C",
// number DOUBLE PRECISION (pg gives JS numbers), bool BOOLEAN (pg gives JS booleans), and a hidden
// `_rowid_` identity column standing in for SQLite's rowid. `_collections` keeps fields and options
// as JSON text, and rules as text ('' = public, NULL = superusers only), as on SQLite.
//
//   node bench/references/pg-node-http.js --db-url postgres://... --port N   (MS_SECRET in the environment)
import { createHash, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import argon2 from 'argon2';
import pg from 'pg';

const arg = (name) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : undefined; };
const dbUrl = arg('db-url');
const port = Number(arg('port'));
const host = arg('host') ?? '127.0.0.1';
if (!dbUrl || !port) throw new Error('usage: --db-url postgres://... --port N');

// The same pool size Mainspring opens (src/db/dialects/postgres.ts), so both wait on the same
// number of server connections.
export const POOL_SIZE = 10;
const pool = new pg.Pool({ connectionString: dbUrl, max: POOL_SIZE });
// An idle client whose connection drops emits 'error' on the pool; the pool replaces it.
pool.on('error', () => undefined);

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

// Named prepared statements: pg parses each once per connection and then only binds and executes.
// Names are short and generated (s1, s2, ...) so that no key ever passes PostgreSQL's 63-byte limit.
let statementCount = 0;
function stmt(c, key, text) {
  let s = c.stmts.get(key);
  if (!s) {
    s = { name: `s${++statementCount}`, text };
    c.stmts.set(key, s);
  }
  return s;
}
async function rows(s, values) {
  return (await pool.query({ name: s.name, text: s.text, values })).rows;
}
async function one(s, values) {
  return (await pool.query({ name: s.name, text: s.text, values })).rows[0];
}

// Collections, read once: a compiled presenter per collection (hidden fields dropped, PostgreSQL
// values turned into JSON types), and its prepared statements made on first use.
const collections = new Map();
const system = { stmts: new Map() };
for (const row of (await pool.query('SELECT * FROM _collections')).rows) {
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
    // BOOLEAN arrives as a JS boolean; DOUBLE PRECISION as a JS number (Number() costs nothing then,
    // and keeps the output right should a column ever come back as text); json stays TEXT.
    if (f.type === 'bool') parts.push(`${key}: ${v} === true`);
    else if (f.type === 'number') parts.push(`${key}: typeof ${v} === 'number' ? ${v} : Number(${v} ?? 0)`);
    else if (f.type === 'json' || multi) parts.push(`${key}: ${v} == null ? null : JSON.parse(${v})`);
    else parts.push(`${key}: ${v}`);
  }
  return new Function('r', `return { ${parts.join(', ')} };`);
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
async function authenticate(header) {
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
  const record = await one(stmt(c, 'byId', `SELECT * FROM "${c.name}" WHERE id = $1`), [claims.id]);
  if (!record) return null;
  const expected = createHmac('sha256', record.tokenKey + c.tokenSecret).update(`${parts[0]}.${parts[1]}`).digest();
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return { collection: c, record };
}

async function view(req, res, c, id) {
  let row;
  if (c.viewRule === '') {
    row = await one(stmt(c, 'byId', `SELECT * FROM "${c.name}" WHERE id = $1`), [id]);
  } else if (c.viewRule === OWNER_RULE) {
    const auth = await authenticate(req.headers.authorization);
    if (!auth) return fail(res, 404, "The requested resource wasn't found.");
    row = await one(stmt(c, 'byIdOwner', `SELECT * FROM "${c.name}" WHERE id = $1 AND owner = $2`), [id, auth.record.id]);
  } else {
    return fail(res, 403, 'Only superusers can perform this action.');
  }
  if (!row) return fail(res, 404, "The requested resource wasn't found.");
  send(res, 200, c.present(row));
}

const FILTER = /^\s*(\w+)\s*(>=|<=|!=|>|<|=)\s*(-?\d+(?:\.\d+)?)\s*$/;
const SORT = /^(-?)(\w+)$/;
async function list(req, res, c, query) {
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
    // Mainspring binds a number literal as CAST($n AS DOUBLE PRECISION) (param() in its postgres
    // adapter); the same text here gives PostgreSQL the same plan to choose.
    where = `WHERE "${m[1]}" ${m[2]} CAST($1 AS DOUBLE PRECISION)`;
    params = [Number(m[3])];
  }
  // No sort: insertion order, which the hidden `_rowid_` identity column keeps on PostgreSQL.
  let order = 'ORDER BY "_rowid_" ASC';
  if (sort !== '') {
    const m = SORT.exec(sort);
    if (!m || !c.fieldByName.has(m[2])) return fail(res, 400, 'Something went wrong while processing your request.');
    order = `ORDER BY "${m[2]}" ${m[1] ? 'DESC' : 'ASC'}`;
  }
  // LIMIT and OFFSET as literals, as Mainspring writes them: the plan sees the real row budget. Each
  // (perPage, page) pair is its own prepared statement; the benchmark asks for one or two.
  const offset = (page - 1) * perPage;
  const page$ = rows(stmt(c, `list:${where}:${order}:${perPage}:${offset}`, `SELECT * FROM "${c.name}" ${where} ${order} LIMIT ${perPage} OFFSET ${offset}`), params);
  // The page and its count run side by side on two pool connections, as Mainspring runs them.
  const count$ = skipTotal ? null : one(stmt(c, `count:${where}`, `SELECT COUNT(*) AS n FROM "${c.name}" ${where}`), params);
  const [found, counted] = await Promise.all([page$, count$]);
  // COUNT(*) is BIGINT, which pg hands over as a string.
  const totalItems = counted ? Number(counted.n) : -1;
  const totalPages = counted ? Math.ceil(totalItems / perPage) : -1;
  const items = new Array(found.length);
  for (let i = 0; i < found.length; i++) items[i] = c.present(found[i]);
  send(res, 200, { page, perPage, totalItems, totalPages, items });
}

// Field validation as Mainspring does it (src/collections/fields/values.ts): coerce the input where
// nothing is lost, then a blank value is only checked for `required`, then the field's limits.
const fieldError = (code, message, params) => (params ? { code, message, params } : { code, message });
const CANONICAL_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
const NOT_A_NUMBER = fieldError('validation_not_a_number', 'The submitted number is not properly formatted.');

/** Client input as the field's value type, or { error }. */
function prepare(f, v) {
  if (f.type === 'text') {
    if (v === undefined || v === null) return { value: '' };
    if (typeof v === 'string') return { value: v };
    if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') return { value: String(v) };
    return { error: fieldError('validation_invalid_value', 'Must be a string.') };
  }
  if (f.type === 'number') {
    if (v === undefined || v === null || v === '') return { value: 0 };
    if (typeof v === 'number') return Number.isFinite(v) ? { value: v } : { error: NOT_A_NUMBER };
    const n = typeof v === 'string' && CANONICAL_NUMBER.test(v.trim()) ? Number(v.trim()) : NaN;
    return Number.isFinite(n) ? { value: n } : { error: NOT_A_NUMBER };
  }
  // bool: a real BOOLEAN column, true/false, where SQLite takes 1/0.
  if (v === undefined || v === null || v === '') return { value: false };
  if (typeof v === 'boolean') return { value: v };
  if (v === 1 || v === '1' || v === 'true') return { value: true };
  if (v === 0 || v === '0' || v === 'false') return { value: false };
  return { error: fieldError('validation_invalid_value', 'Must be a boolean.') };
}

/** The field error for a prepared value, or null. */
function check(f, v) {
  if (v === '' || v === 0 || v === false) return f.required ? fieldError('validation_required', 'Cannot be blank.') : null;
  if (f.type === 'text') {
    const len = [...v].length;
    const max = f.max > 0 ? f.max : 5000;
    if (f.min > 0 && len < f.min) return fieldError('validation_min_text_constraint', `Must be at least ${f.min} character(s).`, { min: f.min });
    if (len > max) return fieldError('validation_max_text_constraint', `Must be no more than ${max} character(s).`, { max });
    if (f.pattern && !new RegExp(f.pattern, 'u').test(v)) return fieldError('validation_invalid_format', 'Invalid value format.');
  } else if (f.type === 'number') {
    if (f.onlyInt && !Number.isInteger(v)) return fieldError('validation_only_int_constraint', 'Decimal numbers are not allowed.');
    if (f.min !== null && f.min !== undefined && v < f.min) return fieldError('validation_min_number_constraint', `Must be greater or equal than ${f.min}.`, { min: f.min });
    if (f.max !== null && f.max !== undefined && v > f.max) return fieldError('validation_max_number_constraint', `Must be less or equal than ${f.max}.`, { max: f.max });
  }
  return null;
}

function validate(c, body) {
  const values = {};
  const errors = {};
  for (const f of c.fields) {
    if (f.system || f.type === 'autodate') continue;
    if (f.type !== 'text' && f.type !== 'number' && f.type !== 'bool') {
      return { errors: { [f.name]: { code: 'validation_unsupported', message: 'Not supported by the reference.' } } };
    }
    const { value, error } = prepare(f, body[f.name]);
    const bad = error ?? check(f, value);
    if (bad) errors[f.name] = bad;
    values[f.name] = value;
  }
  return { values, errors };
}

async function create(res, c, body) {
  if (c.createRule !== '') return fail(res, 403, 'Only superusers can perform this action.');
  // Unparsable JSON (undefined here) and well-formed JSON that is no object fail differently in
  // Mainspring: the first at the body parser, the second at the route's body schema.
  if (body === undefined) return fail(res, 400, 'Failed to load the submitted data due to invalid formatting.');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return fail(res, 400, 'Something went wrong while processing your request.', { body: fieldError('validation_invalid_value', 'Invalid value.') });
  }
  const { values, errors } = validate(c, body);
  if (Object.keys(errors).length) return fail(res, 400, 'Failed to create record.', errors);
  const date = nowDate();
  const row = { id: newId(), ...values };
  for (const f of c.fields) if (f.type === 'autodate') row[f.name] = date;
  const cols = Object.keys(row);
  // The column list is the same on every create of a collection (every non-system field is set).
  const s = stmt(c, `insert:${cols.join(',')}`, `INSERT INTO "${c.name}" (${cols.map((k) => `"${k}"`).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`);
  await rows(s, cols.map((k) => row[k]));
  send(res, 200, c.present(row));
}

async function authWithPassword(res, c, body) {
  if (c.type !== 'auth') return fail(res, 404, 'Missing or invalid auth collection context.');
  const identity = typeof body?.identity === 'string' ? body.identity : '';
  const password = typeof body?.password === 'string' ? body.password : '';
  if (identity === '' || password === '') {
    const errors = {};
    if (identity === '') errors.identity = fieldError('validation_required', 'Cannot be blank.');
    if (password === '') errors.password = fieldError('validation_required', 'Cannot be blank.');
    return fail(res, 400, 'An error occurred while validating the submitted data.', errors);
  }
  // Case-insensitive email match the way Mainspring does it on PostgreSQL: lower(column) = lowered value.
  const record = await one(stmt(c, 'byEmail', `SELECT * FROM "${c.name}" WHERE lower("email") = $1 LIMIT 1`), [identity.slice(0, 255).toLowerCase()]);
  const ok = record ? await argon2.verify(record.password, password).catch(() => false) : false;
  if (!ok) return fail(res, 400, 'Failed to authenticate.');
  const now = nowDate();
  const sid = newId();
  await rows(stmt(system, 'session', 'INSERT INTO _sessions (id, "collectionId", "recordId", "userAgent", ip, refreshable, created, "lastSeen", expires) VALUES ($1, $2, $3, $4, $5, TRUE, $6, $7, \'\')'),
    [sid, c.id, record.id, '', '127.0.0.1', now, now]);
  const options = JSON.parse((await one(stmt(system, 'options', 'SELECT options FROM _collections WHERE id = $1'), [c.id])).options);
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
      // An empty body is an empty record to Mainspring, not a formatting error.
      if (size === 0) return resolve({});
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
      if (req.method === 'GET' && m[2]) return await view(req, res, c, decodeURIComponent(m[2]));
      if (req.method === 'GET') return await list(req, res, c, new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1)));
      if (req.method === 'POST' && !m[2]) return await create(res, c, await readJson(req));
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
  server.close(() => { pool.end().finally(() => process.exit(0)); });
  server.closeAllConnections();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
