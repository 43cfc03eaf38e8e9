// Collections: definitions, field values, schema changes and the collections API.
export type {
  AuthOptions, BoolField, Collection, CollectionType, EmailTemplate, Field, FieldOf, FieldType, Rules, TokenKind,
} from './model.js';
export { FIELD_TYPES, TOKEN_KINDS, isAuthCollection } from './model.js';
export {
  columnKind, fromDb, isMultiple, prepareValue, toDb, validateValue, zeroValue, type FieldValue, type Prepared,
} from './fields/values.js';
/** The byte ceiling of any password, checked before hashing. */
export { PASSWORD_MAX_BYTES } from './fields/options.js';
export { createCollectionRegistry, COLLECTIONS_TABLE, type CollectionRegistry } from './store.js';
export { SUPERUSERS, SUPERUSERS_ID, USERS_ID, newTokenSecret } from './scaffolds.js';
export { createCollectionService, type CollectionService, type CollectionJson } from './service.js';
export { collectionRoutes } from './routes.js';
export { defaultCollectionsMigration } from './migration.js';
