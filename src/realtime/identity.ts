// Rebuilds a subscribe request's caller on the node holding the realtime client, from the ids that
// crossed the Bus: the record is re-read from the shared database, so no token leaves the node that
// received it. The token itself stays empty: a realtime client never refreshes it.
import { isAuthCollection, SUPERUSERS_ID, type CollectionRegistry } from '../collections/index.js';
import type { RecordService } from '../records/index.js';
import type { ResolveIdentity } from './relay.js';

export interface IdentityResolverDeps {
  readonly registry: Pick<CollectionRegistry, 'get'>;
  readonly records: Pick<RecordService, 'findStored'>;
}

export function createIdentityResolver({ registry, records }: IdentityResolverDeps): ResolveIdentity {
  return async ({ collectionId, recordId, sessionId }) => {
    const collection = registry.get(collectionId);
    // `get` also takes names: only the id itself may match.
    if (!collection || collection.id !== collectionId || !isAuthCollection(collection)) return null;
    const record = await records.findStored(collection, recordId);
    if (!record) return null;
    return {
      collectionId, collectionName: collection.name, record, sessionId,
      isSuperuser: collectionId === SUPERUSERS_ID, token: '', refreshable: false,
    };
  };
}
