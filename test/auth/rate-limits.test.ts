// Abuse protection with the shipped defaults on: `*:auth` per client IP, the per-identity lockout
// (growing, blind to whether the identity exists, logged), PocketBase-style rules by path prefix,
// action and audience, excluded IPs, and MS_TRUSTED_PROXIES deciding whose X-Forwarded-For counts.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestResponse } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { expectError, signUp, sleep } from '../records/fixtures.js';

const SHIPPED = {
  enabled: true,
  rules: [{ label: '*:auth', audience: '', duration: 10, maxRequests: 20 }],
  excludedIPs: [],
  lockout: { enabled: true, maxFailures: 10, window: 900, duration: 900, maxDuration: 86400 },
};

function expectLimited(res: TestResponse, atLeast = 1): number {
  expectError(res, 429);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(atLeast);
  return retryAfter;
}

for (const engine of availableEngines()) {
  describe(`${engine.name}: rate limits and lockout`, () => {
    let t: TestApp;
    let su: string;
    let run = 0;
    const signIn = (identity: string, password: string, headers: Record<string, string> = {}) =>
      t.post('/api/collections/users/auth-with-password', { identity, password }, { headers });
    const setLimits = async (rateLimits: Record<string, unknown>) => {
      const res = await t.patch('/api/settings', { rateLimits }, { token: su });
      expect(res.status, res.text).toBe(200);
    };

    beforeAll(async () => {
      t = await startTestApp({ engine, rateLimits: true });
      su = await t.superuserToken();
    });
    afterAll(() => t?.close());
    // Each test starts from the shipped limits, with fresh identities (counters outlive a PATCH).
    beforeEach(async () => {
      run++;
      await setLimits(SHIPPED);
    });

    it('locks an identity after 10 failures, even for the right password, and logs it', async () => {
      await setLimits({ rules: [{ label: '*:auth', duration: 10, maxRequests: 1000 }] });
      const alice = await signUp(t, `alice${run}@example.com`);
      for (let i = 0; i < 10; i++) expectError(await signIn(alice.email, `wrong-${i}`), 400);
      const retryAfter = expectLimited(await signIn(alice.email, alice.password), 800);
      expect(retryAfter).toBeLessThanOrEqual(900);
      // The lock is on the identity, however it is spelled; others sign in as usual.
      expectLimited(await signIn(`  ${alice.email.toUpperCase()} `, alice.password));
      const bob = await signUp(t, `bob${run}@example.com`);
      expect((await signIn(bob.email, bob.password)).status).toBe(200);

      const log = await t.get(`/api/auth-log?filter=${encodeURIComponent(`event = 'lockout'`)}`, { token: su });
      expect(log.body.items).toEqual([expect.objectContaining({ event: 'lockout', outcome: 'failure', identity: alice.email, ip: '127.0.0.1' })]);
    });

    it('counts an account once, whether its email or its username is typed', async () => {
      await setLimits({ rules: [], lockout: { maxFailures: 4 } });
      if (!t.app.registry.get('members')) {
        const created = await t.post('/api/collections', {
          name: 'members', type: 'auth', passwordAuth: { enabled: true, identityFields: ['email', 'username'] },
          fields: [{ name: 'username', type: 'text', max: 50 }],
          indexes: ['CREATE UNIQUE INDEX `idx_members_username` ON `members` (`username`)'],
        }, { token: su });
        expect(created.status, created.text).toBe(200);
      }
      const password = 'member-pass-123';
      const member = await t.post('/api/collections/members/records', { email: `m${run}@example.com`, username: `m${run}`, password, passwordConfirm: password }, { token: su });
      expect(member.status, member.text).toBe(200);
      const signIn = (identity: string, pass: string) => t.post('/api/collections/members/auth-with-password', { identity, password: pass });
      for (const identity of [`m${run}@example.com`, `m${run}`, `M${run}@EXAMPLE.com`, `m${run}`]) expectError(await signIn(identity, 'wrong-password'), 400);
      expectLimited(await signIn(`m${run}`, password));
      expectLimited(await signIn(`m${run}@example.com`, password));
      const log = await t.get(`/api/auth-log?filter=${encodeURIComponent(`event = 'lockout' && recordId = '${member.body.id}'`)}`, { token: su });
      expect(log.body.items).toHaveLength(1);
    });

    it('answers the same for identities that do not exist', async () => {
      await setLimits({ rules: [] });
      const known = await signUp(t, `known${run}@example.com`);
      const unknown = `unknown${run}@example.com`;
      const answers: string[] = [];
      for (let i = 0; i <= 10; i++) {
        const a = await signIn(known.email, `wrong-${i}`);
        const b = await signIn(unknown, `wrong-${i}`);
        expect(a.status).toBe(b.status);
        expect(a.body).toEqual(b.body);
        answers.push(String(a.status));
      }
      expect(answers.at(-1)).toBe('429');
    });

    it('forgets failures after a success', async () => {
      await setLimits({ rules: [] });
      const carol = await signUp(t, `carol${run}@example.com`);
      for (let i = 0; i < 9; i++) expectError(await signIn(carol.email, 'wrong-password'), 400);
      expect((await signIn(carol.email, carol.password)).status).toBe(200);
      for (let i = 0; i < 9; i++) expectError(await signIn(carol.email, 'wrong-password'), 400);
      expect((await signIn(carol.email, carol.password)).status).toBe(200);
    });

    it('counts OTP ids and one-time tokens as identities too', async () => {
      await setLimits({ rules: [], lockout: { maxFailures: 3 } });
      expect((await t.patch('/api/collections/users', { otp: { enabled: true } }, { token: su })).status).toBe(200);
      const otpId = 'abcdefghijklmno';
      for (let i = 0; i < 3; i++) expectError(await t.post('/api/collections/users/auth-with-otp', { otpId, password: '00000000' }), 400);
      expectLimited(await t.post('/api/collections/users/auth-with-otp', { otpId, password: '00000000' }));
      for (let i = 0; i < 3; i++) expectError(await t.post('/api/collections/users/confirm-verification', { token: 'forged.token.value' }), 400);
      expectLimited(await t.post('/api/collections/users/confirm-verification', { token: 'forged.token.value' }));
    });

    it('applies PocketBase-style rules by path prefix, action and audience', async () => {
      const erin = await signUp(t, `erin${run}@example.com`);
      await setLimits({ rules: [{ label: '/api/health', duration: 10, maxRequests: 2 }, { label: 'users:list', audience: '@auth', duration: 10, maxRequests: 1 }] });
      expect((await t.get('/api/health')).status).toBe(200);
      expect((await t.get('/api/health')).status).toBe(200);
      expectLimited(await t.get('/api/health'));
      // The @auth rule leaves guests alone and limits signed-in callers.
      for (let i = 0; i < 3; i++) expect((await t.get('/api/collections/users/records')).status).toBe(200);
      expect((await t.get('/api/collections/users/records', { token: erin.token })).status).toBe(200);
      expectLimited(await t.get('/api/collections/users/records', { token: erin.token }));
      // By collection id too.
      expectLimited(await t.get('/api/collections/_pb_users_auth_/records', { token: erin.token }));
    });

    it('matches path prefixes on the decoded path, and reads a rule without audience as for everyone', async () => {
      const ivan = await signUp(t, `ivan${run}@example.com`);
      await setLimits({ rules: [{ label: '/api/health', duration: 10, maxRequests: 1 }, { label: 'users:view', duration: 10, maxRequests: 1 }] });
      const encoded = await t.get('/api/%68ealth');
      expect([200, 429]).toContain(encoded.status);
      expectLimited(await t.get('/api/%68ealth'));
      expect((await t.get(`/api/collections/users/records/${ivan.id}`, { token: ivan.token })).status).toBe(200);
      expectLimited(await t.get(`/api/collections/users/records/${ivan.id}`, { token: ivan.token }));
    });

    it('applies path-prefix rules to paths no route serves', async () => {
      await setLimits({ rules: [{ label: '/api/nothing-here', duration: 10, maxRequests: 2 }] });
      expectError(await t.get('/api/nothing-here/1'), 404);
      expectError(await t.get('/api/nothing-here/2'), 404);
      expectLimited(await t.get('/api/nothing-here/3'));
    });

    it('locks an MFA id sent in the query as well as in the body', async () => {
      await setLimits({ rules: [], lockout: { maxFailures: 2 } });
      const mfaId = `q${run}bcdefghijklmn`.slice(0, 15);
      for (let i = 0; i < 2; i++) expectError(await t.post(`/api/collections/users/auth-with-totp?mfaId=${mfaId}`, { code: '000000' }), 400);
      expectLimited(await t.post(`/api/collections/users/auth-with-totp?mfaId=${mfaId}`, { code: '000000' }));
      expectLimited(await t.post('/api/collections/users/auth-with-totp', { mfaId, code: '000000' }));
    });

    it('leaves excluded IPs and a disabled limiter alone', async () => {
      await setLimits({ rules: [{ label: '/api/', duration: 10, maxRequests: 1 }], excludedIPs: ['127.0.0.0/8'] });
      for (let i = 0; i < 3; i++) expect((await t.get('/api/health')).status).toBe(200);
      await setLimits({ enabled: false, rules: [{ label: '/api/', duration: 10, maxRequests: 1 }], excludedIPs: [] });
      for (let i = 0; i < 3; i++) expect((await t.get('/api/health')).status).toBe(200);
      const frank = await signUp(t, `frank${run}@example.com`);
      for (let i = 0; i < 12; i++) expectError(await signIn(frank.email, 'wrong-password'), 400);
    });

    it('ignores X-Forwarded-For from an untrusted peer', async () => {
      // A label of its own, so no earlier test's count is in the bucket.
      await setLimits({ rules: [{ label: '/api/heal', duration: 10, maxRequests: 1 }] });
      expect((await t.get('/api/health', { headers: { 'x-forwarded-for': '198.51.100.1' } })).status).toBe(200);
      expectLimited(await t.get('/api/health', { headers: { 'x-forwarded-for': '198.51.100.2' } }));
    });
  });
}

