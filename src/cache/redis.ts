// Redis adapters (MS_REDIS_URL): counters shared by every node and a pub/sub Bus. One connection for
// commands and one for subscriptions (a subscribed Redis connection takes no other commands).
import { Redis } from 'ioredis';
import { randomString } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { Bus, CounterStore } from './ports.js';

const KEY_PREFIX = 'ms:';
const NODE_ID_LENGTH = 16;

// INCR, and start the window on the first hit only: one round trip, and atomic across nodes.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}`;

export interface RedisConnections {
  readonly counters: CounterStore;
  readonly bus: Bus;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export async function connectRedis(url: string, log: Logger): Promise<RedisConnections> {
  const options = { keyPrefix: KEY_PREFIX, maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: true };
  const commands = new Redis(url, options);
  const subscriber = new Redis(url, { ...options, keyPrefix: undefined });
  for (const [name, client] of [['commands', commands], ['subscriber', subscriber]] as const) {
    client.on('error', (err: Error) => log.warn({ err: { message: err.message }, connection: name }, 'redis error'));
  }
  try {
    await Promise.all([commands.connect(), subscriber.connect()]);
  } catch (err) {
    // Left alone, ioredis would retry for ever and keep the process alive after start-up failed.
    commands.disconnect();
    subscriber.disconnect();
    throw new Error(`cannot reach Redis at MS_REDIS_URL: ${(err as Error).message}`, { cause: err });
  }

  // Every message travels as `<sending node>:<message>`, so a handler may skip this node's own.
  const nodeId = randomString(NODE_ID_LENGTH);
  type Handler = { readonly handle: (message: string) => void; readonly othersOnly: boolean };
  const handlers = new Map<string, Handler[]>();
  subscriber.on('message', (channel: string, raw: string) => {
    const fromSelf = raw.startsWith(`${nodeId}:`);
    const message = raw.slice(NODE_ID_LENGTH + 1);
    for (const { handle, othersOnly } of handlers.get(channel.slice(KEY_PREFIX.length)) ?? []) {
      if (!(othersOnly && fromSelf)) handle(message);
    }
  });

  return {
    counters: {
      async hit(key, windowMs) {
        const [count, ttl] = (await commands.eval(HIT_SCRIPT, 1, key, String(Math.max(1, Math.round(windowMs))))) as [number, number];
        return { count, resetInMs: ttl };
      },
      async put(key, value, ttlMs) {
        await commands.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)));
      },
      get: (key) => commands.get(key),
      async delete(key) {
        await commands.del(key);
      },
    },
    bus: {
      publish(channel, message) {
        commands.publish(KEY_PREFIX + channel, `${nodeId}:${message}`).catch((err: Error) => log.warn({ err: { message: err.message }, channel }, 'redis publish failed'));
      },
      subscribe(channel, handle, options) {
        const handler = { handle, othersOnly: options?.othersOnly === true };
        const known = handlers.get(channel);
        if (known) {
          known.push(handler);
          return;
        }
        handlers.set(channel, [handler]);
        subscriber.subscribe(KEY_PREFIX + channel).catch((err: Error) => log.error({ err: { message: err.message }, channel }, 'redis subscribe failed'));
      },
    },
    async ping() {
      try {
        return (await commands.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      await Promise.allSettled([commands.quit(), subscriber.quit()]);
    },
  };
}
