// One-time passwords (PocketBase's OTP sign-in): a short numeric code mailed to the record, kept
// hashed in the hidden `_otps` table, good for `otp.duration` seconds and a few attempts, used once.
import { randomInt } from 'node:crypto';
import { sql } from 'kysely';
import { newRecordId } from '../core/ids.js';
import { formatDate } from '../core/time.js';
import { tableMigration, type Database } from '../db/index.js';

const TABLE = '_otps';
/** Wrong codes an OTP survives; then it is gone and a new one must be requested. */
export const MAX_OTP_ATTEMPTS = 5;

export interface Otp {
  readonly id: string;
  readonly collectionId: string;
  readonly recordId: string;
  readonly passwordHash: string;
  readonly sentTo: string;
  readonly attempts: number;
  readonly created: string;
}

export interface OtpStore {
  create(otp: Omit<Otp, 'id' | 'attempts' | 'created'> & { readonly id?: string }): Promise<Otp>;
  get(id: string): Promise<Otp | null>;
  /**
   * Counts one try of the code, before it is checked, in one atomic step: false when the OTP has
   * had its tries (so parallel guesses cannot outrun the count).
   */
  tryOnce(id: string): Promise<boolean>;
  remove(id: string): Promise<void>;
}

/** A numeric code of `length` digits from the CSPRNG. */
export function newOtpCode(length: number): string {
  let code = '';
  for (let i = 0; i < length; i++) code += String(randomInt(10));
  return code;
}

export const otpsMigration = tableMigration('0003_otps', TABLE, [
  { name: 'id', kind: 'id' }, { name: 'collectionId', kind: 'text' }, { name: 'recordId', kind: 'text' },
  { name: 'passwordHash', kind: 'text' }, { name: 'sentTo', kind: 'text' }, { name: 'attempts', kind: 'number' },
  { name: 'created', kind: 'text' },
]);

export function createOtpStore(database: Database): OtpStore {
  const { db } = database;
  const fromRow = (row: Record<string, unknown>): Otp => ({
    id: String(row.id), collectionId: String(row.collectionId), recordId: String(row.recordId), passwordHash: String(row.passwordHash),
    sentTo: String(row.sentTo), attempts: Number(row.attempts ?? 0), created: String(row.created),
  });
  return {
    async create(input) {
      const otp: Otp = { id: input.id ?? newRecordId(), collectionId: input.collectionId, recordId: input.recordId, passwordHash: input.passwordHash, sentTo: input.sentTo, attempts: 0, created: formatDate(new Date()) };
      await db.insertInto(TABLE).values({ ...otp }).execute();
      return otp;
    },
    async get(id) {
      const row = await db.selectFrom(TABLE).selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromRow(row) : null;
    },
    async tryOnce(id) {
      const result = await db.updateTable(TABLE).set({ attempts: sql`${sql.ref('attempts')} + 1` })
        .where('id', '=', id).where('attempts', '<', MAX_OTP_ATTEMPTS).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async remove(id) {
      await db.deleteFrom(TABLE).where('id', '=', id).execute();
    },
  };
}
