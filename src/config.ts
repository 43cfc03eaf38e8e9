// Typed configuration from environment and command-line flags, validated once at start.
// Nothing else in the codebase reads process.env.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LogLevel } from './core/logger.js';

export type DbEngine = 'sqlite' | 'postgres' | 'mysql';

export interface Config {
  readonly dir: string;
  readonly host: string;
  readonly port: number;
  readonly dbUrl: string;
  readonly dbEngine: DbEngine;
  readonly redisUrl: string | null;
  readonly secret: string;
  readonly smtpUrl: string | null;
  readonly mailFrom: string;
  readonly stripeSecretKey: string | null;
  readonly stripeWebhookSecret: string | null;
  readonly stripeApiBase: string | null;
  readonly publicUrl: string;
  readonly trustedProxies: readonly string[];
  readonly outboundAllowPrivate: boolean;
  readonly logLevel: LogLevel;
}

export interface ConfigInput {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `--http HOST:PORT` */
  readonly http?: string;
  /** `--dir DIR` */
  readonly dir?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];
const MIN_SECRET_BYTES = 32;

export function engineOf(dbUrl: string): DbEngine | null {
  if (dbUrl.startsWith('sqlite:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(dbUrl)) return 'postgres';
  if (/^(mysql|mariadb):\/\//.test(dbUrl)) return 'mysql';
  return null;
}

function parseHttp(value: string, problems: string[]): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    problems.push(`--http must be HOST:PORT (got "${value}")`);
    return { host: '127.0.0.1', port: 8090 };
  }
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** The secret from MS_SECRET, or, on SQLite only, one generated once into `<dir>/.secret`. */
function resolveSecret(env: ConfigInput['env'], dir: string, engine: DbEngine | null, problems: string[]): string {
  const given = env?.MS_SECRET;
  if (given !== undefined && given !== '') {
    if (Buffer.byteLength(given) < MIN_SECRET_BYTES) problems.push(`MS_SECRET must be at least ${MIN_SECRET_BYTES} bytes`);
    return given;
  }
  if (engine !== 'sqlite') {
    if (engine) problems.push('MS_SECRET is required with PostgreSQL or MySQL (the same value on every node)');
    return '';
  }
  const file = join(dir, '.secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  return secret;
}

export function loadConfig(input: ConfigInput = {}): Config {
  const env = input.env ?? {};
  const problems: string[] = [];
  const dir = resolve(input.dir ?? env.MS_DIR ?? 'ms_data');
  const { host, port } = parseHttp(input.http ?? env.MS_HTTP ?? '127.0.0.1:8090', problems);

  const dbUrl = env.MS_DB_URL || `sqlite:${join(dir, 'data.db')}`;
  const dbEngine = engineOf(dbUrl);
  if (!dbEngine) problems.push(`MS_DB_URL must start with sqlite:, postgres:// or mysql:// (got "${dbUrl.split(':')[0]}:…")`);

  const redisUrl = env.MS_REDIS_URL || null;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) problems.push('MS_REDIS_URL must start with redis:// or rediss://');

  const smtpUrl = env.MS_SMTP_URL || null;
  if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl)) problems.push('MS_SMTP_URL must start with smtp:// or smtps://');

  const logLevel = (env.MS_LOG_LEVEL || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`MS_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const publicUrl = (env.MS_PUBLIC_URL || `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  if (!/^https?:\/\//.test(publicUrl)) problems.push('MS_PUBLIC_URL must be an http(s) URL');

  const trustedProxies = (env.MS_TRUSTED_PROXIES ?? '').split(',').map((s) => s.trim()).filter(Boolean);

  const secret = problems.length ? '' : resolveSecret(env, dir, dbEngine, problems);
  if (problems.length) throw new ConfigError(problems);

  return Object.freeze({
    dir,
    host,
    port,
    dbUrl,
    dbEngine: dbEngine!,
    redisUrl,
    secret,
    smtpUrl,
    mailFrom: env.MS_MAIL_FROM || 'Mainspring <no-reply@localhost>',
    stripeSecretKey: env.MS_STRIPE_SECRET_KEY || null,
    stripeWebhookSecret: env.MS_STRIPE_WEBHOOK_SECRET || null,
    stripeApiBase: env.MS_STRIPE_API_BASE || null,
    publicUrl,
    trustedProxies: Object.freeze(trustedProxies),
    outboundAllowPrivate: env.MS_OUTBOUND_ALLOW_PRIVATE === '1',
    logLevel,
  });
}
