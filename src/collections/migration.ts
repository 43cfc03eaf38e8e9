// The collections a fresh instance has: `_superusers` and PocketBase's default `users`.
import type { Migration } from '../db/index.js';
import type { CollectionService } from './service.js';
import type { CollectionRegistry } from './store.js';
import { authIndexes, autodateFields, authSystemFields, idField, SUPERUSERS, SUPERUSERS_ID, USERS_ID } from './scaffolds.js';
import { fieldIdFor } from '../core/ids.js';

export function defaultCollectionsMigration(collections: CollectionService, registry: CollectionRegistry): Migration {
  return {
    name: '0001_default_collections',
    async up() {
      await registry.reload();
      if (!registry.get(SUPERUSERS_ID)) {
        await collections.create({
          id: SUPERUSERS_ID, name: SUPERUSERS, type: 'auth', system: true,
          fields: [idField(), ...authSystemFields(), ...autodateFields()],
          indexes: authIndexes(SUPERUSERS_ID, SUPERUSERS),
          authToken: { duration: 86400 },
        }, { allowSystem: true });
      }
      if (!registry.get(USERS_ID) && !registry.get('users')) {
        await collections.create({
          id: USERS_ID, name: 'users', type: 'auth',
          fields: [
            idField(), ...authSystemFields(),
            { id: fieldIdFor('text', 'name'), name: 'name', type: 'text', max: 255 },
            { id: fieldIdFor('file', 'avatar'), name: 'avatar', type: 'file', maxSelect: 1, mimeTypes: ['image/jpeg', 'image/png', 'image/svg+xml', 'image/gif', 'image/webp'] },
            ...autodateFields(),
          ],
          indexes: authIndexes(USERS_ID, 'users'),
          listRule: 'id = @request.auth.id', viewRule: 'id = @request.auth.id', createRule: '',
          updateRule: 'id = @request.auth.id', deleteRule: 'id = @request.auth.id',
        });
      }
    },
    async down() {
      // Default collections hold user data; taking the migration back leaves them in place.
    },
  };
}
