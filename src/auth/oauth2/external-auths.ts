// `_externalAuths`: which provider identity is linked to which auth record. A system collection as
// in PocketBase, so the SDK's `listExternalAuths`/`unlinkExternalAuth` work through the records API
// (each record sees and deletes only its own links); sign-in reads and writes it here.
import { fieldIdFor } from '../../core/ids.js';
import type { CollectionRegistry, CollectionService } from '../../collections/index.js';
import type { Database, Migration } from '../../db/index.js';
import { systemContext, type RecordService } from '../../records/index.js';

export const EXTERNAL_AUTHS = '_externalAuths';

export interface ExternalAuth {
  readonly id: string;
  readonly collectionRef: string;
  readonly recordRef: string;
  readonly provider: string;
  readonly providerId: string;
}

export interface ExternalAuthStore {
  find(collectionId: string, provider: string, providerId: string): Promise<ExternalAuth | null>;
  /** Links `providerId` to the record (written through the records service, so its events fire). */
  link(collectionId: string, recordId: string, provider: string, providerId: string): Promise<void>;
  remove(id: string): Promise<void>;
  /** Removes every link of a record (its owner has just been proven to be someone else). */
  removeAllOf(collectionId: string, recordId: string): Promise<void>;
}

const OWN_LINKS = "@request.auth.id != '' && recordRef = @request.auth.id && collectionRef = @request.auth.collectionId";

const textField = (name: string) => ({ id: fieldIdFor('text', name), name, type: 'text', system: true, required: true, max: 255 });

/** Creates the `_externalAuths` collection (its table has a unique index on collection, provider and provider id). */
export function externalAuthsMigration(collections: CollectionService, registry: CollectionRegistry): Migration {
  return {
    name: '0007_external_auths',
    async up() {
      await registry.reload();
      if (registry.get(EXTERNAL_AUTHS)) return;
      await collections.create({
        name: EXTERNAL_AUTHS, type: 'base', system: true,
        fields: [
          textField('collectionRef'), textField('recordRef'), textField('provider'), textField('providerId'),
          { id: fieldIdFor('autodate', 'created'), name: 'created', type: 'autodate', system: true, onCreate: true, onUpdate: false },
          { id: fieldIdFor('autodate', 'updated'), name: 'updated', type: 'autodate', system: true, onCreate: true, onUpdate: true },
        ],
        indexes: [
          'CREATE UNIQUE INDEX `idx_externalAuths_record_provider` ON `_externalAuths` (`collectionRef`, `recordRef`, `provider`)',
          'CREATE UNIQUE INDEX `idx_externalAuths_collection_provider` ON `_externalAuths` (`collectionRef`, `provider`, `providerId`)',
        ],
        listRule: OWN_LINKS, viewRule: OWN_LINKS, createRule: null, updateRule: null, deleteRule: OWN_LINKS,
      }, { allowSystem: true });
    },
    async down() {
      // Links are user data, like the default collections: taking the migration back keeps them.
    },
  };
}

/** Reads links directly; writes go through the records service. Deleting a record deletes its links (records/cascade.ts). */
export function createExternalAuthStore(database: Database, records: RecordService): ExternalAuthStore {
  const { db } = database;

  return {
    async find(collectionId, provider, providerId) {
      const row = await db.selectFrom(EXTERNAL_AUTHS).select(['id', 'collectionRef', 'recordRef', 'provider', 'providerId'])
        .where('collectionRef', '=', collectionId).where('provider', '=', provider).where('providerId', '=', providerId)
        .executeTakeFirst();
      return row ? { id: String(row.id), collectionRef: String(row.collectionRef), recordRef: String(row.recordRef), provider: String(row.provider), providerId: String(row.providerId) } : null;
    },
    async link(collectionId, recordId, provider, providerId) {
      // One link per provider and record: a new identity from the same provider replaces the old one.
      const old = await db.selectFrom(EXTERNAL_AUTHS).select('id')
        .where('collectionRef', '=', collectionId).where('recordRef', '=', recordId).where('provider', '=', provider).execute();
      for (const row of old) await records.remove(EXTERNAL_AUTHS, String(row.id), systemContext());
      await records.create(EXTERNAL_AUTHS, { collectionRef: collectionId, recordRef: recordId, provider, providerId }, systemContext());
    },
    async remove(id) {
      await records.remove(EXTERNAL_AUTHS, id, systemContext());
    },
    async removeAllOf(collectionId, recordId) {
      const rows = await db.selectFrom(EXTERNAL_AUTHS).select('id').where('collectionRef', '=', collectionId).where('recordRef', '=', recordId).execute();
      for (const row of rows) await records.remove(EXTERNAL_AUTHS, String(row.id), systemContext());
    },
  };
}
