// Starting and stopping one subject (a server process) on a free loopback port, and reading its RSS.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in MB (Linux /proc), or null when it cannot be read. */
export function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : null;
  } catch {
    return null;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls GET /api/health until the first 200; returns ms since `startedAt`. */
async function waitHealthy(baseUrl, startedAt, child, timeoutMs = 20_000) {
  while (performance.now() - startedAt < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`subject exited early with code ${child.exitCode}`);
    try {
      const res = await fetch(`${baseUrl}/api/health`);
      await res.arrayBuffer();
      if (res.status === 200) return performance.now() - startedAt;
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
  throw new Error(`subject not healthy after ${timeoutMs} ms`);
}

/**
 * Spawns `node args…` with `env`, on a free port that `args(port)` puts on the command line, and
 * waits for /api/health. Returns { name, pid, baseUrl, startMs, rss(), stop() }.
 */
export async function startSubject({ name, args, env = {}, cwd }) {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const startedAt = performance.now();
  const child = spawn(process.execPath, args(port), {
    cwd,
    env: { ...process.env, MS_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  let startMs;
  try {
    startMs = await waitHealthy(baseUrl, startedAt, child);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${name}: ${err.message}\n${stderr}`);
  }
  return {
    name,
    pid: child.pid,
    baseUrl,
    startMs,
    stderr: () => stderr,
    rss: () => rssMb(child.pid),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
