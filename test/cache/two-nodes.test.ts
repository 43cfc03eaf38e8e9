// Two Mainspring nodes on one database and one Redis (MS_REDIS_URL): a revocation on one node is
// seen by the other at once, settings changed on one apply on both, and the rate-limit and lockout
// counters are shared, so a client cannot double its allowance by switching nodes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestResponse } from '../helpers/app.js';
import { availableEngines, redisUrl } from '../helpers/engines.js';
import { expectError, signUp, sleep } from '../records/fixtures.js';

const REDIS = redisUrl();

/** Waits for a message that crosses Redis: pub/sub is asynchronous, if quick. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error('the other node never saw the change');
}

// Skipped only where redis-server is not installed (the global setup warns; CI requires it).
describe.skipIf(REDIS === null)('nodes sharing Redis', () => {
  for (const [index, engine] of availableEngines().entries()) {
    describe(`${engine.name}: two nodes sharing Redis`, () => {
      let a: TestApp;
      let b: TestApp;
      let su: string;

      beforeAll(async () => {
        a = await startTestApp({ engine, env: { MS_REDIS_URL: REDIS! } });
        b = await startTestApp({ engine, env: { MS_REDIS_URL: REDIS! }, database: a.database });
        su = await a.superuserToken();
      });
      afterAll(async () => {
        await b?.close();
        await a?.close();
      });

      const sessionsOn = (node: TestApp, token: string): Promise<TestResponse> => node.get('/api/collections/users/sessions', { token });

      it('is ready only with Redis answering', async () => {
        expect((await b.get('/api/health/ready')).status).toBe(200);
      });

      it('sees a session ended on the other node at once', async () => {
        const user = await signUp(a, `revoke-${engine.name}@example.com`);
        // B verifies the token once and caches it.
        const listed = await sessionsOn(b, user.token);
        expect(listed.status).toBe(200);
        expect((await sessionsOn(b, user.token)).status).toBe(200);
        const current = (listed.body.items as { id: string; current: boolean }[]).find((s) => s.current)!;
        expect((await a.delete(`/api/collections/users/sessions/${current.id}`, { token: user.token })).status).toBe(204);
        await eventually(async () => (await sessionsOn(b, user.token)).status === 401);
        expectError(await sessionsOn(b, user.token), 401);
      });

      it('sees a password change on the other node at once', async () => {
        const user = await signUp(a, `password-${engine.name}@example.com`);
        expect((await sessionsOn(b, user.token)).status).toBe(200);
        const res = await a.patch(`/api/collections/users/records/${user.id}`, { oldPassword: user.password, password: 'a-new-password-1', passwordConfirm: 'a-new-password-1' }, { token: user.token });
        expect(res.status, res.text).toBe(200);
        await eventually(async () => (await sessionsOn(b, user.token)).status === 401);
      });

      it('applies settings changed on one node on both, and shares the rate-limit counters', async () => {
        // One Redis serves every engine's pair here: a prefix of its own per engine keeps the counts apart.
        const label = '/api/health'.slice(0, 11 - index);
        const res = await a.patch('/api/settings', { rateLimits: { enabled: true, rules: [{ label, duration: 30, maxRequests: 3 }] } }, { token: su });
        expect(res.status, res.text).toBe(200);
        await eventually(async () => b.app.settings.current().rateLimits.enabled);
        const statuses: number[] = [];
        for (const node of [a, b, a, b]) statuses.push((await node.get('/api/health')).status);
        expect(statuses).toEqual([200, 200, 200, 429]);
      });

      it('shares the lockout of an identity', async () => {
        await a.patch('/api/settings', { rateLimits: { enabled: true, rules: [], lockout: { enabled: true, maxFailures: 4 } } }, { token: su });
        await eventually(async () => b.app.settings.current().rateLimits.lockout.maxFailures === 4);
        const user = await signUp(a, `lockout-${engine.name}@example.com`);
        for (const node of [a, b, a, b]) expectError(await node.post('/api/collections/users/auth-with-password', { identity: user.email, password: 'wrong-password' }), 400);
        expectError(await a.post('/api/collections/users/auth-with-password', { identity: user.email, password: user.password }), 429);
        expectError(await b.post('/api/collections/users/auth-with-password', { identity: user.email, password: user.password }), 429);
        await a.patch('/api/settings', { rateLimits: { enabled: false } }, { token: su });
      });
    });
  }
});
