// Vitest globalSetup (owned here): starts throwaway PostgreSQL, MariaDB and Redis servers on 127.0.0.1
// once per test run, provides their URLs as inject('engines'), and always tears them down again
// (normal teardown, a process 'exit' fallback, and a detached watchdog in case vitest is SIGKILLed).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants as fsConstants, openSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import type { TestProject } from 'vitest/node';

export type EngineUrls = {
  postgres: string | null;
  mysql: string | null;
  redis: string | null;
  /** engine name -> why it is not available */
  skipped: Record<string, string>;
};

declare module 'vitest' {
  export interface ProvidedContext {
    engines: EngineUrls;
  }
}

type ServiceName = 'postgres' | 'mysql' | 'redis';

/** A running server and how to get rid of it. */
interface RunningServer {
  name: ServiceName;
  url: string;
  dir: string;
  /** pid of the server process (postmaster, mariadbd, redis-server) */
  pid: number;
  /** signal that makes the server stop fast (SIGQUIT = immediate shutdown for postgres) */
  fastSignal: NodeJS.Signals;
  watchdogPid: number | null;
  stop(): Promise<void>;
}

/** Thrown when the engine's binaries are absent: the engine is skipped rather than failed. */
class EngineMissing extends Error {}

const REQUIRE = process.env.MS_TEST_REQUIRE_SERVICES === '1';
const START_TIMEOUT_MS = 60_000;
const EXTRA_BIN_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', '/sbin', '/bin'];
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

// ---------------------------------------------------------------- small utilities

function isExecutable(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findExecutable(names: string[]): string | null {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...EXTRA_BIN_DIRS];
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = path.join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return null;
}

/** Where server dirs go: os.tmpdir(), unless unix socket paths in it would get too long (max ~107 bytes). */
function tempBase(): string {
  const base = os.tmpdir();
  return base.length > 60 ? '/tmp' : base;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not determine a free port'));
        return;
      }
      const { port } = address;
      server.close(() => resolve(port));
    });
  });
}

async function logTail(file: string, lines = 40): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.split('\n').slice(-lines).join('\n').trim();
  } catch {
    return '(no log)';
  }
}

interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a command to completion, capturing stdout+stderr. */
function run(cmd: string, args: string[], timeoutMs = START_TIMEOUT_MS): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

async function runOk(what: string, cmd: string, args: string[]): Promise<string> {
  const result = await run(cmd, args);
  if (result.code !== 0) {
    throw new Error(`${what} failed (exit ${String(result.code)}): ${cmd} ${args.join(' ')}\n${result.output.trim()}`);
  }
  return result.output;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signal(pid: number, sig: NodeJS.Signals | number): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Waits for a pid to disappear; SIGKILLs it after `graceMs`. */
async function waitGone(pid: number, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (isAlive(pid)) {
    signal(pid, 'SIGKILL');
    const hardDeadline = Date.now() + 5_000;
    while (isAlive(pid) && Date.now() < hardDeadline) await sleep(50);
  }
}

/** Spawns a long-running server detached from our stdio, logging to `logFile`. */
function spawnServer(cmd: string, args: string[], logFile: string): { child: ChildProcess; exited: () => string | null } {
  const fd = openSync(logFile, 'a');
  let exitInfo: string | null = null;
  try {
    const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], detached: true });
    child.once('exit', (code, sig) => (exitInfo = `exited with ${sig ?? `code ${String(code)}`}`));
    child.once('error', (error) => (exitInfo = `failed to spawn: ${error.message}`));
    child.unref();
    return { child, exited: () => exitInfo };
  } finally {
    closeSync(fd);
  }
}

/**
 * A detached shell that outlives us: if the vitest process disappears without running teardown
 * (SIGKILL, crash), it stops the server and removes its directory. Killed by normal teardown.
 */
