// Realtime: the SSE hub of connected clients, its bus port, and the realtime and OAuth2 redirect routes.
export type { RealtimeBus, RealtimeMessage, SseSink } from './ports.js';
/** Over the deployment's shared Bus (in-process on one node): every node's hub gets every message. */
export { createSharedRealtimeBus, REALTIME_CHANNEL } from './adapters/shared-bus.js';
/** Subscribe requests and OAuth2 redirects for a client held by another node. */
export {
  createRealtimeRelay, DEFAULT_RELAY_TIMEOUT_MS, type IdentityRef, type RealtimeRelay, type RealtimeRelayOptions, type ResolveIdentity,
} from './relay.js';
export { createIdentityResolver, type IdentityResolverDeps } from './identity.js';
/** The connected clients of this node and the fan-out of messages to them. */
export {
  createRealtimeHub, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_MAX_CONNECTION_MS, DEFAULT_PING_INTERVAL_MS,
  type RealtimeClient, type RealtimeHub, type RealtimeHubOptions,
} from './hub.js';
export { MAX_SUBSCRIPTIONS, MAX_TOPIC_LENGTH, parseSubscription, topicOf, type Subscription, type SubscriptionOptions } from './topics.js';
export { OAUTH2_TOPIC } from './service.js';
/** `/api/realtime` and `/api/oauth2-redirect`. */
export { realtimeRoutes, OAUTH2_FAILURE_PATH, OAUTH2_SUCCESS_PATH, type RealtimeRoutesOptions } from './routes.js';
