// Cookie mode in a real browser (Debian's Chromium through playwright-core), SQLite only: a page on
// the server's own origin signs in with fetch, cannot read the HttpOnly session cookie but can read
// the CSRF cookie, reads with the cookie alone, and changes things only with the CSRF header.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { signUp, type SignedInUser } from '../records/fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const engine = availableEngines().find((e) => e.name === 'sqlite')!;

interface Answer {
  readonly status: number;
  readonly body: any; // test convenience: assertions index freely into replies
}

/** Runs a same-origin fetch in the page; the browser adds (or withholds) the cookies itself. */
function pageFetch(page: Page, path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown; credentials?: 'same-origin' | 'include' } = {}): Promise<Answer> {
  return page.evaluate(async ({ path, init }) => {
    const res = await fetch(path, {
      method: init.method ?? 'GET',
      credentials: init.credentials ?? 'same-origin',
      headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? null : JSON.parse(text) };
  }, { path, init });
}

/** The one DOM property the page functions read (the project compiles without the DOM library). */
type PageGlobal = { readonly document: { readonly cookie: string } };
const documentCookie = (page: Page): Promise<string> => page.evaluate(() => (globalThis as unknown as PageGlobal).document.cookie);

const csrfOf = async (page: Page): Promise<string> =>
  (await documentCookie(page)).split('; ').find((c) => c.startsWith('ms_auth_csrf='))?.slice('ms_auth_csrf='.length) ?? '';

// Skipped only where Debian's chromium is not installed, unless the run requires every service (CI).
const hasChromium = existsSync(CHROMIUM) || process.env.MS_TEST_REQUIRE_SERVICES === '1';

describe.runIf(hasChromium)('sqlite: cookie mode in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let alice: SignedInUser;

  const nameOf = async (): Promise<string> => (await t.get(`/api/collections/users/records/${alice.id}`, { token: await t.superuserToken() })).body.name as string;

  beforeAll(async () => {
    t = await startTestApp({ engine });
    const enabled = await t.patch('/api/settings', { authCookie: { enabled: true } }, { token: await t.superuserToken() });
    expect(enabled.status).toBe(200);
    alice = await signUp(t, 'alice@example.com');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    });
    page = await browser.newPage();
    await page.goto('about:blank');
    // Any page of the server gives the tab its origin; the health check is the smallest.
    await page.goto(`${t.url}/api/health`);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('signs in with fetch: the CSRF cookie is readable, the session cookie is not', async () => {
    const res = await pageFetch(page, '/api/collections/users/auth-with-password', { method: 'POST', body: { identity: alice.email, password: alice.password } });
    expect(res.status).toBe(200);
    expect(res.body.record.id).toBe(alice.id);

    const visible = await documentCookie(page);
    expect(visible).toMatch(/(^|; )ms_auth_csrf=[A-Za-z0-9_-]{43}($|;)/);
    expect(visible).not.toMatch(/(^|; )ms_auth=/);
    // The browser holds both, with the attributes the server set.
    const cookies = await page.context().cookies(t.url);
    const session = cookies.find((c) => c.name === 'ms_auth');
    expect(session).toMatchObject({ value: res.body.token, httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    expect(cookies.find((c) => c.name === 'ms_auth_csrf')).toMatchObject({ httpOnly: false, secure: true, sameSite: 'Lax' });
  });

  it('reads with the cookie alone', async () => {
    const res = await pageFetch(page, '/api/collections/users/sessions');
    expect(res.status).toBe(200);
    expect(res.body.items.some((s: { current: boolean; record: string }) => s.current && s.record === alice.id)).toBe(true);
  });

  it('changes a record only with the CSRF header', async () => {
    const refused = await pageFetch(page, `/api/collections/users/records/${alice.id}`, { method: 'PATCH', body: { name: 'no proof' } });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/CSRF/);
    expect(await nameOf()).toBe('');

    const csrf = await csrfOf(page);
    const done = await pageFetch(page, `/api/collections/users/records/${alice.id}`, { method: 'PATCH', headers: { 'x-csrf-token': csrf }, body: { name: 'Alice in Chromium' } });
    expect(done.status).toBe(200);
    expect(await nameOf()).toBe('Alice in Chromium');

    const refresh = await pageFetch(page, '/api/collections/users/auth-refresh', { method: 'POST', headers: { 'x-csrf-token': csrf } });
    expect(refresh.status).toBe(200);
  });

  it('keeps another origin out: the preflight grants no credentials', async () => {
    const other = await browser.newPage();
    try {
      // Same server, another origin (and site): what a hostile page would try.
      await other.goto(`${t.url.replace('127.0.0.1', 'localhost')}/api/health`);
      const csrf = await csrfOf(page);
      const attempt = (credentials: 'include' | 'omit') => other.evaluate(async ({ url, id, csrf, credentials }) => {
        try {
          const res = await fetch(`${url}/api/collections/users/records/${id}`, {
            method: 'PATCH', credentials, headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ name: 'from afar' }),
          });
          return `status ${res.status}`;
        } catch {
          return 'blocked';
        }
      }, { url: t.url, id: alice.id, csrf, credentials });
      expect(await attempt('include')).toBe('blocked');
      // Without credentials the server is reachable from there, and sees a guest.
      expect(await attempt('omit')).toBe('status 404');
      expect(await nameOf()).toBe('Alice in Chromium');
    } finally {
      await other.close();
    }
  });

  it('signs out: ending the current session clears both cookies', async () => {
    const sessions = await pageFetch(page, '/api/collections/users/sessions');
    const current = sessions.body.items.find((s: { current: boolean }) => s.current).id as string;
    const res = await pageFetch(page, `/api/collections/users/sessions/${current}`, { method: 'DELETE', headers: { 'x-csrf-token': await csrfOf(page) } });
    expect(res.status).toBe(204);
    expect(await documentCookie(page)).toBe('');
    expect((await page.context().cookies(t.url)).map((c) => c.name)).toEqual([]);
    expect((await pageFetch(page, '/api/collections/users/sessions')).status).toBe(401);
  });
});
