// Benchmark harness (issue 5): Mainspring against a bare node:http + better-sqlite3 reference on the
// same SQLite file, as ratios, in one run. `npm run bench` (quick), `-- --full`, `-- --smoke` (CI).
// Subjects run as their own processes on free loopback ports; wrk loads them in turn (A B A B).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import argon2 from 'argon2';
import Database from 'better-sqlite3';
import { seed, USER_PASSWORD } from './lib/seed.js';
import { startPostgres } from './lib/postgres.js';
import { startSubject } from './lib/subject.js';
import { runWrk, writeScript, WRK } from './lib/wrk.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const outIndex = process.argv.indexOf('--out');
// --out FILE: where to write the JSON (the smoke test uses a temporary file); default bench/results/latest.json.
const RESULTS = outIndex > 0 && process.argv[outIndex + 1] ? process.argv[outIndex + 1] : join(ROOT, 'bench', 'results', 'latest.json');
const REFERENCE = join(ROOT, 'bench', 'references', 'sqlite-node-http.js');
const PG_REFERENCE = join(ROOT, 'bench', 'references', 'pg-node-http.js');
const REFERENCE_PRAGMAS = ['journal_mode = WAL', 'synchronous = FULL', 'busy_timeout = 10000', 'foreign_keys = OFF', 'temp_store = MEMORY', 'cache_size = -32000'];

const argv = new Set(process.argv.slice(2));
const mode = argv.has('--smoke') ? 'smoke' : argv.has('--full') ? 'full' : 'quick';
const MODES = {
  // seconds: measured time per run; warmup: before the first run of each subject in a scenario.
  smoke: { seconds: 1, warmup: 0, repeats: 1, settleSeconds: 0, connections: 16, sizes: { items: 1000, posts: 1000, notes: 100 }, fillers: false, scenarios: [1] },
  quick: { seconds: 3, warmup: 1, repeats: 2, settleSeconds: 10, connections: 32, sizes: { items: 10_000, posts: 100_000, notes: 10_000 }, fillers: true, scenarios: [1, 2, 3, 4, 5, 6, 7] },
  full: { seconds: 5, warmup: 2, repeats: 3, settleSeconds: 10, connections: 32, sizes: { items: 10_000, posts: 100_000, notes: 10_000 }, fillers: true, scenarios: [1, 2, 3, 4, 5, 6, 7] },
};
const cfg = MODES[mode];
// --scenarios 1,4: run only those (for profiling one path); the default is every scenario of the mode.
const onlyIndex = process.argv.indexOf('--scenarios');
if (onlyIndex > 0) {
  const wanted = String(process.argv[onlyIndex + 1] ?? '').split(',').map(Number).filter((n) => n >= 1 && n <= 7);
  if (!wanted.length) throw new Error('--scenarios takes a comma-separated list of 1..7');
  cfg.scenarios = wanted;
}
const SIGN_IN_CONNECTIONS = 8;

// --peers: Parse Server 9 beside Mainspring on one throwaway PostgreSQL (scenarios 1, 2 and 5).
const PEER_SCENARIOS = [1, 2, 5];
const PEER_TARGETS = { 1: 8, 2: 6 };

const log = (msg) => console.error(`[bench] ${msg}`);
const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};

