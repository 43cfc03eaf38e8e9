// Shared expiring state (rate-limit counters, lockouts) and the Bus between nodes: ports and adapters.
export type { Bus, Counter, CounterStore } from './ports.js';
export { createMemoryCounters } from './memory-counters.js';
export { createMemoryBus } from './memory-bus.js';
export { connectRedis, type RedisConnections } from './redis.js';
