// A throwaway PostgreSQL cluster for the PostgreSQL runs and the peers: initdb in a temporary
// folder, started on a free loopback port, durable settings left at their defaults (fsync on), so
// writes cost what they cost in production. Run as the postgres user when we are root.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './subject.js';

function postgresBin() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const bin = join(root, v, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  throw new Error(`PostgreSQL not found in ${root}: apt-get install postgresql`);
}

/** Starts a cluster; returns { url, createDatabase(name) → url, stop() }. */
export async function startPostgres({ log = () => {} } = {}) {
  const bin = postgresBin();
  const isRoot = process.getuid?.() === 0;
  const as = (tool, args) => (isRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args]);
  const dir = mkdtempSync('/tmp/mainspring-bench-pg-');
  if (isRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  const data = join(dir, 'data');
  execFileSync(...as('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--encoding=UTF8', '--locale=C']), { stdio: 'ignore' });
  const port = await freePort();
  const options = `-h 127.0.0.1 -p ${port} -k ${dir} -c max_connections=200 -c shared_buffers=256MB`;
  const started = spawnSync(...as('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', '-t', '60', 'start']), { encoding: 'utf8' });
  if (started.status !== 0) throw new Error(`pg_ctl start failed: ${started.stderr || started.stdout}`);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  log(`PostgreSQL on 127.0.0.1:${port} (${bin})`);
  return {
    url,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return url.replace(/\/postgres$/, `/${name}`);
    },
    stop() {
      spawnSync(...as('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']), { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
