// Shared, expiring state that every node must agree on: request counters for rate limits and small
// values such as lockouts. In-process by default; Redis when MS_REDIS_URL is set.

export interface Counter {
  /** Hits in the current window, this one included. */
  readonly count: number;
  /** Milliseconds until the window ends and the count starts again from zero. */
  readonly resetInMs: number;
}

export interface CounterStore {
  /** Counts one hit on `key` in a fixed window of `windowMs` that starts at the key's first hit. */
  hit(key: string, windowMs: number): Promise<Counter>;
  /** A small value kept for `ttlMs`. */
  put(key: string, value: string, ttlMs: number): Promise<void>;
  get(key: string): Promise<string | null>;
  delete(key: string): Promise<void>;
}

/**
 * Messages between the nodes of one deployment (cache invalidation, revocations, realtime fan-out).
 * Delivery is at most once and every node gets its own messages back (unless it asks not to), so
 * handlers must be idempotent.
 */
export interface Bus {
  publish(channel: string, message: string): void;
  /**
   * `othersOnly`: only other nodes' messages, for a publisher that has already done locally what
   * the message asks (a single node then never calls the handler).
   */
  subscribe(channel: string, handler: (message: string) => void, options?: { readonly othersOnly?: boolean }): void;
}
