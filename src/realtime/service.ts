// The realtime protocol's rules over the hub: who may change a client's subscriptions, and how an
// OAuth2 provider's redirect reaches the SDK popup flow that waits on the `@oauth2` topic.
import type { AuthState } from '../core/auth-state.js';
import { AppError } from '../core/errors.js';
import type { RealtimeHub } from './hub.js';
import type { SubscribeBody } from './topics.js';

/** The topic the SDK's popup flow listens on for the provider's redirect. */
export const OAUTH2_TOPIC = '@oauth2';

const isSameAuth = (a: AuthState | null, b: AuthState | null): boolean =>
  a !== null && b !== null && a.collectionId === b.collectionId && a.record.id === b.record.id;

/**
 * Replaces a client's subscriptions; the request's caller becomes the client's identity. As in
 * PocketBase, a guest may become a user but an identity never changes to another (or to a guest).
 */
export function setSubscriptions(hub: RealtimeHub, request: SubscribeBody & { readonly auth: AuthState | null; readonly ip: string }): void {
  const client = hub.get(request.clientId);
  if (!client) throw new AppError('not_found', 'Missing or invalid client id.');
  // The client id travels in the clear in the stream; only the machine holding the stream may use it.
  if (client.ip !== request.ip) throw new AppError('bad_request', "The request IP doesn't match the realtime connection's IP.");
  if (client.auth && !isSameAuth(client.auth, request.auth)) {
    throw new AppError('forbidden', "The current and the previous request authorization don't match.");
  }
  hub.update(client.id, { auth: request.auth, subscriptions: request.subscriptions });
}

export interface OAuth2RedirectInput {
  readonly state: string;
  readonly code: string;
  readonly error: string;
  /** Where the redirect came from: the browser that opened the popup. */
  readonly ip: string;
}

/** `success` only when the waiting client got a code and no error. */
export type OAuth2RedirectOutcome = 'success' | 'no_client' | 'provider_error' | 'missing_code';

/**
 * Hands the provider's answer to the client whose id is `state` (subscribed to `@oauth2`, same IP),
 * then drops that subscription: one code per popup. An `error` is passed on too, so the SDK fails
 * at once instead of waiting for its timeout.
 */
export async function forwardOAuth2Redirect(hub: RealtimeHub, input: OAuth2RedirectInput): Promise<OAuth2RedirectOutcome> {
  const client = input.state === '' ? undefined : hub.get(input.state);
  if (!client || !client.subscriptions.has(OAUTH2_TOPIC) || client.ip !== input.ip) return 'no_client';
  const data = input.error === ''
    ? { state: input.state, code: input.code }
    : { state: input.state, code: input.code, error: input.error };
  await hub.sendTo(client.id, OAUTH2_TOPIC, data);
  hub.unsubscribe(client.id, OAUTH2_TOPIC);
  if (input.error !== '') return 'provider_error';
  return input.code === '' ? 'missing_code' : 'success';
}
