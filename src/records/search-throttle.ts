// PocketBase's guard against timing attacks through list rules: after more than 3 empty filtered
// searches in 3 s by one client on one collection, each further one waits a random 0–500 ms.
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LRUCache } from 'lru-cache';

const WINDOW_MS = 3000;
const FREE_ATTEMPTS = 3;
const MAX_DELAY_MS = 500;

export interface SearchThrottle {
  /** Call after an empty rule-filtered search; resolves at once or after the random delay. */
  afterEmptySearch(client: string, collectionId: string): Promise<void>;
}

export function createSearchThrottle(wait: (ms: number) => Promise<unknown> = sleep): SearchThrottle {
  // TODO(#7): share the counters through Redis when several nodes serve.
  const attempts = new LRUCache<string, number>({ max: 50_000, ttl: WINDOW_MS });
  return {
    async afterEmptySearch(client, collectionId) {
      const key = `${client}\u0000${collectionId}`;
      const count = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, count, { noUpdateTTL: count > 1 });
      if (count > FREE_ATTEMPTS) await wait(randomInt(MAX_DELAY_MS));
    },
  };
}
