// Shared expiring state (rate-limit counters, lockouts): the port and its adapters.
export type { Counter, CounterStore } from './ports.js';
export { createMemoryCounters } from './memory-counters.js';
