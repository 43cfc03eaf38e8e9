// The SDK's all-in-one OAuth2 flow end to end, on every engine: `authWithOAuth2({provider,
// urlCallback})` subscribes to `@oauth2` over realtime, the "browser" (fetch with a cookie jar) signs
// in at a real OIDC provider which redirects to `/api/oauth2-redirect`, the server hands the code to
// the waiting SDK client, and the SDK completes the sign-in with `auth-with-oauth2` and PKCE.
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { startOidcForPopups, type OidcPeer } from '../helpers/oidc.js';
import { sdkClient, sdkFailure } from '../helpers/sdk.js';
import { countOf } from '../records/fixtures.js';

(globalThis as { EventSource?: unknown }).EventSource ??= EventSource;

for (const engine of availableEngines()) {
  describe(`${engine.name}: OAuth2 popup flow through realtime`, () => {
    let t: TestApp;
    let oidc: OidcPeer;

    beforeAll(async () => {
      t = await startTestApp({ engine, env: { MS_OUTBOUND_ALLOW_PRIVATE: '1' } });
      oidc = await startOidcForPopups(t);
    });
    afterAll(async () => {
      await t?.close();
      await oidc?.close();
    });

    it('signs up, then signs in again to the same record, with the browser landing on the success page', async () => {
      oidc.addAccount({ sub: `${engine.name}-popup`, email: `popup-${engine.name}@example.com`, emailVerified: true, name: 'Popup User' });
      const landings: string[] = [];
      const browser = async (url: string): Promise<void> => {
        // The SDK's state is its realtime client id; the redirect goes back to this server.
        expect(new URL(url).searchParams.get('redirect_uri')).toBe(`${t.url}/api/oauth2-redirect`);
        const back = await oidc.signInAt(url, `${engine.name}-popup`);
        expect(back.origin + back.pathname).toBe(`${t.url}/api/oauth2-redirect`);
        const landing = await fetch(back, { redirect: 'manual' });
        expect(landing.status).toBe(307);
        landings.push(String(landing.headers.get('location')));
      };

      const pb = sdkClient(t.url);
      const first = await pb.collection('users').authWithOAuth2({ provider: 'oidc', urlCallback: browser });
      expect(first.meta).toMatchObject({ isNew: true, email: `popup-${engine.name}@example.com`, name: 'Popup User' });
      expect(first.record).toMatchObject({ email: `popup-${engine.name}@example.com`, verified: true, name: 'Popup User' });
      expect(pb.authStore.isValid).toBe(true);
      expect(pb.authStore.record?.id).toBe(first.record.id);
      // The SDK closed its realtime connection when it was done.
      expect(pb.realtime.isConnected).toBe(false);

      const again = await sdkClient(t.url).collection('users').authWithOAuth2({ provider: 'oidc', urlCallback: browser });
      expect(again.meta?.isNew).toBe(false);
      expect(again.record.id).toBe(first.record.id);
      expect(landings).toEqual(['/_/#/auth/oauth2-redirect-success', '/_/#/auth/oauth2-redirect-success']);

      const log = await t.get(`/api/auth-log?filter=${encodeURIComponent(`event = 'oauth2' && recordId = '${first.record.id}'`)}`, { token: await t.superuserToken() });
      expect(log.body.items.map((e: { outcome: string }) => e.outcome)).toEqual(['success', 'success']);
    });

    it('fails cleanly when the provider refuses, writing nothing', async () => {
      const users = await countOf(t, 'users');
      const pb = sdkClient(t.url);
      const err = await sdkFailure(pb.collection('users').authWithOAuth2({
        provider: 'oidc',
        // The user cancels at the provider: it redirects back with an error instead of a code.
        urlCallback: async (url) => {
          const state = new URL(url).searchParams.get('state')!;
          const landing = await fetch(`${t.url}/api/oauth2-redirect?state=${state}&error=access_denied`, { redirect: 'manual' });
          expect(landing.headers.get('location')).toBe('/_/#/auth/oauth2-redirect-failure');
        },
      }));
      expect(err.status).toBe(0);
      expect(pb.authStore.isValid).toBe(false);
      expect(await countOf(t, 'users')).toBe(users);
    });
  });
}