function startWatchdog(serverPid: number, fastSignal: NodeJS.Signals, dir: string): number | null {
  const script =
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done; ' +
    'kill -s "$3" "$2" 2>/dev/null; i=0; while kill -0 "$2" 2>/dev/null && [ $i -lt 20 ]; do sleep 0.5; i=$((i+1)); done; ' +
    'kill -s KILL "$2" 2>/dev/null; rm -rf "$4"';
  try {
    const child = spawn('/bin/sh', ['-c', script, 'ms-test-watchdog', String(process.pid), String(serverPid), fastSignal.replace(/^SIG/, ''), dir], {
      stdio: 'ignore',
      detached: true,
    });
    child.once('error', () => undefined);
    child.unref();
    return child.pid ?? null;
  } catch {
    return null;
  }
}

function killWatchdog(pid: number | null): void {
  if (pid === null) return;
  signal(-pid, 'SIGKILL'); // the whole group: sh and its `sleep`
  signal(pid, 'SIGKILL');
}

function isPortConflict(message: string): boolean {
  return /address already in use|EADDRINUSE|could not bind|Can't start server: Bind/i.test(message);
}

/** Runs `attempt` with a fresh free port, retrying a couple of times if the port was taken meanwhile. */
async function withFreePort<T>(attempt: (port: number) => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    const port = await freePort();
    try {
      return await attempt(port);
    } catch (error) {
      if (i >= 2 || !isPortConflict(error instanceof Error ? error.message : String(error))) throw error;
    }
  }
}

async function pollUntil(
  what: string,
  logFile: string,
  exited: () => string | null,
  probe: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const gone = exited();
    if (gone !== null) throw new Error(`${what} ${gone} before becoming ready; log tail:\n${await logTail(logFile)}`);
    if (await probe()) return;
    if (Date.now() > deadline) {
      throw new Error(`${what} not ready after ${START_TIMEOUT_MS / 1000}s; log tail:\n${await logTail(logFile)}`);
    }
    await sleep(100);
  }
}

// ---------------------------------------------------------------- PostgreSQL

function findPostgresBin(): string {
  const root = '/usr/lib/postgresql';
  let versions: string[] = [];
  try {
    versions = readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v));
  } catch {
    // no directory
  }
  versions.sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = path.join(root, version, 'bin');
    if (['initdb', 'pg_ctl', 'postgres'].every((b) => isExecutable(path.join(bin, b)))) return bin;
  }
  throw new EngineMissing(`postgresql binaries not found in ${root}`);
}

