// The SDK's all-in-one OAuth2 popup flow in a real browser (Debian's Chromium through playwright-core),
// SQLite only: a page on the server's origin runs `authWithOAuth2({ provider })` with no urlCallback,
// so the SDK itself opens the popup (window.open), waits on realtime `@oauth2` over the browser's own
// EventSource, and the popup signs in at a real OIDC provider, which sends it back to
// `/api/oauth2-redirect`; the server hands the code to the waiting page and the popup lands on the
// dashboard's success page, which says so and closes itself.
import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type PocketBase from 'pocketbase';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { startOidcForPopups, type OidcPeer } from '../helpers/oidc.js';

const CHROMIUM = '/usr/bin/chromium';
const engine = availableEngines().find((e) => e.name === 'sqlite')!;
const SUCCESS_PATH = '/_/#/auth/oauth2-redirect-success';

// The SDK's ESM bundle, run in the page as a module script that publishes its default export.
const SDK_MODULE = readFileSync(new URL('../../node_modules/pocketbase/dist/pocketbase.es.mjs', import.meta.url), 'utf8');

/** What the page functions use of the page (the project compiles without the DOM library). */
type PageGlobal = {
  PocketBase?: typeof PocketBase;
  reportLanding?: (landing: Landing) => Promise<void>;
  readonly location: { readonly href: string; readonly pathname: string };
  readonly document: { readonly title: string; getElementById(id: string): { readonly textContent: string | null } | null };
  addEventListener(type: string, listener: () => void): void;
};

/** What the popup showed when a page of the server finished loading in it. */
interface Landing {
  readonly url: string;
  readonly title: string;
  readonly text: string;
}

/** What the page's SDK call came back with. */
interface FlowResult {
  readonly record: { id: string; email: string; verified: boolean; name: string };
  readonly meta: { isNew?: boolean; email?: string; name?: string } | undefined;
  readonly isValid: boolean;
  readonly storeRecordId: string | undefined;
  readonly realtimeConnected: boolean;
}

// Skipped only where Debian's chromium is not installed, unless the run requires every service (CI).
const hasChromium = existsSync(CHROMIUM) || process.env.MS_TEST_REQUIRE_SERVICES === '1';

