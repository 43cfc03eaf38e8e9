// Requests aimed at one realtime client that may be connected to another node: a subscribe POST
// or an OAuth2 redirect reaching a node without the client is asked of every node over the shared
// Bus. The node holding the client applies it exactly as a local request and answers on the
// asker's own reply channel; silence until the deadline means no node holds it.
import type { Bus } from '../cache/index.js';
import type { AuthState } from '../core/auth-state.js';
import { AppError, DEFAULT_MESSAGES, HTTP_STATUS, type ErrorCode } from '../core/errors.js';
import { randomString } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { CLIENT_ID_LENGTH, type RealtimeClient, type RealtimeHub } from './hub.js';
import { forwardOAuth2Redirect, setSubscriptions, type OAuth2RedirectInput, type OAuth2RedirectOutcome } from './service.js';
import { parseSubscribeBody, type SubscribeBody } from './topics.js';
import { isRecord, isText, parseObject } from './wire.js';

/**
 * Who made a subscribe request, as it travels between nodes: ids only, never the token. The node
 * holding the client re-reads the record from the shared database (see createIdentityResolver).
 */
export interface IdentityRef {
  readonly collectionId: string;
  readonly recordId: string;
  readonly sessionId: string;
}

/** The caller's AuthState rebuilt from its ids; null when the record is gone. */
export type ResolveIdentity = (ref: IdentityRef) => Promise<AuthState | null>;

export interface RealtimeRelayOptions {
  readonly bus: Bus;
  readonly hub: RealtimeHub;
  readonly resolveIdentity: ResolveIdentity;
  /** How long to wait for the node holding the client (default 2 s). */
  readonly timeoutMs?: number;
  readonly log?: Logger;
}

export type SubscribeRequest = SubscribeBody & { readonly auth: AuthState | null; readonly ip: string };

export interface RealtimeRelay {
  /** setSubscriptions wherever the client is; rejects with that node's AppError, or 404 when no node holds it. */
  setSubscriptions(request: SubscribeRequest): Promise<void>;
  /** forwardOAuth2Redirect wherever the client is; `no_client` when no node holds it. */
  forwardOAuth2Redirect(input: OAuth2RedirectInput): Promise<OAuth2RedirectOutcome>;
}

export const DEFAULT_RELAY_TIMEOUT_MS = 2_000;
export const ASK_CHANNEL = 'realtime:ask';
const replyChannel = (nodeId: string): string => `realtime:reply:${nodeId}`;

type Ask =
  | { readonly op: 'subscribe'; readonly clientId: string; readonly subscriptions: readonly string[]; readonly identity: IdentityRef | null; readonly ip: string }
  | { readonly op: 'oauth2'; readonly state: string; readonly code: string; readonly error: string; readonly ip: string };
type Envelope = { readonly id: string; readonly replyTo: string };
/** `error` for a refused subscribe request, `outcome` for a redirect. */
type Reply = { readonly id: string; readonly error?: { readonly code: ErrorCode; readonly message: string }; readonly outcome?: OAuth2RedirectOutcome };

/** Only ids a hub could have issued are worth asking the other nodes about. */
const CLIENT_ID_SHAPE = new RegExp(`^[a-z0-9]{${CLIENT_ID_LENGTH}}$`);
/** Questions waiting for an answer at once, at most: beyond, the asker answers 503 rather than queue. */
const MAX_PENDING = 1000;

const OUTCOMES: ReadonlySet<string> = new Set<OAuth2RedirectOutcome>(['success', 'no_client', 'provider_error', 'missing_code']);
const NO_CLIENT = 'Missing or invalid client id.';

function parseIdentity(value: unknown): IdentityRef | null | undefined {
  if (value === null) return null;
  if (!isRecord(value) || !isText(value.collectionId) || !isText(value.recordId) || !isText(value.sessionId)) return undefined;
  return { collectionId: value.collectionId, recordId: value.recordId, sessionId: value.sessionId };
}

/** The ask, or null when it is malformed. */
function parseAsk(m: Record<string, unknown>): (Ask & Envelope) | null {
  if (!isText(m.id) || !isText(m.replyTo) || !isText(m.ip)) return null;
  const envelope = { id: m.id, replyTo: m.replyTo, ip: m.ip };
  if (m.op === 'subscribe') {
    const identity = parseIdentity(m.identity);
    if (!isText(m.clientId) || !Array.isArray(m.subscriptions) || identity === undefined) return null;
    // Checked again here as a local POST is: the bus is no reason to trust a topic's shape.
    let body: SubscribeBody;
    try {
      body = parseSubscribeBody({ clientId: m.clientId, subscriptions: m.subscriptions });
    } catch {
      return null;
    }
    return { ...envelope, op: 'subscribe', clientId: body.clientId, subscriptions: body.subscriptions, identity };
  }
  if (m.op === 'oauth2' && isText(m.state) && isText(m.code) && isText(m.error)) {
    return { ...envelope, op: 'oauth2', state: m.state, code: m.code, error: m.error };
  }
  return null;
}

