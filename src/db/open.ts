// Picks the engine from the database URL.
import type { Database } from './ports.js';
import { openMysql } from './dialects/mysql.js';
import { openPostgres } from './dialects/postgres.js';
import { openSqlite, type SqliteOptions } from './dialects/sqlite.js';

export function openDatabase(url: string, sqliteOptions: SqliteOptions = {}): Database {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length), sqliteOptions);
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url);
  if (/^(mysql|mariadb):\/\//.test(url)) return openMysql(url);
  throw new Error('unsupported database URL');
}
