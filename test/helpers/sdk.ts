// Test-file helper: the official PocketBase SDK as an app would use it, and its error type.
import PocketBase, { ClientResponseError } from 'pocketbase';

/** A PocketBase client for `url`; Node has no page to cancel requests on, so auto-cancellation is off. */
export function sdkClient(url: string): PocketBase {
  const pb = new PocketBase(url);
  pb.autoCancellation(false);
  return pb;
}

/** The ClientResponseError a call fails with; fails the test if it succeeds or fails otherwise. */
export async function sdkFailure(call: Promise<unknown>): Promise<ClientResponseError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof ClientResponseError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}
