// The connected realtime clients of this node: their streams, identity, subscriptions and the IP
// they connected from. Messages reach them through the bus, so a sender need not know the node.
import type { AuthState } from '../core/auth-state.js';
import { AppError } from '../core/errors.js';
import { randomString } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { PING_FRAME, eventFrame, isSingleLine } from './frames.js';
import type { RealtimeBus, RealtimeMessage, SseSink } from './ports.js';
import { parseSubscription, type Subscription } from './topics.js';

export interface RealtimeHubOptions {
  readonly bus: RealtimeBus;
  /** A stream with no message for this long is closed (PocketBase: 5 minutes). */
  readonly idleTimeoutMs?: number;
  /** Any stream is closed after this long, so identities and rules are re-read on reconnect. */
  readonly maxConnectionMs?: number;
  /** How often a `: ping` comment is written; 0 turns it off. */
  readonly pingIntervalMs?: number;
  /** A client that leaves this many bytes unread is dropped rather than buffered without end. */
  readonly maxPendingBytes?: number;
  readonly log?: Logger;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_MAX_CONNECTION_MS = 30 * 60_000;
export const DEFAULT_PING_INTERVAL_MS = 30_000;
export const DEFAULT_MAX_PENDING_BYTES = 4 * 1024 * 1024;
/** PocketBase's client ids are 40 random characters. */
export const CLIENT_ID_LENGTH = 40;

export interface RealtimeClient {
  readonly id: string;
  readonly ip: string;
  /**
   * Set by the subscribe request; null for a guest. When that request reached another node, the
   * record was re-read here by id and `token` is empty (see relay.ts).
   */
  readonly auth: AuthState | null;
  /** By subscription string. */
  readonly subscriptions: ReadonlyMap<string, Subscription>;
}

export interface RealtimeHub {
  /** Registers a new stream and writes its PB_CONNECT frame. */
  connect(options: { readonly ip: string; readonly sink: SseSink }): RealtimeClient;
  /** Forgets the client and ends its stream; unknown ids are ignored. */
  disconnect(clientId: string): void;
  get(clientId: string): RealtimeClient | undefined;
  /** Sets the client's identity and replaces its whole subscription set. */
  update(clientId: string, change: { readonly auth: AuthState | null; readonly subscriptions: readonly string[] }): void;
  unsubscribe(clientId: string, key: string): void;
  /** Sends `data` to every client, on any node, subscribed to `topic` (under each subscription's own name). */
  publish(topic: string, data: unknown): Promise<void>;
  /** Sends one event to one client, on whichever node holds it. */
  sendTo(clientId: string, event: string, data: unknown): Promise<void>;
  /** Counts of connected clients and indexed topics on this node. */
  stats(): { readonly clients: number; readonly topics: number };
  /** Ends every stream and refuses new ones: for shutdown. */
  close(): void;
}

interface ClientState extends RealtimeClient {
  auth: AuthState | null;
  subscriptions: Map<string, Subscription>;
  /** Subscription strings by topic, for delivery. */
  readonly byTopic: Map<string, string[]>;
  readonly sink: SseSink;
  readonly idleTimer: NodeJS.Timeout;
  readonly lifeTimer: NodeJS.Timeout;
}

const toJson = (data: unknown): string => JSON.stringify(data) ?? 'null';

export function createRealtimeHub(options: RealtimeHubOptions): RealtimeHub {
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const maxConnectionMs = options.maxConnectionMs ?? DEFAULT_MAX_CONNECTION_MS;
  const pingIntervalMs = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
  const maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
  const log = options.log;

  const clients = new Map<string, ClientState>();
  /** Topic → clients with at least one subscription to it. */
  const topics = new Map<string, Set<ClientState>>();
  let pingTimer: NodeJS.Timeout | null = null;
  let isClosed = false;

  function unindex(client: ClientState): void {
    for (const topic of client.byTopic.keys()) {
      const set = topics.get(topic);
      set?.delete(client);
      if (set?.size === 0) topics.delete(topic);
    }
    client.byTopic.clear();
  }

  function index(client: ClientState): void {
    for (const sub of client.subscriptions.values()) {
      const keys = client.byTopic.get(sub.topic);
      if (keys) {
        keys.push(sub.key);
        continue;
      }
      client.byTopic.set(sub.topic, [sub.key]);
      let set = topics.get(sub.topic);
      if (!set) topics.set(sub.topic, (set = new Set()));
      set.add(client);
    }
  }

  function disconnect(clientId: string): void {
    const client = clients.get(clientId);
    if (!client) return;
    clients.delete(clientId);
    unindex(client);
    client.subscriptions.clear();
    clearTimeout(client.idleTimer);
    clearTimeout(client.lifeTimer);
    if (clients.size === 0 && pingTimer) {
      clearInterval(pingTimer);
      pingTimer = null;
    }
    client.sink.end();
  }

  /** Writes a frame; a client too far behind is dropped instead (it reconnects and resubscribes). */
  function write(client: ClientState, frame: string): void {
    client.sink.write(frame);
    if (client.sink.pendingBytes > maxPendingBytes) {
      log?.warn({ clientId: client.id, pendingBytes: client.sink.pendingBytes }, 'realtime client too slow, disconnected');
      disconnect(client.id);
    }
  }

  function send(client: ClientState, event: string, data: string): void {
    // Refreshed first: the write may drop the client, and a refreshed timer would outlive it.
    client.idleTimer.refresh();
    write(client, eventFrame(client.id, event, data));
  }

  function deliver(message: RealtimeMessage): void {
    if (message.kind === 'client') {
      const client = clients.get(message.clientId);
      if (client) send(client, message.event, message.data);
      return;
    }
    const subscribers = topics.get(message.topic);
    if (!subscribers) return;
    // A copy: a slow client dropped while sending leaves the set.
    for (const client of [...subscribers]) {
      for (const key of client.byTopic.get(message.topic) ?? []) {
        if (clients.has(client.id)) send(client, key, message.data);
      }
    }
  }

  function ping(): void {
    for (const client of [...clients.values()]) write(client, PING_FRAME);
  }

  const stopDelivery = options.bus.subscribe(deliver);

  return {
    connect({ ip, sink }) {
      if (isClosed) throw new AppError('unavailable');
      let id = randomString(CLIENT_ID_LENGTH);
      while (clients.has(id)) id = randomString(CLIENT_ID_LENGTH);
      const client: ClientState = {
        id, ip, sink, auth: null, subscriptions: new Map(), byTopic: new Map(),
        idleTimer: setTimeout(() => disconnect(id), idleTimeoutMs).unref(),
        lifeTimer: setTimeout(() => disconnect(id), maxConnectionMs).unref(),
      };
      clients.set(id, client);
      if (pingIntervalMs > 0 && !pingTimer) pingTimer = setInterval(ping, pingIntervalMs).unref();
      send(client, 'PB_CONNECT', toJson({ clientId: id }));
      return client;
    },

    disconnect,

    get: (clientId) => clients.get(clientId),

    update(clientId, change) {
      const client = clients.get(clientId);
      if (!client) return;
      client.auth = change.auth;
      unindex(client);
      client.subscriptions = new Map(change.subscriptions.map((key) => [key, parseSubscription(key)]));
      index(client);
    },

    unsubscribe(clientId, key) {
      const client = clients.get(clientId);
      if (!client?.subscriptions.delete(key)) return;
      unindex(client);
      index(client);
    },

    publish: (topic, data) => options.bus.publish({ kind: 'topic', topic, data: toJson(data) }),

    async sendTo(clientId, event, data) {
      if (!isSingleLine(event)) throw new Error('an event name cannot hold a line break');
      await options.bus.publish({ kind: 'client', clientId, event, data: toJson(data) });
    },

    stats: () => ({ clients: clients.size, topics: topics.size }),

    close() {
      isClosed = true;
      stopDelivery();
      for (const id of [...clients.keys()]) disconnect(id);
    },
  };
}
