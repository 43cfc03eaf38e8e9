// Records: CRUD over any collection with rules, validation and cascades, and the records API.
export type { PasswordHasher, RecordChange, RecordContext, RecordJson, RecordOperations, RecordService, RecordServiceDeps } from './service.js';
/** The records service: every read and write of collection data goes through it. */
export { createRecordService, systemContext } from './service.js';
export type { StoredRecord, Viewer } from './plan.js';
export { ONLY_SUPERUSERS } from './rules.js';
/** `/api/collections/:collection/records[/:id]`. */
export { recordRoutes } from './routes.js';
/** `POST /api/batch`: record writes in one transaction. */
export { batchRoutes, DEFAULT_BATCH_LIMITS, type BatchLimits } from './batch.js';
