// Where a record has signed in from (PocketBase's auth origins): a fingerprint of the client IP and
// user agent per record, so a sign-in from a device never seen before can send an alert mail.
import { createHash } from 'node:crypto';
import { newRecordId } from '../core/ids.js';
import { formatDate } from '../core/time.js';
import { tableMigration, type Database } from '../db/index.js';

const TABLE = '_authOrigins';

export interface OriginStore {
  /**
   * Remembers that `recordId` signed in from this IP and user agent; answers whether the device is
   * new for a record that had signed in before (the first device ever raises no alert).
   */
  remember(collectionId: string, recordId: string, ip: string, userAgent: string): Promise<{ readonly isNewDevice: boolean }>;
}

export const originsMigration = tableMigration('0005_auth_origins', TABLE, [
  { name: 'id', kind: 'id' }, { name: 'collectionId', kind: 'text' }, { name: 'recordId', kind: 'text' },
  { name: 'fingerprint', kind: 'text' }, { name: 'created', kind: 'text' }, { name: 'updated', kind: 'text' },
]);

export function createOriginStore(database: Database): OriginStore {
  const { db } = database;
  return {
    async remember(collectionId, recordId, ip, userAgent) {
      const fingerprint = createHash('sha256').update(`${ip}\u0000${userAgent}`).digest('hex');
      const now = formatDate(new Date());
      const known = await db.selectFrom(TABLE).select(['id', 'fingerprint']).where('collectionId', '=', collectionId).where('recordId', '=', recordId).execute();
      const same = known.find((row) => row.fingerprint === fingerprint);
      if (same) {
        await db.updateTable(TABLE).set({ updated: now }).where('id', '=', String(same.id)).execute();
        return { isNewDevice: false };
      }
      await db.insertInto(TABLE).values({ id: newRecordId(), collectionId, recordId, fingerprint, created: now, updated: now }).execute();
      return { isNewDevice: known.length > 0 };
    },
  };
}
