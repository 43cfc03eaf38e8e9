// Transparent rehash on sign-in: a password that verified against a hash made with other Argon2
// parameters is hashed again with the current ones and stored in place, so raising the cost
// reaches every account that signs in, without a password change (sessions and tokenKey stay).
import type { Collection } from '../collections/index.js';
import type { Logger } from '../core/logger.js';
import type { RecordService, StoredRecord } from '../records/index.js';
import type { Argon2Hasher } from './passwords.js';

/** Call after `plain` verified against `record.password`; never throws, so the sign-in goes on. */
export type PasswordRehasher = (collection: Collection, record: StoredRecord, plain: string) => Promise<void>;

export interface PasswordRehasherDeps {
  readonly passwords: Argon2Hasher;
  readonly records: Pick<RecordService, 'replacePasswordHash'>;
  readonly log: Logger;
}

export function createPasswordRehasher({ passwords, records, log }: PasswordRehasherDeps): PasswordRehasher {
  return async (collection, record, plain) => {
    const stored = String(record.password ?? '');
    if (stored === '' || !passwords.needsRehash(stored)) return;
    try {
      const rehashed = await passwords.hash(plain);
      if (await records.replacePasswordHash(collection, record.id, stored, rehashed)) {
        log.info({ collection: collection.name, recordId: record.id }, 'password rehashed');
      }
    } catch (err) {
      // The old hash still works: a failed rehash is retried at the next sign-in.
      log.warn({ collection: collection.name, recordId: record.id, err }, 'password rehash failed');
    }
  };
}