function checkBuild() {
  if (!existsSync(join(ROOT, 'dist', 'app.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const built = statSync(join(ROOT, 'dist', 'app.js')).mtimeMs;
  const stale = (dir) => readdirSync(dir, { withFileTypes: true }).some((e) =>
    e.isDirectory() ? stale(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && statSync(join(dir, e.name)).mtimeMs > built);
  if (stale(join(ROOT, 'src'))) log('warning: src/ is newer than dist/ — `npm run build` to bench the current code');
}

function checkWrk() {
  try {
    execFileSync(WRK, ['--version'], { stdio: 'ignore' });
  } catch (err) {
    // wrk --version exits 1 after printing its banner; only a missing binary is fatal.
    if (err.code === 'ENOENT') throw new Error(`${WRK} not found: install Debian's wrk (apt-get install wrk) or set WRK_BIN`);
  }
}

function machine() {
  const c = cpus();
  let wrk = 'unknown';
  try {
    wrk = execFileSync(WRK, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0].trim();
  } catch (err) {
    wrk = String(err.stdout ?? '').split('\n')[0].trim() || 'unknown';
  }
  return { cores: c.length, cpuModel: c[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30 * 10) / 10, node: process.version, platform: `${process.platform} ${process.arch}`, loadGenerator: wrk };
}

/** The scenarios: what to send, and the issue's target for the Mainspring/reference ratio. */
function scenarioDefs(data) {
  const ids = data.itemIds.slice(0, 1000);
  const own = data.ownNoteIds.slice(0, 1000);
  const token = data.users[0].token;
  const listPath = '/api/collections/posts/records?filter=views%3E500&sort=-views&perPage=20';
  return {
    1: { name: 'GET by id (public rule, 10k rows)', target: 0.6, script: { paths: ids.map((id) => `/api/collections/items/records/${id}`) } },
    2: { name: 'list 20, filter+sort on index (100k rows, skipTotal)', target: 0.6, script: { paths: [`${listPath}&skipTotal=1`] } },
    3: { name: 'list 20 with count (100k rows)', target: null, script: { paths: [listPath] } },
    4: { name: 'GET by id, owner rule, signed in', target: 0.55, script: { headers: { Authorization: token }, paths: own.map((id) => `/api/collections/notes/records/${id}`) } },
    5: { name: 'create with validation', target: 0.5, script: { method: 'POST', path: '/api/collections/writes/records', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ title: 'A benchmark write', views: 123 }) } },
    6: { name: 'auth-with-password (argon2id)', target: null, connections: SIGN_IN_CONNECTIONS, script: { method: 'POST', path: '/api/collections/users/auth-with-password', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ identity: data.users[1].email, password: USER_PASSWORD }) } },
  };
}

/** Same request to both subjects; the JSON must match except for values that are new on every call. */
async function parity(subjects, data) {
  const volatile = new Set(['id', 'created', 'updated', 'token']);
  const scrub = (v) => {
    if (Array.isArray(v)) return v.map(scrub);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, volatile.has(k) ? typeof x : scrub(x)]));
    return v;
  };
  const auth = { authorization: data.users[0].token };
  const json = { 'content-type': 'application/json' };
  const checks = [
    { scenario: 1, path: `/api/collections/items/records/${data.itemIds[0]}` },
    { scenario: 2, path: '/api/collections/posts/records?filter=views%3E500&sort=-views&perPage=20&skipTotal=1' },
    { scenario: 3, path: '/api/collections/posts/records?filter=views%3E500&sort=-views&perPage=20' },
    { scenario: 4, path: `/api/collections/notes/records/${data.ownNoteIds[0]}`, headers: auth },
    { scenario: 4, path: `/api/collections/notes/records/${data.ownNoteIds[0]}`, note: 'guest gets 404' },
    { scenario: 5, path: '/api/collections/writes/records', method: 'POST', headers: json, body: { title: 'A benchmark write', views: 123 }, volatile: true },
    { scenario: 5, path: '/api/collections/writes/records', method: 'POST', headers: json, body: { title: '', views: -1 }, note: 'invalid body is refused' },
    { scenario: 6, path: '/api/collections/users/auth-with-password', method: 'POST', headers: json, body: { identity: data.users[1].email, password: USER_PASSWORD }, volatile: true },
  ];
  const out = [];
  for (const c of checks) {
    const replies = [];
    for (const s of subjects) {
      const res = await fetch(s.baseUrl + c.path, { method: c.method ?? 'GET', headers: c.headers, body: c.body && JSON.stringify(c.body) });
      const body = await res.json().catch(() => null);
      replies.push({ status: res.status, body: c.volatile || c.scenario === 2 || c.scenario === 3 ? scrubIds(body) : body });
    }
    // Error bodies: status and field codes must match; messages may differ.
    const shape = (r) => (r.status >= 400 ? { status: r.status, fields: Object.keys(r.body?.data ?? {}).sort() } : r);
    const [a, b] = replies.map(shape);
    const same = isDeepStrictEqual(a, b);
    out.push({ scenario: c.scenario, path: c.path, note: c.note, same, ...(same ? {} : { mainspring: replies[0], reference: replies[1] }) });
  }
  function scrubIds(body) {
    // Lists: ids equal row for row, so only create/sign-in replies are scrubbed of new values.
    return body && (body.items ? body : scrub(body));
  }
  return out;
}

