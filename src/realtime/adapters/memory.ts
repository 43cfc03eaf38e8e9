// The in-process realtime bus: one node, so publishing is delivering to this node's hub.
import type { RealtimeBus, RealtimeMessage } from '../ports.js';

export function createMemoryRealtimeBus(): RealtimeBus {
  const listeners = new Set<(message: RealtimeMessage) => void>();
  return {
    async publish(message) {
      for (const deliver of listeners) deliver(message);
    },
    subscribe(deliver) {
      listeners.add(deliver);
      return () => { listeners.delete(deliver); };
    },
  };
}