describe.runIf(hasChromium)('sqlite: OAuth2 popup flow in Chromium', () => {
  let t: TestApp;
  let oidc: OidcPeer;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestApp({ engine, env: { MS_OUTBOUND_ALLOW_PRIVATE: '1' } });
    oidc = await startOidcForPopups(t);
    oidc.addAccount({ sub: 'browser-popup', email: 'browser-popup@example.com', emailVerified: true, name: 'Browser Popup' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await oidc?.close();
  });

  interface Tab {
    readonly context: BrowserContext;
    readonly page: Page;
    /** Every server page the popup finished loading, with what it showed. */
    readonly landings: Landing[];
    /** The popup's responses from `/api/oauth2-redirect`: status and where they sent it. */
    readonly redirects: { status: number; location: string | null }[];
    /** Uncaught script errors in the popup (the success page's own script among them). */
    readonly errors: string[];
  }

  /** A fresh browser profile with the dashboard page open and the SDK loaded into it. */
  async function openApp(): Promise<Tab> {
    const context = await browser.newContext();
    const landings: Landing[] = [];
    const redirects: Tab['redirects'] = [];
    const errors: string[] = [];
    // The success page closes itself 300 ms after loading: it reports what it shows as soon as it is parsed.
    await context.exposeBinding('reportLanding', (_source, landing: Landing) => {
      landings.push(landing);
    });
    await context.addInitScript(() => {
      const g = globalThis as unknown as PageGlobal;
      g.addEventListener('DOMContentLoaded', () => {
        if (g.location.pathname !== '/_/') return;
        void g.reportLanding?.({ url: g.location.href, title: g.document.title, text: g.document.getElementById('main')?.textContent ?? '' });
      });
    });
    const page = await context.newPage();
    context.on('weberror', (e) => {
      if (e.page() !== page) errors.push(`${e.page()?.url() ?? '?'}: ${e.error().message}`);
    });
    context.on('response', (res) => {
      if (res.frame().page() === page || !res.url().startsWith(`${t.url}/api/oauth2-redirect`)) return;
      redirects.push({ status: res.status(), location: res.headers()['location'] ?? null });
    });
    await page.goto(`${t.url}/_/`);
    // The dashboard placeholder itself, not yet the landing of a sign-in.
    expect(landings).toEqual([expect.objectContaining({ title: 'Mainspring' })]);
    landings.length = 0;
    await page.addScriptTag({ type: 'module', content: `${SDK_MODULE}\nglobalThis.PocketBase = Client;` });
    await page.waitForFunction(() => typeof (globalThis as unknown as PageGlobal).PocketBase === 'function');
    return { context, page, landings, redirects, errors };
  }

  /** Runs the SDK's popup flow in the page, exactly as an app would call it. */
  function signInInPage(page: Page): Promise<FlowResult> {
    return page.evaluate(async (serverUrl) => {
      const g = globalThis as unknown as PageGlobal;
      const pb = new g.PocketBase!(serverUrl);
      const res = await pb.collection('users').authWithOAuth2({ provider: 'oidc' });
      return {
        record: res.record as unknown as FlowResult['record'],
        meta: res.meta as FlowResult['meta'],
        isValid: pb.authStore.isValid,
        storeRecordId: pb.authStore.record?.id,
        realtimeConnected: pb.realtime.isConnected,
      };
    }, t.url);
  }

  it('signs up through the popup, which lands on the success page, says so and closes itself', async () => {
    const tab = await openApp();
    try {
      oidc.willSignInAs('browser-popup');
      const popupOpened = tab.context.waitForEvent('page');
      // Hold the SDK's code exchange until the popup has closed itself: otherwise the SDK may close
      // it first (as it does when it is done), before the success page has shown anything.
      let popupClosed: Promise<boolean> = new Promise(() => undefined);
      // Whether the popup closed while the SDK could not yet have closed it (a broken page never does).
      let closedItself = false;
      await tab.page.route('**/api/collections/users/auth-with-oauth2', async (route) => {
        closedItself = await Promise.race([popupClosed, new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000))]);
        await route.continue().catch(() => undefined);
      });

      const flow = signInInPage(tab.page);
      const popup = await popupOpened;
      popupClosed = popup.waitForEvent('close', { timeout: 15_000 }).then(() => true, () => false);
      const result = await flow;

      expect(tab.errors).toEqual([]);
      expect(closedItself).toBe(true);
      expect(popup.isClosed()).toBe(true);
      // The provider sent the popup back to the server, which sent it on to the success page.
      expect(tab.redirects).toEqual([{ status: 307, location: SUCCESS_PATH }]);
      expect(tab.landings).toEqual([{ url: `${t.url}${SUCCESS_PATH}`, title: 'Signed in', text: expect.stringContaining('Signed in') }]);

      expect(result.meta).toMatchObject({ isNew: true, email: 'browser-popup@example.com', name: 'Browser Popup' });
      expect(result.record).toMatchObject({ email: 'browser-popup@example.com', verified: true, name: 'Browser Popup' });
      expect(result.isValid).toBe(true);
      expect(result.storeRecordId).toBe(result.record.id);
      // The SDK closed its realtime connection when it was done.
      expect(result.realtimeConnected).toBe(false);

      // The page's auth store survives in its origin's storage.
      const stored = await tab.page.evaluate(() => new (globalThis as unknown as PageGlobal).PocketBase!('/').authStore.isValid);
      expect(stored).toBe(true);
    } finally {
      await tab.context.close();
    }
  });

  it('signs in again to the same record, the SDK closing the popup when it is done', async () => {
    const tab = await openApp();
    try {
      oidc.willSignInAs('browser-popup');
      const popupOpened = tab.context.waitForEvent('page');
      const flow = signInInPage(tab.page);
      const popup = await popupOpened;
      const result = await flow;

      // Either the SDK closed it or the success page closed itself; it does not stay open.
      if (!popup.isClosed()) await popup.waitForEvent('close', { timeout: 5_000 });
      expect(tab.redirects).toEqual([{ status: 307, location: SUCCESS_PATH }]);
      expect(tab.errors).toEqual([]);
      // If the success page got as far as loading before the popup closed, it said "Signed in".
      for (const landing of tab.landings) expect(landing).toMatchObject({ url: `${t.url}${SUCCESS_PATH}`, title: 'Signed in' });

      expect(result.meta?.isNew).toBe(false);
      expect(result.record.email).toBe('browser-popup@example.com');
      expect(result.isValid).toBe(true);
      const first = await t.get(`/api/collections/users/records?filter=${encodeURIComponent("email = 'browser-popup@example.com'")}`, { token: await t.superuserToken() });
      expect(first.body.items.map((u: { id: string }) => u.id)).toEqual([result.record.id]);

      const log = await t.get(`/api/auth-log?filter=${encodeURIComponent(`event = 'oauth2' && recordId = '${result.record.id}'`)}`, { token: await t.superuserToken() });
      expect(log.body.items.map((e: { outcome: string }) => e.outcome)).toEqual(['success', 'success']);
    } finally {
      await tab.context.close();
    }
  });
});