async function startPostgres(): Promise<RunningServer> {
  const bin = findPostgresBin();
  if (isRoot && spawnSync('id', ['-u', 'postgres']).status !== 0) {
    throw new EngineMissing('running as root but there is no "postgres" OS user to run PostgreSQL as');
  }
  // PostgreSQL refuses to run as root: run its tools as the postgres user.
  const asPg = (tool: string, args: string[]): [string, string[]] =>
    isRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]] : [path.join(bin, tool), args];

  // The postgres user must be able to reach the directory; a TMPDIR under /root would not do.
  let base = tempBase();
  if (isRoot && spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-x', base]).status !== 0) base = '/tmp';
  const dir = await mkdtemp(path.join(base, 'ms-pg-'));
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'log');
  try {
    if (isRoot) await runOk('chown of postgres temp dir', 'chown', ['postgres:postgres', dir]);
    await runOk('initdb', ...asPg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--encoding=UTF8', '--locale=C']));

    return await withFreePort(async (port) => {
      const options = `-h 127.0.0.1 -p ${port} -k '${dir}' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
      const started = await run(...asPg('pg_ctl', ['-D', data, '-l', logFile, '-o', options, '-w', '-t', '60', 'start']));
      if (started.code !== 0) {
        throw new Error(`pg_ctl start failed (exit ${String(started.code)}): ${started.output.trim()}\nlog tail:\n${await logTail(logFile)}`);
      }
      const pid = Number((await readFile(path.join(data, 'postmaster.pid'), 'utf8')).split('\n')[0]);
      const server: RunningServer = {
        name: 'postgres',
        url: `postgres://postgres@127.0.0.1:${port}/postgres`,
        dir,
        pid,
        fastSignal: 'SIGQUIT',
        watchdogPid: startWatchdog(pid, 'SIGQUIT', dir),
        async stop() {
          await run(...asPg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '20', 'stop']), 30_000).catch(() => undefined);
          await waitGone(pid, 5_000);
        },
      };
      return server;
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

// ---------------------------------------------------------------- MariaDB

async function tryMysql(options: mysql.ConnectionOptions): Promise<'ok' | 'denied' | 'down'> {
  let conn: mysql.Connection | null = null;
  try {
    conn = await mysql.createConnection({ user: 'root', password: '', connectTimeout: 2_000, ...options });
    await conn.query('SELECT 1');
    return 'ok';
  } catch (error) {
    const errno = (error as { errno?: unknown }).errno;
    return errno === 1045 || errno === 1698 ? 'denied' : 'down';
  } finally {
    await conn?.end().catch(() => undefined);
  }
}

async function startMariadb(): Promise<RunningServer> {
  const server = findExecutable(['mariadbd', 'mysqld']);
  const installDb = findExecutable(['mariadb-install-db', 'mysql_install_db']);
  if (server === null || installDb === null) {
    throw new EngineMissing('mariadb binaries not found (need mariadbd and mariadb-install-db on PATH or in /usr/sbin, /usr/bin)');
  }
  const user = os.userInfo().username;
  const dir = await mkdtemp(path.join(tempBase(), 'ms-maria-'));
  const data = path.join(dir, 'data');
  const socket = path.join(dir, 'sock');
  const logFile = path.join(dir, 'log');
  try {
    await runOk('mariadb-install-db', installDb, [
      '--no-defaults',
      `--user=${user}`,
      `--datadir=${data}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ]);

    return await withFreePort(async (port) => {
      const { child, exited } = spawnServer(
        server,
        [
          '--no-defaults',
          `--user=${user}`,
          `--datadir=${data}`,
          `--socket=${socket}`,
          `--port=${port}`,
          '--bind-address=127.0.0.1',
          '--skip-name-resolve',
          '--innodb-flush-log-at-trx-commit=0',
          '--skip-log-bin',
          '--character-set-server=utf8mb4',
          '--collation-server=utf8mb4_bin',
          '--max-connections=300',
          `--pid-file=${path.join(dir, 'pid')}`,
        ],
        logFile,
      );
      const pid = child.pid;
      if (pid === undefined) throw new Error(`could not spawn ${server}`);
      const watchdogPid = startWatchdog(pid, 'SIGKILL', dir);
      const running: RunningServer = {
        name: 'mysql',
        url: `mysql://root@127.0.0.1:${port}/mysql`,
        dir,
        pid,
        fastSignal: 'SIGKILL',
        watchdogPid,
        async stop() {
          signal(pid, 'SIGTERM');
          await waitGone(pid, 10_000);
        },
      };
      try {
        let fixedAuth = false;
        await pollUntil('mariadbd', logFile, exited, async () => {
          const tcp = await tryMysql({ host: '127.0.0.1', port });
          if (tcp === 'ok') return true;
          if (tcp === 'denied' && !fixedAuth) {
            // install-db left root without password-less TCP access: fix it through the unix socket.
            fixedAuth = true;
            const conn = await mysql.createConnection({ socketPath: socket, user: 'root', password: '' });
            try {
              await conn.query("CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''");
              await conn.query("ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY ''");
              await conn.query("GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION");
              await conn.query('FLUSH PRIVILEGES');
            } finally {
              await conn.end().catch(() => undefined);
            }
          }
          return false;
        });
        return running;
      } catch (error) {
        killWatchdog(watchdogPid);
        signal(pid, 'SIGKILL');
        await waitGone(pid, 2_000);
        throw error;
      }
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

// ---------------------------------------------------------------- Redis

function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

async function startRedis(): Promise<RunningServer> {
  const server = findExecutable(['redis-server']);
  if (server === null) throw new EngineMissing('redis-server not found on PATH or in /usr/bin, /usr/local/bin');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ms-redis-'));
  const logFile = path.join(dir, 'log');
  try {
    return await withFreePort(async (port) => {
      const { child, exited } = spawnServer(
        server,
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'],
        logFile,
      );
      const pid = child.pid;
      if (pid === undefined) throw new Error(`could not spawn ${server}`);
      const watchdogPid = startWatchdog(pid, 'SIGKILL', dir);
      try {
        await pollUntil('redis-server', logFile, exited, () => redisPing(port));
      } catch (error) {
        killWatchdog(watchdogPid);
        signal(pid, 'SIGKILL');
        await waitGone(pid, 2_000);
        throw error;
      }
      const running: RunningServer = {
        name: 'redis',
        url: `redis://127.0.0.1:${port}`,
        dir,
        pid,
        fastSignal: 'SIGKILL',
        watchdogPid,
        async stop() {
          signal(pid, 'SIGTERM');
          await waitGone(pid, 5_000);
        },
      };
      return running;
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

// ---------------------------------------------------------------- lifecycle

const running = new Set<RunningServer>();

/** Last-resort synchronous cleanup when the process exits without teardown having run. */
function exitCleanup(): void {
  for (const server of running) {
    signal(server.pid, server.fastSignal);
  }
  const deadline = Date.now() + 3_000;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (const server of running) {
    while (isAlive(server.pid) && Date.now() < deadline) Atomics.wait(pause, 0, 0, 20);
    if (isAlive(server.pid)) signal(server.pid, 'SIGKILL');
    killWatchdog(server.watchdogPid);
    try {
      rmSync(server.dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
  running.clear();
}

async function stopServer(server: RunningServer): Promise<void> {
  try {
    await server.stop();
  } finally {
    killWatchdog(server.watchdogPid);
    running.delete(server);
    await rm(server.dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function stopAll(): Promise<void> {
  await Promise.allSettled([...running].map(stopServer));
  process.off('exit', exitCleanup);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.on('exit', exitCleanup);
  const engines: EngineUrls = { postgres: null, mysql: null, redis: null, skipped: {} };
  const starters: Record<ServiceName, () => Promise<RunningServer>> = {
    postgres: startPostgres,
    mysql: startMariadb,
    redis: startRedis,
  };
  const names = Object.keys(starters) as ServiceName[];
  const t0 = Date.now();
  const results = await Promise.allSettled(
    names.map(async (name) => {
      const started = Date.now();
      const server = await starters[name]();
      running.add(server);
      return { server, ms: Date.now() - started };
    }),
  );

  const failures: string[] = [];
  const timings: string[] = [];
  results.forEach((result, i) => {
    const name = names[i] as ServiceName;
    if (result.status === 'fulfilled') {
      engines[name] = result.value.server.url;
      timings.push(`${name} ${(result.value.ms / 1000).toFixed(1)}s`);
      return;
    }
    const error: unknown = result.reason;
    const message = error instanceof Error ? error.message : String(error);
    engines.skipped[name] = error instanceof EngineMissing ? message : `failed to start: ${message}`;
    if (REQUIRE || !(error instanceof EngineMissing)) failures.push(`${name}: ${message}`);
  });

  if (failures.length > 0 && REQUIRE) {
    await stopAll();
    throw new Error(`MS_TEST_REQUIRE_SERVICES=1 but some engines are unavailable:\n${failures.join('\n\n')}`);
  }
  for (const failure of failures) console.warn(`[global-setup] engine failed, tests for it are skipped: ${failure}`);
  console.log(
    `[global-setup] engines ready in ${((Date.now() - t0) / 1000).toFixed(1)}s` +
      (timings.length > 0 ? ` (${timings.join(', ')})` : '') +
      (Object.keys(engines.skipped).length > 0 ? `; skipped: ${Object.keys(engines.skipped).join(', ')}` : ''),
  );

  project.provide('engines', engines);
  return stopAll;
}
