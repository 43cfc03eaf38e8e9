// Multi-factor sign-in (PocketBase's MFA): a first factor that succeeds on a collection with
// `mfa.enabled` leaves a row in the hidden `_mfas` table and answers 401 with its id; a second,
// different factor sent with that `mfaId` within `mfa.duration` completes the sign-in.
import { newRecordId } from '../core/ids.js';
import { formatDate } from '../core/time.js';
import { tableMigration, type Database } from '../db/index.js';

const TABLE = '_mfas';

export interface Mfa {
  readonly id: string;
  readonly collectionId: string;
  readonly recordId: string;
  /** The first factor: `password`, `otp`, … */
  readonly method: string;
  readonly created: string;
}

export interface MfaStore {
  create(input: Omit<Mfa, 'id' | 'created'>): Promise<Mfa>;
  get(id: string): Promise<Mfa | null>;
  remove(id: string): Promise<void>;
}

export const mfasMigration = tableMigration('0004_mfas', TABLE, [
  { name: 'id', kind: 'id' }, { name: 'collectionId', kind: 'text' }, { name: 'recordId', kind: 'text' },
  { name: 'method', kind: 'text' }, { name: 'created', kind: 'text' },
]);

export function createMfaStore(database: Database): MfaStore {
  const { db } = database;
  return {
    async create(input) {
      const mfa: Mfa = { id: newRecordId(), ...input, created: formatDate(new Date()) };
      await db.insertInto(TABLE).values({ ...mfa }).execute();
      return mfa;
    },
    async get(id) {
      const row = await db.selectFrom(TABLE).selectAll().where('id', '=', id).executeTakeFirst();
      return row ? { id: String(row.id), collectionId: String(row.collectionId), recordId: String(row.recordId), method: String(row.method), created: String(row.created) } : null;
    },
    async remove(id) {
      await db.deleteFrom(TABLE).where('id', '=', id).execute();
    },
  };
}
