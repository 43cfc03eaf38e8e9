// Tests for the engine test helpers (owned here): every available engine hands out a usable, isolated
// database that drop() removes; with MS_TEST_REQUIRE_SERVICES=1 all engines (and redis) must be up.
import { existsSync } from 'node:fs';
import net from 'node:net';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { availableEngines, redisUrl, type EngineName, type TestDatabase } from './engines.js';

const TEXT = 'héllo ✓ 😀';

/** Creates a table, writes a row, reads it back; returns the value read. */
async function roundTrip(name: EngineName, url: string): Promise<string> {
  switch (name) {
    case 'sqlite': {
      const db = new Database(url.replace(/^sqlite:/, ''));
      try {
        db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
        db.prepare('INSERT INTO t (v) VALUES (?)').run(TEXT);
        const row = db.prepare('SELECT v FROM t').get() as { v: string };
        return row.v;
      } finally {
        db.close();
      }
    }
    case 'postgres': {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query('CREATE TABLE t (id serial PRIMARY KEY, v text NOT NULL)');
        await client.query('INSERT INTO t (v) VALUES ($1)', [TEXT]);
        const result = await client.query<{ v: string }>('SELECT v FROM t');
        return result.rows[0]?.v ?? '';
      } finally {
        await client.end();
      }
    }
    case 'mysql': {
      const conn = await mysql.createConnection({ uri: url });
      try {
        await conn.query('CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v TEXT NOT NULL)');
        await conn.execute('INSERT INTO t (v) VALUES (?)', [TEXT]);
        const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT v FROM t');
        return String(rows[0]?.['v'] ?? '');
      } finally {
        await conn.end();
      }
    }
  }
}

/** Whether the database behind `db` still exists (judged from the admin side / the file system). */
async function exists(name: EngineName, db: TestDatabase): Promise<boolean> {
  const url = new URL(db.url);
  const dbName = url.pathname.slice(1);
  switch (name) {
    case 'sqlite':
      return existsSync(db.url.replace(/^sqlite:/, ''));
    case 'postgres': {
      url.pathname = '/postgres';
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        const result = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
        return result.rowCount === 1;
      } finally {
        await client.end();
      }
    }
    case 'mysql': {
      url.pathname = '/mysql';
      const conn = await mysql.createConnection({ uri: url.toString() });
      try {
        const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT 1 FROM information_schema.schemata WHERE schema_name = ?', [dbName]);
        return rows.length === 1;
      } finally {
        await conn.end();
      }
    }
  }
}

describe.each(availableEngines().map((engine) => [engine.name, engine] as const))('engine %s', (name, engine) => {
  it('creates a fresh database that can be written and read, then drops it', async () => {
    const db = await engine.createDatabase();
    try {
      expect(db.url.startsWith(name === 'sqlite' ? 'sqlite:' : `${name}://`)).toBe(true);
      expect(existsSync(db.dir)).toBe(true);
      if (name !== 'sqlite') expect(new URL(db.url).hostname).toBe('127.0.0.1');
      expect(await roundTrip(name, db.url)).toBe(TEXT);
      expect(await exists(name, db)).toBe(true);
    } finally {
      await db.drop();
    }
    expect(existsSync(db.dir)).toBe(false);
    expect(await exists(name, db)).toBe(false);
    await db.drop(); // idempotent
  });

  it('hands out isolated databases', async () => {
    const [a, b] = await Promise.all([engine.createDatabase(), engine.createDatabase()]);
    try {
      expect(a.url).not.toBe(b.url);
      expect(a.dir).not.toBe(b.dir);
      // The same table name in both: fails if they shared one database.
      expect(await roundTrip(name, a.url)).toBe(TEXT);
      expect(await roundTrip(name, b.url)).toBe(TEXT);
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });
});

describe('redis', () => {
  it.runIf(redisUrl() !== null)('answers PING', async () => {
    const url = new URL(redisUrl() ?? '');
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: url.hostname, port: Number(url.port) });
      let data = '';
      socket.once('error', reject);
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.on('data', (chunk: Buffer) => {
        data += chunk.toString();
        if (data.includes('\r\n')) {
          socket.destroy();
          resolve(data.trim());
        }
      });
    });
    expect(reply).toBe('+PONG');
  });
});

describe('MS_TEST_REQUIRE_SERVICES=1', () => {
  it.runIf(process.env.MS_TEST_REQUIRE_SERVICES === '1')('has all engines and redis available', () => {
    expect(availableEngines().map((e) => e.name)).toEqual(['sqlite', 'postgres', 'mysql']);
    expect(redisUrl()).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
  });
});
