// The single-node Bus: delivery is a synchronous call, so a revocation is seen before publish returns.
import type { Bus } from './ports.js';

export function createMemoryBus(): Bus {
  const handlers = new Map<string, ((message: string) => void)[]>();
  return {
    publish(channel, message) {
      for (const handler of handlers.get(channel) ?? []) handler(message);
    },
    subscribe(channel, handler, options) {
      // One node: there are no others to hear from.
      if (options?.othersOnly) return;
      handlers.set(channel, [...(handlers.get(channel) ?? []), handler]);
    },
  };
}
