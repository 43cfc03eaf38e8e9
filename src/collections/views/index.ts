// View collections: reading a view query, probing it against the database and deriving its fields.
export { mentionedNames, parseViewQuery, trimViewQuery, ViewQueryError, type ParsedViewQuery, type SelectColumn, type TableRef } from './query.js';
export { deriveViewFields, type FindByName } from './fields.js';
export { probeViewQuery, type ViewShape } from './probe.js';
export type { LexOptions } from './lexer.js';

/** PocketBase's code for a view query it cannot use. */
export const INVALID_VIEW_QUERY_CODE = 'validation_invalid_view_query';
/** PocketBase's message: "Invalid query - " and the reason. */
export const invalidViewQueryMessage = (reason: string): string => `Invalid query - ${reason}`;