async function measureHashes(seconds) {
  const options = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 };
  const hash = await argon2.hash('hash-rate-probe', options);
  let done = 0;
  const until = performance.now() + seconds * 1000;
  const worker = async () => { while (performance.now() < until) { await argon2.verify(hash, 'hash-rate-probe'); done++; } };
  const started = performance.now();
  await Promise.all(Array.from({ length: 4 }, worker)); // libuv's default pool: 4 threads
  return Math.round(done / ((performance.now() - started) / 1000));
}

function fmt(n, digits = 0) {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** The results as a text table; `ratioLabel` names the ratio column. Peer targets are multiples (×8). */
function table(scenarios, ratioLabel = 'ratio') {
  const rows = [['scenario', 'subject', 'req/s', 'p50 ms', 'p99 ms', ratioLabel, 'target', 'RSS MB', 'notes']];
  for (const s of scenarios) {
    const first = Object.keys(s.subjects)[0];
    for (const [key, sub] of Object.entries(s.subjects)) {
      const isFirst = key === first;
      const wanted = s.target === null ? '' : s.target >= 2 ? `≥×${s.target}` : `≥${s.target.toFixed(2)}`;
      const target = s.targets ? `RSS≤${s.targets.rssMb} ${s.targets.rssMet ? 'met' : 'MISSED'}`
        : s.target === null ? '' : `${wanted} ${s.ratio !== null && s.ratio >= s.target ? 'met' : 'MISSED'}`;
      rows.push([
        isFirst ? `${s.id} ${s.name}` : '', key,
        fmt(sub.reqPerSec), fmt(sub.p50Ms, 2), fmt(sub.p99Ms, 2),
        isFirst ? fmt(s.ratio, 2) : '', isFirst ? target : '', fmt(sub.rssMb, 1), sub.notes ?? '',
      ]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i >= 2 && i <= 7 ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ').trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** Loads each scenario on `subjects` in turn (A B A B …); the first subject is Mainspring, ratios are against the second. */
async function measureLoad({ subjects, scenarios, defs, scriptFor, tag }) {
  const entries = [];
  for (const n of scenarios) {
    const def = defs[n];
    const connections = def.connections ?? cfg.connections;
    const runs = Object.fromEntries(subjects.map((s) => [s.name, []]));
    for (let r = 0; r < cfg.repeats; r++) {
      for (const s of subjects) {
        const script = scriptFor(n, s);
        const url = s.baseUrl + (script.def.path ?? '/');
        if (r === 0 && cfg.warmup > 0) await runWrk({ url, seconds: cfg.warmup, connections, script: script.file });
        const w = await runWrk({ url, seconds: cfg.seconds, connections, script: script.file });
        runs[s.name].push({ ...w, rssMb: s.rss() });
        log(`${tag} scenario ${n} run ${r + 1}/${cfg.repeats} ${s.name}: ${fmt(w.reqPerSec)} req/s p50 ${fmt(w.p50Ms, 2)} ms p99 ${fmt(w.p99Ms, 2)} ms${w.non2xx ? ` (${w.non2xx} non-2xx!)` : ''}`);
      }
    }
    const [a, b] = subjects.map((s) => runs[s.name]);
    const ratios = a.map((m, i) => (b[i].reqPerSec ? m.reqPerSec / b[i].reqPerSec : null));
    const summary = (rs) => {
      const errors = rs.reduce((acc, x) => acc + x.non2xx + x.socketErrors, 0);
      return {
        reqPerSec: median(rs.map((x) => x.reqPerSec)), p50Ms: median(rs.map((x) => x.p50Ms)), p99Ms: median(rs.map((x) => x.p99Ms)),
        rssMb: median(rs.map((x) => x.rssMb)), errors, runs: rs, notes: errors ? `${errors} errors/non-2xx` : '',
      };
    };
    const entry = { id: n, name: def.name, target: def.target, connections, ratio: median(ratios), ratios, subjects: Object.fromEntries(subjects.map((s) => [s.name, summary(runs[s.name])])) };
    const first = entry.subjects[subjects[0].name];
    if (n === 6) {
      entry.hashesPerSec = await measureHashes(Math.min(cfg.seconds, 3));
      first.notes = [first.notes, `argon2id verify ${entry.hashesPerSec}/s in-process (4 threads); rate limits off`].filter(Boolean).join('; ');
    }
    const s1 = n === 4 ? entries.find((x) => x.id === 1) : null;
    if (s1?.subjects[subjects[0].name]?.reqPerSec) {
      entry.authOverhead = 1 - first.reqPerSec / s1.subjects[subjects[0].name].reqPerSec;
      first.notes = [first.notes, `auth costs ${fmt(entry.authOverhead * 100)}% of scenario 1's req/s (target ≤10%)`].filter(Boolean).join('; ');
    }
    entries.push(entry);
  }
  return entries;
}

/**
 * Scenario 7: idle RSS once the process has settled (V8 keeps the young generation that start-up
 * grew until its memory reducer runs, about 8 s without allocation, so RSS one second after start
 * overstates what an idle server holds; both are reported, the target is on the settled one).
 * Subjects start one after the other (start-to-healthy is timed alone), then idle together.
 */
async function measureIdle(defs, running, tag) {
  const keys = Object.keys(defs);
  const runs = Object.fromEntries(keys.map((k) => [k, []]));
  for (let r = 0; r < cfg.repeats; r++) {
    const started = [];
    for (const key of keys) {
      const s = await startSubject(defs[key]);
      running.push(s);
      await new Promise((res) => setTimeout(res, 1000));
      started.push({ key, s, startMs: s.startMs, earlyRssMb: s.rss() });
    }
    await new Promise((res) => setTimeout(res, cfg.settleSeconds * 1000));
    for (const { key, s, startMs, earlyRssMb } of started) {
      runs[key].push({ startMs, earlyRssMb, rssMb: s.rss() });
      await s.stop();
      running.splice(running.indexOf(s), 1);
      log(`${tag} scenario 7 run ${r + 1}/${cfg.repeats} ${key}: start-to-healthy ${fmt(startMs)} ms, RSS ${fmt(earlyRssMb, 1)} MB after 1 s, ${fmt(runs[key].at(-1).rssMb, 1)} MB after ${cfg.settleSeconds + 1} s`);
    }
  }
  const summary = (rs) => {
    const startMs = median(rs.map((x) => x.startMs));
    const earlyRssMb = median(rs.map((x) => x.earlyRssMb));
    return { reqPerSec: null, p50Ms: null, p99Ms: null, rssMb: median(rs.map((x) => x.rssMb)), earlyRssMb, startMs, runs: rs, notes: `start-to-healthy ${fmt(startMs)} ms; RSS ${fmt(earlyRssMb, 1)} MB 1 s after start` };
  };
  const [mKey, refKey] = keys;
  const m = summary(runs[mKey]);
  const ref = summary(runs[refKey]);
  m.notes = `start-to-healthy ${fmt(m.startMs)} ms (target ≤500 ${m.startMs <= 500 ? 'met' : 'MISSED'}); RSS ${fmt(m.earlyRssMb, 1)} MB 1 s after start`;
  return {
    id: 7, name: `idle, 50 collections (RSS after ${cfg.settleSeconds + 1} s; ratio = RSS)`, target: null,
    ratio: m.rssMb && ref.rssMb ? m.rssMb / ref.rssMb : null, startRatio: m.startMs / ref.startMs,
    targets: { rssMb: 90, startMs: 500, rssMet: m.rssMb <= 90, startMet: m.startMs <= 500 },
    subjects: { [mKey]: m, [refKey]: ref },
  };
}

/** One engine's run: seed, parity, scenarios 1–6 under load, then scenario 7. */
async function runEngine({ engine, dir, secret, dbUrl, running }) {
  const tag = `[${engine}]`;
  const ms = { name: 'mainspring', cwd: ROOT, env: { MS_SECRET: secret, ...(dbUrl ? { MS_DB_URL: dbUrl } : {}) }, args: (port) => ['bin/mainspring.js', 'serve', '--http', `127.0.0.1:${port}`, '--dir', dir] };
  const ref = engine === 'sqlite'
    ? { name: 'reference', cwd: ROOT, env: { MS_SECRET: secret }, args: (port) => [REFERENCE, '--db', join(dir, 'data.db'), '--port', String(port)] }
    : { name: 'reference', cwd: ROOT, env: { MS_SECRET: secret }, args: (port) => [PG_REFERENCE, '--db-url', dbUrl, '--port', String(port)] };
  log(`${tag} seeding`);
  const data = await seed({ cwd: ROOT, dir, secret, sizes: cfg.sizes, fillers: cfg.fillers, log, dbUrl });
  const out = { engine, data, parity: [], scenarios: [] };
  const load = cfg.scenarios.filter((n) => n <= 6);
  if (load.length) {
    const subjects = [await startSubject(ms), await startSubject(ref)];
    running.push(...subjects);
    out.parity = (await parity(subjects, data)).filter((p) => load.includes(p.scenario));
    for (const p of out.parity) if (!p.same) log(`${tag} parity MISMATCH scenario ${p.scenario} ${p.path}: ${JSON.stringify({ mainspring: p.mainspring, reference: p.reference }).slice(0, 600)}`);
    const defs = scenarioDefs(data);
    const scriptsDir = mkdtempSync(join(tmpdir(), 'mainspring-bench-wrk-'));
    const scripts = Object.fromEntries(load.map((n) => [n, { def: defs[n].script, file: writeScript(scriptsDir, `s${n}`, defs[n].script) }]));
    out.scenarios = await measureLoad({ subjects, scenarios: load, defs, scriptFor: (n) => scripts[n], tag });
    for (const s of subjects) {
      await s.stop();
      running.splice(running.indexOf(s), 1);
    }
    rmSync(scriptsDir, { recursive: true, force: true });
  }
  if (cfg.scenarios.includes(7)) out.scenarios.push(await measureIdle({ mainspring: ms, reference: ref }, running, tag));
  return out;
}

/** `--peers`: Mainspring and Parse Server on one throwaway PostgreSQL, same data, scenarios 1, 2 and 5. */
async function runPeers({ postgres, secret, running, sqliteEntries }) {
  const { installParse, parseSubject, seedParse, parseScripts } = await import('./lib/parse-peer.js');
  await installParse({ root: ROOT, log });
  const msUrl = await postgres.createDatabase('mainspring_peers');
  const parseUrl = await postgres.createDatabase('parse_peers');
  const dir = mkdtempSync(join(tmpdir(), 'mainspring-bench-peers-'));
  try {
    log('[peers] seeding Mainspring on PostgreSQL');
    const data = await seed({ cwd: ROOT, dir, secret, sizes: cfg.sizes, fillers: false, log, dbUrl: msUrl });
    const ms = await startSubject({ name: 'mainspring', cwd: ROOT, env: { MS_SECRET: secret, MS_DB_URL: msUrl }, args: (port) => ['bin/mainspring.js', 'serve', '--http', `127.0.0.1:${port}`, '--dir', dir] });
    running.push(ms);
    const parse = await startSubject(parseSubject({ root: ROOT, databaseUrl: parseUrl }));
    running.push(parse);
    log('[peers] seeding Parse Server');
    const parseData = await seedParse({ baseUrl: parse.baseUrl, databaseUrl: parseUrl, sizes: cfg.sizes, log });
    const scriptsDir = mkdtempSync(join(tmpdir(), 'mainspring-bench-wrk-'));
    const defs = scenarioDefs(data);
    const parseDefs = parseScripts(parseData);
    const scripts = {};
    for (const n of PEER_SCENARIOS) {
      scripts[`mainspring${n}`] = { def: defs[n].script, file: writeScript(scriptsDir, `ms${n}`, defs[n].script) };
      scripts[`parse${n}`] = { def: parseDefs[n], file: writeScript(scriptsDir, `parse${n}`, parseDefs[n]) };
    }
    const peerDefs = Object.fromEntries(PEER_SCENARIOS.map((n) => [n, { ...defs[n], target: PEER_TARGETS[n] ?? null }]));
    const entries = await measureLoad({ subjects: [ms, parse], scenarios: PEER_SCENARIOS, defs: peerDefs, scriptFor: (n, s) => scripts[`${s.name}${n}`], tag: '[peers]' });
    for (const e of entries) {
      // Mainspring on SQLite from the main run of this same invocation, beside the PostgreSQL figures.
      const onSqlite = sqliteEntries.find((x) => x.id === e.id)?.subjects.mainspring;
      if (onSqlite) e.subjects['mainspring (SQLite)'] = { ...onSqlite, notes: `×${fmt(onSqlite.reqPerSec / e.subjects.parse.reqPerSec, 1)} Parse` };
    }
    for (const s of [ms, parse]) {
      await s.stop();
      running.splice(running.indexOf(s), 1);
    }
    rmSync(scriptsDir, { recursive: true, force: true });
    return entries;
  } finally {
    if (!argv.has('--keep')) rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const startedAt = Date.now();
  checkBuild();
  checkWrk();
  const dir = mkdtempSync(join(tmpdir(), 'mainspring-bench-'));
  const secret = randomBytes(48).toString('base64url');
  // With --keep, the folder can be served again by hand: `MS_SECRET=$(cat DIR/MS_SECRET) … serve --dir DIR`.
  if (argv.has('--keep')) writeFileSync(join(dir, 'MS_SECRET'), secret);
  const withPostgres = mode === 'full';
  const results = {
    version: 2, mode, startedAt: new Date(startedAt).toISOString(), machine: machine(),
    config: { seconds: cfg.seconds, warmupSeconds: cfg.warmup, repeats: cfg.repeats, connections: cfg.connections, signInConnections: SIGN_IN_CONNECTIONS, sizes: cfg.sizes, order: 'interleaved A B A B' },
    reference: { subject: 'bench/references/sqlite-node-http.js', engine: 'sqlite (better-sqlite3)', pragmas: REFERENCE_PRAGMAS, schema: {} },
    rateLimits: 'off: the seed turns Mainspring\'s limits off in /api/settings (rateLimits.enabled = false), so sign-in from one IP runs unthrottled',
    parity: [], scenarios: [], postgres: null, peers: null, durationMs: 0,
  };
  const running = [];
  let postgres = null;
  try {
    log(`mode ${mode}${argv.has('--peers') ? ' + peers' : ''}; data in ${dir}`);
    const sqlite = await runEngine({ engine: 'sqlite', dir, secret, running });
    results.reference.schema = readSchema(join(dir, 'data.db'));
    results.parity = sqlite.parity;
    results.scenarios = sqlite.scenarios;

    if (withPostgres || argv.has('--peers')) postgres = await startPostgres({ log });
    if (withPostgres) {
      const pgDir = mkdtempSync(join(tmpdir(), 'mainspring-bench-pgdata-'));
      try {
        const run = await runEngine({ engine: 'postgres', dir: pgDir, secret, dbUrl: await postgres.createDatabase('mainspring'), running });
        results.postgres = { reference: 'bench/references/pg-node-http.js', parity: run.parity, scenarios: run.scenarios };
      } finally {
        rmSync(pgDir, { recursive: true, force: true });
      }
    }
    if (argv.has('--peers')) {
      results.peers = { subjects: 'Mainspring and Parse Server 9 on one PostgreSQL; Mainspring on SQLite beside', scenarios: await runPeers({ postgres, secret, running, sqliteEntries: results.scenarios }) };
    }
  } finally {
    for (const s of running) await s.stop().catch(() => {});
    postgres?.stop();
    if (!argv.has('--keep')) rmSync(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  }

  results.durationMs = Date.now() - startedAt;
  const m = results.machine;
  const allParity = [...results.parity, ...(results.postgres?.parity ?? [])];
  const header = [
    `Mainspring benchmark (${mode}${results.peers ? ' + peers' : ''}) — ${results.startedAt}`,
    `machine: ${m.cores} cores, ${m.cpuModel}, ${m.memoryGb} GB; Node ${m.node}; ${m.platform}; load: ${m.loadGenerator}, ${cfg.connections} connections (sign-in ${SIGN_IN_CONNECTIONS}), ${cfg.seconds}s × ${cfg.repeats} per subject, warm-up ${cfg.warmup}s, interleaved A B A B; ratio = median over repeats of Mainspring/reference`,
    `reference: bare node:http + better-sqlite3 prepared statements + JSON.stringify on Mainspring's own SQLite file and schema; pragmas ${REFERENCE_PRAGMAS.join(', ')}`,
    ...(results.postgres ? ['PostgreSQL runs: a throwaway PostgreSQL 15 (fsync on); reference: bare node:http + pg named prepared statements + JSON.stringify on Mainspring\'s own tables'] : []),
    `tables: ${Object.entries(results.reference.schema).filter(([t]) => ['items', 'posts', 'notes', 'writes'].includes(t)).map(([, sql]) => sql.join('; ')).join(' | ')}`,
    `rate limits: off in Mainspring (the seed sets rateLimits.enabled = false in /api/settings) and absent in the references, so sign-in is unthrottled`,
    ...(mode === 'smoke' ? ['smoke run: no warm-up and 1 s per subject — proves the harness works, the numbers mean nothing'] : []),
    `parity (same JSON from both): ${allParity.every((p) => p.same) ? 'ok' : `MISMATCH in ${allParity.filter((p) => !p.same).map((p) => p.scenario).join(', ')}`} (${allParity.length} checks)`,
  ].join('\n');
  const tableScenarios = [...results.scenarios, ...(results.postgres?.scenarios ?? []).map((e) => ({ ...e, name: `${e.name} [PostgreSQL]` }))];
  results.table = table(tableScenarios);
  const parts = [header, results.table];
  if (results.peers) {
    results.peersTable = table(results.peers.scenarios.map((e) => ({ ...e, name: `${e.name} [PostgreSQL]` })), 'Mainspring/Parse');
    parts.push(`Peers — Parse Server 9 and Mainspring on one PostgreSQL, same data (ratio = Mainspring/Parse; targets ×8 and ×6):\n\n${results.peersTable}`);
  }
  console.log(`${parts.join('\n\n')}\n\ntotal ${fmt(results.durationMs / 1000, 1)} s`);
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify({ ...results, header }, null, 2) + '\n');
  log(`wrote ${RESULTS}`);
}

function readSchema(file) {
  const db = new Database(file, { readonly: true });
  const out = {};
  for (const r of db.prepare("SELECT tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL AND tbl_name NOT LIKE 'filler_%' ORDER BY tbl_name, type DESC").all()) {
    (out[r.tbl_name] ??= []).push(r.sql);
  }
  db.close();
  return out;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
