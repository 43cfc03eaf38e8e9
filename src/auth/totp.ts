// TOTP second factor (Mainspring's addition, CONTRACT.md): an authenticator-app secret per record,
// kept encrypted with MS_SECRET in the hidden `_totps` table, confirmed once with a code, with ten
// single-use recovery codes kept hashed. A record with confirmed TOTP always needs it after its first factor.
import { createHash, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { SecretBox } from '../core/secret-box.js';
import { formatDate } from '../core/time.js';
import { tableMigration, type Database } from '../db/index.js';

const TABLE = '_totps';
const RECOVERY_CODES = 10;

export interface TotpEnrollment {
  readonly secret: string;
  readonly otpauthUrl: string;
}

export interface TotpStore {
  /** A new (unconfirmed) secret for the record, replacing any unconfirmed one; null when one is already confirmed. */
  enroll(collectionId: string, recordId: string, label: string, issuer: string): Promise<TotpEnrollment | null>;
  /** Confirms the pending secret with a code; returns the recovery codes, or null for a wrong code. */
  confirm(collectionId: string, recordId: string, code: string): Promise<string[] | null>;
  isConfirmed(collectionId: string, recordId: string): Promise<boolean>;
  /** True when `code` is a current TOTP code or an unused recovery code (which it then spends). */
  check(collectionId: string, recordId: string, code: string): Promise<boolean>;
  remove(collectionId: string, recordId: string): Promise<void>;
}

export const totpsMigration = tableMigration('0006_totps', TABLE, [
  { name: 'id', kind: 'id' }, { name: 'collectionId', kind: 'text' }, { name: 'secret', kind: 'text' },
  { name: 'confirmed', kind: 'bool' }, { name: 'recoveryCodes', kind: 'text' }, { name: 'created', kind: 'text' },
]);

const hashCode = (code: string): string => createHash('sha256').update(code.trim().toLowerCase()).digest('hex');

export function createTotpStore(database: Database, secrets: SecretBox): TotpStore {
  const { db, dialect } = database;
  // One row per record, keyed by collection and record (record ids are unique within a collection only).
  const key = (collectionId: string, recordId: string): string => `${collectionId}:${recordId}`;
  const load = async (collectionId: string, recordId: string) => {
    const row = await db.selectFrom(TABLE).selectAll().where('id', '=', key(collectionId, recordId)).executeTakeFirst();
    return row ? { secret: secrets.open(String(row.secret)), confirmed: dialect.boolFromDb(row.confirmed), recoveryCodes: JSON.parse(String(row.recoveryCodes || '[]')) as string[] } : null;
  };
  const totpOf = (secret: string) => new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  const isCurrent = (secret: string, code: string) => /^\d{6}$/.test(code.trim()) && totpOf(secret).validate({ token: code.trim(), window: 1 }) !== null;

  return {
    async enroll(collectionId, recordId, label, issuer) {
      const existing = await load(collectionId, recordId);
      if (existing?.confirmed) return null;
      const secret = new Secret({ size: 20 }).base32;
      const otpauthUrl = new TOTP({ issuer, label, secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).toString();
      await db.deleteFrom(TABLE).where('id', '=', key(collectionId, recordId)).execute();
      await db.insertInto(TABLE).values({ id: key(collectionId, recordId), collectionId, secret: secrets.seal(secret), confirmed: dialect.boolToDb(false), recoveryCodes: '[]', created: formatDate(new Date()) }).execute();
      return { secret, otpauthUrl };
    },
    async confirm(collectionId, recordId, code) {
      const pending = await load(collectionId, recordId);
      if (!pending || pending.confirmed || !isCurrent(pending.secret, code)) return null;
      const codes = Array.from({ length: RECOVERY_CODES }, () => randomBytes(5).toString('hex'));
      await db.updateTable(TABLE).set({ confirmed: dialect.boolToDb(true), recoveryCodes: JSON.stringify(codes.map(hashCode)) })
        .where('id', '=', key(collectionId, recordId)).execute();
      return codes;
    },
    async isConfirmed(collectionId, recordId) {
      return (await load(collectionId, recordId))?.confirmed === true;
    },
    async check(collectionId, recordId, code) {
      const totp = await load(collectionId, recordId);
      if (!totp?.confirmed) return false;
      if (isCurrent(totp.secret, code)) return true;
      const hashed = hashCode(code);
      if (!totp.recoveryCodes.includes(hashed)) return false;
      await db.updateTable(TABLE).set({ recoveryCodes: JSON.stringify(totp.recoveryCodes.filter((c) => c !== hashed)) })
        .where('id', '=', key(collectionId, recordId)).execute();
      return true;
    },
    async remove(collectionId, recordId) {
      await db.deleteFrom(TABLE).where('id', '=', key(collectionId, recordId)).execute();
    },
  };
}
