// Test-file helper (owned here): hands out fresh, empty databases on every available engine
// (sqlite always; postgres/mysql when test/helpers/global-setup.ts started them) and the redis URL.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { inject } from 'vitest';
import type { EngineUrls } from './global-setup.js';

export type EngineName = 'sqlite' | 'postgres' | 'mysql';

export interface TestEngine {
  name: EngineName;
  /** a fresh, empty database for one test file */
  createDatabase(): Promise<TestDatabase>;
}

export interface TestDatabase {
  /** e.g. sqlite:/tmp/x/data.db, postgres://postgres@127.0.0.1:5432/ms_t_abc123, mysql://root@127.0.0.1:3306/ms_t_abc123 */
  url: string;
  /** a temp dir for this database's data dir (the app's --dir) */
  dir: string;
  drop(): Promise<void>;
}

function engineUrls(): EngineUrls {
  const provided = inject('engines') as EngineUrls | undefined;
  if (provided !== undefined) return provided;
  const reason = 'test/helpers/global-setup.ts did not run (is it in vitest.config.ts globalSetup?)';
  return { postgres: null, mysql: null, redis: null, skipped: { postgres: reason, mysql: reason, redis: reason } };
}

const WARNED = Symbol.for('mainspring.test.engines.warned');

function warnSkippedOnce(urls: EngineUrls): void {
  const holder = globalThis as { [WARNED]?: boolean };
  if (holder[WARNED]) return;
  holder[WARNED] = true;
  for (const name of ['postgres', 'mysql'] as const) {
    const reason = urls.skipped[name];
    if (urls[name] === null) console.warn(`[engines] skipping ${name} tests: ${reason ?? 'not provided'}`);
  }
}

function databaseName(): string {
  return `ms_t_${randomBytes(6).toString('hex')}`;
}

function withDatabase(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Makes drop() idempotent and always removes the temp dir. */
function database(url: string, dir: string, dropData: () => Promise<void>): TestDatabase {
  let dropped: Promise<void> | null = null;
  return {
    url,
    dir,
    drop() {
      dropped ??= (async () => {
        try {
          await dropData();
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      })();
      return dropped;
    },
  };
}

async function withPg<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function withMysql<T>(adminUrl: string, fn: (conn: mysql.Connection) => Promise<T>): Promise<T> {
  const conn = await mysql.createConnection({ uri: adminUrl });
  try {
    return await fn(conn);
  } finally {
    await conn.end();
  }
}

const sqliteEngine: TestEngine = {
  name: 'sqlite',
  async createDatabase() {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ms-t-sqlite-'));
    return database(`sqlite:${path.join(dir, 'data.db')}`, dir, async () => undefined);
  },
};

function postgresEngine(adminUrl: string): TestEngine {
  return {
    name: 'postgres',
    async createDatabase() {
      const name = databaseName();
      await withPg(adminUrl, (c) => c.query(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8'`));
      const dir = await mkdtemp(path.join(os.tmpdir(), 'ms-t-pg-'));
      return database(withDatabase(adminUrl, name), dir, async () => {
        await withPg(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      });
    },
  };
}

function mysqlEngine(adminUrl: string): TestEngine {
  return {
    name: 'mysql',
    async createDatabase() {
      const name = databaseName();
      await withMysql(adminUrl, (c) => c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`));
      const dir = await mkdtemp(path.join(os.tmpdir(), 'ms-t-mysql-'));
      return database(withDatabase(adminUrl, name), dir, async () => {
        await withMysql(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS \`${name}\``));
      });
    },
  };
}

/** sqlite always; postgres and mysql when the global setup started them (warns once why one is skipped). */
export function availableEngines(): TestEngine[] {
  const urls = engineUrls();
  warnSkippedOnce(urls);
  const engines: TestEngine[] = [sqliteEngine];
  if (urls.postgres !== null) engines.push(postgresEngine(urls.postgres));
  if (urls.mysql !== null) engines.push(mysqlEngine(urls.mysql));
  return engines;
}

/** URL of the throwaway redis server, or null when it is not available. */
export function redisUrl(): string | null {
  return engineUrls().redis;
}
