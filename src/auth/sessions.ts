// Server-side sessions in the hidden `_sessions` table: what a token's `sid` must name to count.
import { newRecordId } from '../core/ids.js';
import { formatDate, nowDate } from '../core/time.js';
import type { Database } from '../db/index.js';

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
  revokeAllOf(collectionId: string, recordId: string): Promise<void>;
}

const TABLE = '_sessions';

export function isLive(session: Session, now = nowDate()): boolean {
  return session.expires === '' || session.expires > now;
}

export function createSessionStore(database: Database): SessionStore {
  const { db, dialect } = database;
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
      if (!row) return null;
      return {
        id: String(row.id), collectionId: String(row.collectionId), recordId: String(row.recordId),
        userAgent: String(row.userAgent ?? ''), ip: String(row.ip ?? ''), refreshable: dialect.boolFromDb(row.refreshable),
        created: String(row.created), lastSeen: String(row.lastSeen), expires: String(row.expires ?? ''),
      };
    },
    async revoke(id) {
      await db.deleteFrom(TABLE).where('id', '=', id).execute();
    },
    async revokeAllOf(collectionId, recordId) {
      await db.deleteFrom(TABLE).where('collectionId', '=', collectionId).where('recordId', '=', recordId).execute();
    },
  };
}
