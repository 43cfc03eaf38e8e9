// Server-side sessions in the hidden `_sessions` table: what a token's `sid` must name to count.
import { newRecordId } from '../core/ids.js';
import { formatDate, nowDate } from '../core/time.js';
import { sql, type SqlBool } from 'kysely';
import type { Database } from '../db/index.js';
import { runList, type ListParams, type ListResult, type QueryColumn, type QuerySchema, type RequestInfo } from '../query/index.js';

export interface Session {
  readonly id: string;
  readonly collectionId: string;
  readonly recordId: string;
  readonly userAgent: string;
  readonly ip: string;
  readonly refreshable: boolean;
  readonly created: string;
  readonly lastSeen: string;
  /** '' when the session has no absolute limit. */
  readonly expires: string;
}

export interface SessionStore {
  create(input: { collectionId: string; recordId: string; userAgent: string; ip: string; refreshable: boolean; maxAgeSeconds: number }): Promise<Session>;
  get(id: string): Promise<Session | null>;
  revoke(id: string): Promise<void>;
  /** Sets `lastSeen` (PocketBase's date format). */
  touch(id: string, lastSeen: string): Promise<void>;
  /** One page of a record's live sessions, with the list parameters (filter, sort) of every list. */
  page(collectionId: string, recordId: string, params: ListParams, request: RequestInfo): Promise<ListResult<Session>>;
  /** Ends every session of one record but `keepId`; returns the ids it ended. */
  revokeAllBut(collectionId: string, recordId: string, keepId: string): Promise<string[]>;
}

const TABLE = '_sessions';

/** What a sessions list may filter and sort on. */
const LIST_SCHEMA: QuerySchema = {
  table: TABLE,
  columns: new Map<string, QueryColumn>(['id', 'userAgent', 'ip', 'created', 'lastSeen', 'expires'].map((name) => [name, { kind: 'text', hidden: false }])),
};

export function isLive(session: Session, now = nowDate()): boolean {
  return session.expires === '' || session.expires > now;
}

export function createSessionStore(database: Database): SessionStore {
  const { db, dialect } = database;
  const fromRow = (row: Record<string, unknown>): Session => ({
    id: String(row.id), collectionId: String(row.collectionId), recordId: String(row.recordId),
    userAgent: String(row.userAgent ?? ''), ip: String(row.ip ?? ''), refreshable: dialect.boolFromDb(row.refreshable),
    created: String(row.created), lastSeen: String(row.lastSeen), expires: String(row.expires ?? ''),
  });
  return {
    async create(input) {
      const created = new Date();
      const session: Session = {
        id: newRecordId(),
        collectionId: input.collectionId,
        recordId: input.recordId,
        userAgent: input.userAgent.slice(0, 512),
        ip: input.ip.slice(0, 64),
        refreshable: input.refreshable,
        created: formatDate(created),
        lastSeen: formatDate(created),
        expires: input.maxAgeSeconds > 0 ? formatDate(new Date(created.getTime() + input.maxAgeSeconds * 1000)) : '',
      };
      await db.insertInto(TABLE).values({ ...session, refreshable: dialect.boolToDb(session.refreshable) }).execute();
      return session;
    },
    async get(id) {
      const row = await db.selectFrom(TABLE).selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromRow(row) : null;
    },
    page(collectionId, recordId, params, request) {
      const now = nowDate();
      const where = sql<SqlBool>`(${sql.ref('collectionId')} = ${collectionId} AND ${sql.ref('recordId')} = ${recordId} AND (${sql.ref('expires')} = '' OR ${sql.ref('expires')} > ${now}))`;
      return runList({
        executor: db,
        scope: { schema: LIST_SCHEMA, dialect, request, isTrusted: true },
        params,
        where,
        defaultSort: '-created',
        mapRow: fromRow,
      });
    },
    async revokeAllBut(collectionId, recordId, keepId) {
      return db.transaction().execute(async (trx) => {
        const ended = await trx.selectFrom(TABLE).select('id').where('collectionId', '=', collectionId).where('recordId', '=', recordId)
          .where('id', '!=', keepId).execute();
        if (ended.length) await trx.deleteFrom(TABLE).where('id', 'in', ended.map((r) => String(r.id))).execute();
        return ended.map((r) => String(r.id));
      });
    },
    async touch(id, lastSeen) {
      await db.updateTable(TABLE).set({ lastSeen }).where('id', '=', id).execute();
    },
    async revoke(id) {
      await db.deleteFrom(TABLE).where('id', '=', id).execute();
    },
  };
}
