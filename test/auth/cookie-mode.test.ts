// Cookie mode (Mainspring's addition, off by default) on every engine: with `authCookie.enabled`, a
// sign-in also sets an HttpOnly session cookie and a readable CSRF cookie; a request with only the
// cookie is signed in, but may change nothing without the CSRF header and a same-origin Origin; the
// Authorization header always wins; ending the session clears the cookies; off means ignored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestResponse } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { expectError, signUp, type SignedInUser } from '../records/fixtures.js';

const BAD_CSRF = 'Missing or invalid CSRF token: send the value of the CSRF cookie in the X-CSRF-Token header.';
const FOREIGN_ORIGIN = 'Cross-origin requests cannot use the auth cookie.';

/** What a browser would keep from a sign-in answer. */
interface Jar {
  readonly token: string;
  readonly csrf: string;
  /** The `Cookie` header a browser would send back. */
  readonly cookie: string;
}

const setCookiesOf = (res: TestResponse): string[] => res.headers.getSetCookie();

function cookieValue(setCookies: readonly string[], name: string): string | undefined {
  const line = setCookies.find((c) => c.startsWith(`${name}=`));
  return line === undefined ? undefined : line.slice(name.length + 1).split(';')[0];
}

for (const engine of availableEngines()) {
  describe(`${engine.name}: cookie mode`, () => {
    let t: TestApp;
    let su: string;
    let alice: SignedInUser;
    let duration: number;

    const setCookieMode = async (authCookie: Record<string, unknown>): Promise<void> => {
      const res = await t.patch('/api/settings', { authCookie }, { token: su });
      expect(res.status, res.text).toBe(200);
      expect(res.body.authCookie).toMatchObject(authCookie);
    };

    const signInJar = async (user: SignedInUser, name = 'ms_auth'): Promise<Jar> => {
      const res = await t.post('/api/collections/users/auth-with-password', { identity: user.email, password: user.password });
      expect(res.status, res.text).toBe(200);
      const setCookies = setCookiesOf(res);
      const token = cookieValue(setCookies, name)!;
      const csrf = cookieValue(setCookies, `${name}_csrf`)!;
      expect(token).toBe(res.body.token);
      return { token, csrf, cookie: `${name}=${token}; ${name}_csrf=${csrf}` };
    };

    const withCookie = (jar: Jar, headers: Record<string, string> = {}) => ({ headers: { cookie: jar.cookie, ...headers } });
    const withCsrf = (jar: Jar, headers: Record<string, string> = {}) => withCookie(jar, { 'x-csrf-token': jar.csrf, ...headers });
    const nameOf = async (id: string): Promise<string> => (await t.get(`/api/collections/users/records/${id}`, { token: su })).body.name as string;
    const sessionsBy = (jar: Jar) => t.get('/api/collections/users/sessions', withCookie(jar));
    const currentSession = async (jar: Jar): Promise<string> =>
      ((await sessionsBy(jar)).body.items as { id: string; current: boolean }[]).find((s) => s.current)!.id;

    beforeAll(async () => {
      t = await startTestApp({ engine });
      su = await t.superuserToken();
      alice = await signUp(t, 'alice@example.com');
      duration = t.app.registry.get('users')!.auth!.authToken.duration;
    });
    afterAll(() => t?.close());

    it('is off by default: sign-in sets no cookie', async () => {
      expect((await t.get('/api/settings', { token: su })).body.authCookie).toEqual({ enabled: false, name: 'ms_auth', sameSite: 'Lax' });
      const res = await t.post('/api/collections/users/auth-with-password', { identity: alice.email, password: alice.password });
      expect(res.status).toBe(200);
      expect(setCookiesOf(res)).toEqual([]);
    });

    it('once enabled, a sign-in sets the session and CSRF cookies; the JSON answer is unchanged', async () => {
      await setCookieMode({ enabled: true });
      const res = await t.post('/api/collections/users/auth-with-password', { identity: alice.email, password: alice.password });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['record', 'token']);
      expect(res.body.record).toMatchObject({ id: alice.id, email: alice.email });

      const setCookies = setCookiesOf(res);
      expect(setCookies).toHaveLength(2);
      const [session, csrf] = [setCookies.find((c) => c.startsWith('ms_auth='))!, setCookies.find((c) => c.startsWith('ms_auth_csrf='))!];
      const sessionAttrs = session.split('; ');
      expect(sessionAttrs[0]).toBe(`ms_auth=${res.body.token}`);
      expect(sessionAttrs.slice(1).filter((a) => !a.startsWith('Max-Age=')).sort()).toEqual(['HttpOnly', 'Path=/', 'SameSite=Lax', 'Secure']);
      const maxAge = Number(/Max-Age=(\d+)/.exec(session)![1]);
      expect(maxAge).toBeGreaterThan(duration - 60);
      expect(maxAge).toBeLessThanOrEqual(duration);

      const csrfAttrs = csrf.split('; ');
      expect(csrfAttrs[0]).toMatch(/^ms_auth_csrf=[A-Za-z0-9_-]{43}$/);
      expect(csrfAttrs).not.toContain('HttpOnly');
      expect(csrfAttrs.slice(1).filter((a) => !a.startsWith('Max-Age=')).sort()).toEqual(['Path=/', 'SameSite=Lax', 'Secure']);
      expect(csrf).toContain(`Max-Age=${maxAge}`);

      // Each sign-in gets its own CSRF value.
      expect((await signInJar(alice)).csrf).not.toBe(cookieValue(setCookies, 'ms_auth_csrf'));
    });

    it('sets no cookie for a sign-in from another origin (no login CSRF)', async () => {
      for (const origin of ['https://evil.example', 'null']) {
        const res = await t.post('/api/collections/users/auth-with-password', { identity: alice.email, password: alice.password }, { headers: { origin } });
        expect(res.status).toBe(200);
        expect(setCookiesOf(res)).toEqual([]);
      }
      const own = await t.post('/api/collections/users/auth-with-password', { identity: alice.email, password: alice.password }, { headers: { origin: t.url } });
      expect(setCookiesOf(own)).toHaveLength(2);
    });

    it('sets the cookies for an OTP sign-in too', async () => {
      const users = (await t.get('/api/collections/users', { token: su })).body;
      expect((await t.patch('/api/collections/users', { otp: { ...users.otp, enabled: true } }, { token: su })).status).toBe(200);
      const dora = await signUp(t, 'dora@example.com');
      const otpId = (await t.post('/api/collections/users/request-otp', { email: dora.email })).body.otpId as string;
      const mails = (await t.get('/api/mails?perPage=200', { token: su })).body.items as { to: string; html: string }[];
      const code = /<strong>(\d+)<\/strong>/.exec(mails.find((m) => m.to === dora.email)!.html)![1];
      const res = await t.post('/api/collections/users/auth-with-otp', { otpId, password: code });
      expect(res.status, res.text).toBe(200);
      expect(cookieValue(setCookiesOf(res), 'ms_auth')).toBe(res.body.token);
      expect(cookieValue(setCookiesOf(res), 'ms_auth_csrf')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('signs in a GET that carries only the cookie', async () => {
      const jar = await signInJar(alice);
      const res = await sessionsBy(jar);
      expect(res.status, res.text).toBe(200);
      expect(res.body.items.every((s: { record: string }) => s.record === alice.id)).toBe(true);
      expect(res.body.items.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
      // The session cookie alone is enough for reads; the CSRF cookie is not needed for them.
      expect((await t.get('/api/collections/users/sessions', { headers: { cookie: `ms_auth=${jar.token}` } })).status).toBe(200);
      expectError(await t.get('/api/collections/users/sessions'), 401);
    });

    it('refuses a change by cookie without the right X-CSRF-Token, and changes nothing', async () => {
      const jar = await signInJar(alice);
      const other = await signInJar(alice);
      const otherSession = await currentSession(other);
      const before = await nameOf(alice.id);
      const cases: [string, Record<string, string>][] = [
        ['no header', {}],
        ['a wrong header', { 'x-csrf-token': `${jar.csrf.slice(0, -2)}xx` }],
        ['an empty header', { 'x-csrf-token': '' }],
        ['the CSRF value of another sign-in', { 'x-csrf-token': other.csrf }],
      ];
      for (const [label, headers] of cases) {
        const patch = await t.patch(`/api/collections/users/records/${alice.id}`, { name: `changed by ${label}` }, withCookie(jar, headers));
        expectError(patch, 403, { message: BAD_CSRF });
        const del = await t.delete(`/api/collections/users/sessions/${otherSession}`, withCookie(jar, headers));
        expectError(del, 403, { message: BAD_CSRF });
      }
      // The header alone, without the CSRF cookie, is no proof either.
      expectError(await t.patch(`/api/collections/users/records/${alice.id}`, { name: 'x' },
        { headers: { cookie: `ms_auth=${jar.token}`, 'x-csrf-token': jar.csrf } }), 403, { message: BAD_CSRF });

      expect(await nameOf(alice.id)).toBe(before);
      expect((await sessionsBy(other)).status).toBe(200);
      expect(setCookiesOf(await sessionsBy(jar))).toEqual([]);
    });

    it('allows a change by cookie with the right X-CSRF-Token and a same-origin (or no) Origin', async () => {
      const jar = await signInJar(alice);
      const patch = await t.patch(`/api/collections/users/records/${alice.id}`, { name: 'Alice by cookie' }, withCsrf(jar));
      expect(patch.status, patch.text).toBe(200);
      expect(await nameOf(alice.id)).toBe('Alice by cookie');

      const same = await t.patch(`/api/collections/users/records/${alice.id}`, { name: 'Alice same origin' }, withCsrf(jar, { origin: t.url }));
      expect(same.status, same.text).toBe(200);
      expect(await nameOf(alice.id)).toBe('Alice same origin');

      // Another session ended by cookie: the current one and its cookies stay.
      const other = await signInJar(alice);
      const ended = await t.delete(`/api/collections/users/sessions/${await currentSession(other)}`, withCsrf(jar));
      expect(ended.status).toBe(204);
      expect(setCookiesOf(ended)).toEqual([]);
      expectError(await sessionsBy(other), 401);
      expect((await sessionsBy(jar)).status).toBe(200);
    });

    it('refuses a change by cookie from a foreign Origin even with the right token', async () => {
      const jar = await signInJar(alice);
      const before = await nameOf(alice.id);
      for (const origin of ['https://evil.example', 'null', t.url.replace('127.0.0.1', 'localhost'), `${t.url}.evil.example`]) {
        const res = await t.patch(`/api/collections/users/records/${alice.id}`, { name: 'from afar' }, withCsrf(jar, { origin }));
        expectError(res, 403, { message: FOREIGN_ORIGIN });
        // CORS stays "any origin, no credentials": a browser never hands a cookie-backed answer to another site.
        expect(res.headers.get('access-control-allow-origin')).toBe('*');
        expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      }
      expect(await nameOf(alice.id)).toBe(before);
      // Reads need no CSRF proof; a browser does not send a SameSite cookie with another site's fetch.
      expect((await t.get('/api/collections/users/sessions', withCookie(jar, { origin: 'https://evil.example' }))).status).toBe(200);
    });

    it('counts a bad, expired or revoked cookie as a guest, not a 403', async () => {
      const forged = { token: `${alice.token.slice(0, -3)}abc`, csrf: 'x', cookie: `ms_auth=${alice.token.slice(0, -3)}abc` };
      expectError(await sessionsBy(forged), 401);
      // A guest's POST needs no CSRF proof: it acts as nobody.
      expectError(await t.post('/api/collections/users/auth-refresh', undefined, withCookie(forged)), 401);
      expect((await t.post('/api/collections/users/auth-with-password', { identity: alice.email, password: alice.password }, withCookie(forged))).status).toBe(200);
    });

    it('refreshes by cookie (with the CSRF proof) and sets fresh cookies; impersonation sets none', async () => {
      const jar = await signInJar(alice);
      expectError(await t.post('/api/collections/users/auth-refresh', undefined, withCookie(jar)), 403, { message: BAD_CSRF });
      const res = await t.post('/api/collections/users/auth-refresh', undefined, withCsrf(jar));
      expect(res.status, res.text).toBe(200);
      expect(cookieValue(setCookiesOf(res), 'ms_auth')).toBe(res.body.token);
      expect(cookieValue(setCookiesOf(res), 'ms_auth_csrf')).toMatch(/^[A-Za-z0-9_-]{43}$/);

      const imp = await t.post(`/api/collections/users/impersonate/${alice.id}`, {}, { token: su });
      expect(imp.status).toBe(200);
      expect(setCookiesOf(imp)).toEqual([]);
    });

    it('lets the Authorization header win over the cookie', async () => {
      const bob = await signUp(t, 'bob@example.com');
      const jar = await signInJar(alice);
      const res = await t.get('/api/collections/users/sessions', { token: bob.token, headers: { cookie: jar.cookie } });
      expect(res.body.items.every((s: { record: string }) => s.record === bob.id)).toBe(true);
      // No CSRF proof with a header token: the cookie is not what signs the request in.
      const patch = await t.patch(`/api/collections/users/records/${bob.id}`, { name: 'Bob by header' }, { token: bob.token, headers: { cookie: jar.cookie } });
      expect(patch.status, patch.text).toBe(200);
      // A bad header token is a guest even with a good cookie beside it.
      expectError(await t.get('/api/collections/users/sessions', { token: `${bob.token.slice(0, -3)}abc`, headers: { cookie: jar.cookie } }), 401);
    });

    it('clears the cookies when the current session is ended by cookie', async () => {
      const jar = await signInJar(alice);
      const res = await t.delete(`/api/collections/users/sessions/${await currentSession(jar)}`, withCsrf(jar));
      expect(res.status).toBe(204);
      const cleared = setCookiesOf(res);
      expect(cleared.map((c) => c.split('; ')[0]).sort()).toEqual(['ms_auth=', 'ms_auth_csrf=']);
      expect(cleared.every((c) => c.includes('Max-Age=0') && c.includes('Path=/'))).toBe(true);
      expectError(await sessionsBy(jar), 401);
    });

    it('clears the cookies when a password change by cookie ends every session', async () => {
      const carol = await signUp(t, 'carol@example.com');
      const jar = await signInJar(carol);
      const res = await t.patch(`/api/collections/users/records/${carol.id}`,
        { oldPassword: carol.password, password: 'a-new-password-456', passwordConfirm: 'a-new-password-456' }, withCsrf(jar));
      expect(res.status, res.text).toBe(200);
      expect(setCookiesOf(res).map((c) => c.split('; ')[0]).sort()).toEqual(['ms_auth=', 'ms_auth_csrf=']);
      expectError(await t.get('/api/collections/users/sessions', withCookie(jar)), 401);
    });

    it('uses the configured name and SameSite', async () => {
      await setCookieMode({ enabled: true, name: 'app_session', sameSite: 'Strict' });
      try {
        const jar = await signInJar(alice, 'app_session');
        expect((await sessionsBy(jar)).status).toBe(200);
        // The old name means nothing now.
        expectError(await t.get('/api/collections/users/sessions', { headers: { cookie: `ms_auth=${jar.token}` } }), 401);
        const res = await t.post('/api/collections/users/auth-with-password', { identity: alice.email, password: alice.password });
        expect(setCookiesOf(res).every((c) => c.includes('SameSite=Strict'))).toBe(true);
        const patch = await t.patch(`/api/collections/users/records/${alice.id}`, { name: 'Alice strict' }, withCsrf(jar));
        expect(patch.status, patch.text).toBe(200);
      } finally {
        await setCookieMode({ enabled: true, name: 'ms_auth', sameSite: 'Lax' });
      }
    });

    it('ignores cookies once disabled again', async () => {
      const jar = await signInJar(alice);
      await setCookieMode({ enabled: false });
      expectError(await sessionsBy(jar), 401);
      const before = await nameOf(alice.id);
      expectError(await t.patch(`/api/collections/users/records/${alice.id}`, { name: 'ignored' }, withCsrf(jar)), 404);
      expect(await nameOf(alice.id)).toBe(before);
      const res = await t.post('/api/collections/users/auth-with-password', { identity: alice.email, password: alice.password });
      expect(setCookiesOf(res)).toEqual([]);
      // The token itself still works as a header: the session was not touched.
      expect((await t.get('/api/collections/users/sessions', { token: jar.token })).status).toBe(200);
    });
  });
}