function parseReply(m: Record<string, unknown>): Reply | null {
  if (!isText(m.id)) return null;
  if (isRecord(m.error)) {
    const { code, message } = m.error;
    return isText(code) && Object.hasOwn(HTTP_STATUS, code) && isText(message) ? { id: m.id, error: { code: code as ErrorCode, message } } : null;
  }
  if (m.outcome !== undefined) return isText(m.outcome) && OUTCOMES.has(m.outcome) ? { id: m.id, outcome: m.outcome as OAuth2RedirectOutcome } : null;
  return { id: m.id };
}

export function createRealtimeRelay(options: RealtimeRelayOptions): RealtimeRelay {
  const { bus, hub, resolveIdentity, log } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_RELAY_TIMEOUT_MS;
  const nodeId = randomString(20);
  const pending = new Map<string, (reply: Reply) => void>();

  /** The holding node's reply, or null when none came in time. */
  function ask(question: Ask): Promise<Reply | null> {
    const id = randomString(20);
    if (pending.size >= MAX_PENDING) return Promise.reject(new AppError('unavailable', 'Too many realtime requests in flight; try again.'));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve(null);
      }, timeoutMs);
      // A question still waiting must not hold the process open at shutdown.
      timer.unref();
      pending.set(id, (reply) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(reply);
      });
      bus.publish(ASK_CHANNEL, JSON.stringify({ ...question, id, replyTo: nodeId }));
    });
  }

  const answer = (to: string, reply: Reply): void => bus.publish(replyChannel(to), JSON.stringify(reply));

  /**
   * Subscription changes per client seen by this node, in arrival order: a relayed change waiting on
   * the database must not land over one that arrived after it.
   */
  const versions = new WeakMap<RealtimeClient, number>();
  const bump = (client: RealtimeClient): number => {
    const version = (versions.get(client) ?? 0) + 1;
    versions.set(client, version);
    return version;
  };

  async function applySubscribe(request: Extract<Ask, { op: 'subscribe' }> & Envelope, client: RealtimeClient): Promise<void> {
    let error: Reply['error'];
    const version = bump(client);
    try {
      const auth = request.identity ? await resolveIdentity(request.identity) : null;
      // The asker authenticated this record a moment ago: only a deletion since can get here.
      if (request.identity && !auth) throw new AppError('unauthorized');
      // A newer change arrived meanwhile: this one is already superseded, as if applied and replaced.
      if (versions.get(client) === version) setSubscriptions(hub, { clientId: request.clientId, subscriptions: request.subscriptions, auth, ip: request.ip });
    } catch (err) {
      if (err instanceof AppError) {
        error = { code: err.code, message: err.message };
      } else {
        log?.error({ err }, 'realtime subscribe for another node failed');
        error = { code: 'internal', message: DEFAULT_MESSAGES.internal };
      }
    }
    answer(request.replyTo, { id: request.id, error });
  }

  async function applyRedirect(request: Extract<Ask, { op: 'oauth2' }> & Envelope): Promise<void> {
    let outcome: OAuth2RedirectOutcome = 'no_client';
    try {
      outcome = await forwardOAuth2Redirect(hub, request);
    } catch (err) {
      log?.error({ err }, 'oauth2 redirect for another node failed');
    }
    answer(request.replyTo, { id: request.id, outcome });
  }

  bus.subscribe(ASK_CHANNEL, (text) => {
    const m = parseObject(text);
    const request = m && parseAsk(m);
    // Its own questions come back too: this node already knew it does not hold the client.
    if (!request || request.replyTo === nodeId) return;
    // Only the node holding the client answers; client ids are unique, so at most one does.
    const client = hub.get(request.op === 'subscribe' ? request.clientId : request.state);
    if (!client) return;
    void (request.op === 'subscribe' ? applySubscribe(request, client) : applyRedirect(request));
  });

  bus.subscribe(replyChannel(nodeId), (text) => {
    const m = parseObject(text);
    const reply = m && parseReply(m);
    if (reply) pending.get(reply.id)?.(reply);
  });

  return {
    async setSubscriptions(request) {
      const local = hub.get(request.clientId);
      if (local) {
        bump(local);
        return setSubscriptions(hub, request);
      }
      if (!CLIENT_ID_SHAPE.test(request.clientId)) throw new AppError('not_found', NO_CLIENT);
      const identity = request.auth
        ? { collectionId: request.auth.collectionId, recordId: request.auth.record.id, sessionId: request.auth.sessionId }
        : null;
      const reply = await ask({ op: 'subscribe', clientId: request.clientId, subscriptions: request.subscriptions, identity, ip: request.ip });
      if (!reply) throw new AppError('not_found', NO_CLIENT);
      if (reply.error) throw new AppError(reply.error.code, reply.error.message);
    },

    async forwardOAuth2Redirect(input) {
      if (!CLIENT_ID_SHAPE.test(input.state) || hub.get(input.state)) return forwardOAuth2Redirect(hub, input);
      const reply = await ask({ op: 'oauth2', state: input.state, code: input.code, error: input.error, ip: input.ip });
      return reply?.outcome ?? 'no_client';
    },
  };
}
