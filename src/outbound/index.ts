// Outgoing HTTP to user-configured URLs (OAuth2 providers, later webhooks and connectors), behind an SSRF guard.
/** Public-unicast address checks. */
export { classifyAddress, isPublicAddress, type AddressClass } from './address.js';
/** The guarded client: no private addresses unless allowed, pinned connections, timeouts, a size cap. */
export {
  createOutboundClient, guardedLookup, OutboundError, type OutboundClient, type OutboundErrorKind, type OutboundOptions, type OutboundRequest, type OutboundResponse,
} from './client.js';
