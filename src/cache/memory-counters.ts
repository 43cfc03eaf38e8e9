// The in-process CounterStore: an LRU bounded in entries, so a flood of distinct keys (spoofed
// identities, many IPs) costs bounded memory; the oldest keys go first.
import { LRUCache } from 'lru-cache';
import type { CounterStore } from './ports.js';

interface Entry {
  count: number;
  value: string;
  expiresAt: number;
}

const MAX_KEYS = 100_000;

export function createMemoryCounters(maxKeys = MAX_KEYS, now: () => number = Date.now): CounterStore {
  const entries = new LRUCache<string, Entry>({ max: maxKeys });
  const live = (key: string, at: number): Entry | undefined => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= at) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  return {
    async hit(key, windowMs) {
      const at = now();
      let entry = live(key, at);
      if (!entry) {
        entry = { count: 0, value: '', expiresAt: at + windowMs };
        entries.set(key, entry);
      }
      entry.count++;
      return { count: entry.count, resetInMs: entry.expiresAt - at };
    },
    async put(key, value, ttlMs) {
      entries.set(key, { count: 0, value, expiresAt: now() + ttlMs });
    },
    async get(key) {
      return live(key, now())?.value ?? null;
    },
    async delete(key) {
      entries.delete(key);
    },
  };
}