describe('the shipped credential limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ engine: availableEngines()[0]!, rateLimits: true });
  });
  afterAll(() => t?.close());

  it('allows 20 auth requests per 10 s per IP, then answers 429 with Retry-After', async () => {
    const signIn = (identity: string) => t.post('/api/collections/users/auth-with-password', { identity, password: 'wrong-password' });
    for (let i = 0; i < 20; i++) expect((await signIn(`nobody-${i}@example.com`)).status).toBe(400);
    expect(expectLimited(await signIn('nobody-x@example.com'))).toBeLessThanOrEqual(10);
    // Other credential routes share the group; ordinary reads are not limited.
    expectLimited(await t.post('/api/collections/users/request-otp', { email: 'x@example.com' }));
    expect((await t.get('/api/health')).status).toBe(200);
    expect((await t.get('/api/collections/users/auth-methods')).status).toBe(200);
  });
});

describe('growing lockouts', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ engine: availableEngines()[0]!, rateLimits: true });
  });
  afterAll(() => t?.close());
  const signIn = (identity: string, password: string) => t.post('/api/collections/users/auth-with-password', { identity, password });

  it('makes each lockout in a row longer, up to maxDuration', async () => {
    await t.patch('/api/settings', { rateLimits: { rules: [], lockout: { maxFailures: 2, window: 60, duration: 1, maxDuration: 2 } } }, { token: await t.superuserToken() });
    const dave = await signUp(t, 'dave@example.com');
    const lockOut = async (): Promise<number> => {
      for (let i = 0; i < 2; i++) expectError(await signIn(dave.email, 'wrong-password'), 400);
      return expectLimited(await signIn(dave.email, 'wrong-password'));
    };
    expect(await lockOut()).toBe(1);
    await sleep(1100);
    expect(await lockOut()).toBe(2);
    await sleep(2100);
    expect(await lockOut()).toBe(2);
    await sleep(2100);
    expect((await signIn(dave.email, dave.password)).status).toBe(200);
  });
});

describe('rate limits behind a trusted proxy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ engine: availableEngines()[0]!, rateLimits: true, env: { MS_TRUSTED_PROXIES: '127.0.0.1/32' } });
    const su = await t.superuserToken();
    await t.patch('/api/settings', { rateLimits: { rules: [{ label: '/api/health', duration: 10, maxRequests: 1 }] } }, { token: su });
  });
  afterAll(() => t?.close());

  it('counts each client named by X-Forwarded-For on its own', async () => {
    expect((await t.get('/api/health', { headers: { 'x-forwarded-for': '198.51.100.1' } })).status).toBe(200);
    expect((await t.get('/api/health', { headers: { 'x-forwarded-for': '198.51.100.2' } })).status).toBe(200);
    expectLimited(await t.get('/api/health', { headers: { 'x-forwarded-for': '198.51.100.1' } }));
  });
});
