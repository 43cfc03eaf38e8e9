// The auth log ("log users"): every sign-in, failure, refresh, sign-out and credential change, with
// who, from where and the outcome, in the hidden `_authLog` table; superusers list it at
// `GET /api/auth-log` with the usual list parameters.
import { newRecordId } from '../core/ids.js';
import { nowDate } from '../core/time.js';
import { tableMigration, type Database } from '../db/index.js';
import { runList, type ListParams, type ListResult, type QueryColumn, type QuerySchema, type RequestInfo } from '../query/index.js';

const TABLE = '_authLog';

export type AuthEvent = 'signin' | 'signin_failed' | 'refresh' | 'signout' | 'password_change' | 'email_change' | 'impersonate' | 'otp' | 'mfa' | 'oauth2' | 'lockout';

export interface AuthLogEntry {
  readonly id: string;
  readonly created: string;
  readonly collectionId: string;
  /** '' when the identity matched no record. */
  readonly recordId: string;
  /** What the client gave (an email or username), or the record's email. */
  readonly identity: string;
  readonly event: AuthEvent;
  readonly outcome: 'success' | 'failure';
  readonly ip: string;
  readonly userAgent: string;
}

export type AuthLogInput = Omit<AuthLogEntry, 'id' | 'created'>;

export interface AuthLog {
  record(entry: AuthLogInput): Promise<void>;
  page(params: ListParams, request: RequestInfo): Promise<ListResult<AuthLogEntry>>;
}

const COLUMNS = ['id', 'created', 'collectionId', 'recordId', 'identity', 'event', 'outcome', 'ip', 'userAgent'] as const;

const LIST_SCHEMA: QuerySchema = {
  table: TABLE,
  columns: new Map<string, QueryColumn>(COLUMNS.map((name) => [name, { kind: 'text', hidden: false }])),
};

export const authLogMigration = tableMigration('0002_auth_log', TABLE,
  COLUMNS.map((name) => ({ name, kind: name === 'id' ? 'id' as const : 'text' as const })),
  (d) => [d.engine === 'mysql'
    ? `CREATE INDEX ${d.quoteIdent('idx__authLog_created')} ON ${d.quoteIdent(TABLE)} (${d.quoteIdent('created')}(32))`
    : `CREATE INDEX ${d.quoteIdent('idx__authLog_created')} ON ${d.quoteIdent(TABLE)} (${d.quoteIdent('created')})`]);

/** Client-given text, bounded and without NUL (PostgreSQL refuses it in text). */
const clean = (text: string, max: number): string => text.replace(/\u0000/g, '').slice(0, max);

export function createAuthLog(database: Database): AuthLog {
  const { db, dialect } = database;
  return {
    async record(entry) {
      await db.insertInto(TABLE).values({
        id: newRecordId(), created: nowDate(), collectionId: entry.collectionId, recordId: entry.recordId,
        identity: clean(entry.identity, 255), event: entry.event, outcome: entry.outcome,
        ip: clean(entry.ip, 64), userAgent: clean(entry.userAgent, 512),
      }).execute();
    },
    page(params, request) {
      return runList({
        executor: db,
        scope: { schema: LIST_SCHEMA, dialect, request, isTrusted: true },
        params,
        defaultSort: '-created',
        mapRow: (row) => Object.fromEntries(COLUMNS.map((c) => [c, String(row[c] ?? '')])) as unknown as AuthLogEntry,
      });
    },
  };
}
