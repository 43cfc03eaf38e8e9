// The realtime bus over the deployment's shared Bus (Redis pub/sub with several nodes, in-process
// with one): every message goes to every node's hub, each delivering to the clients it holds.
import type { Bus } from '../../cache/index.js';
import type { RealtimeBus, RealtimeMessage } from '../ports.js';
import { isText, parseObject } from '../wire.js';

export const REALTIME_CHANNEL = 'realtime';

/** The message, or null when another node (or anything else on the channel) sent something malformed. */
function parseMessage(text: string): RealtimeMessage | null {
  const m = parseObject(text);
  if (m?.kind === 'topic' && isText(m.topic) && isText(m.data)) return { kind: 'topic', topic: m.topic, data: m.data };
  if (m?.kind === 'client' && isText(m.clientId) && isText(m.event) && isText(m.data)) {
    return { kind: 'client', clientId: m.clientId, event: m.event, data: m.data };
  }
  return null;
}

export function createSharedRealtimeBus(bus: Bus, channel = REALTIME_CHANNEL): RealtimeBus {
  const listeners = new Set<(message: RealtimeMessage) => void>();
  bus.subscribe(channel, (text) => {
    const message = parseMessage(text);
    if (!message) return;
    for (const deliver of listeners) deliver(message);
  });
  return {
    async publish(message) {
      bus.publish(channel, JSON.stringify(message));
    },
    subscribe(deliver) {
      listeners.add(deliver);
      return () => { listeners.delete(deliver); };
    },
  };
}
