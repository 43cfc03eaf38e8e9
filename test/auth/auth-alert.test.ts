// New-device alerts on every engine: the first device a record signs in from is remembered quietly;
// a later sign-in from an unseen IP/user agent mails the record (authAlert), unless it is turned off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { signUp } from '../records/fixtures.js';

for (const engine of availableEngines()) {
  describe(`${engine.name}: new-device alerts`, () => {
    let t: TestApp;
    let su: string;

    const alertsTo = async (to: string) =>
      ((await t.get('/api/mails?perPage=200', { token: su })).body.items as { to: string; subject: string; html: string }[])
        .filter((m) => m.to === to && m.subject.startsWith('New sign-in'));
    const signInFrom = (email: string, password: string, userAgent: string) =>
      t.post('/api/collections/users/auth-with-password', { identity: email, password }, { headers: { 'user-agent': userAgent } }).then((r) => r.status);

    beforeAll(async () => {
      t = await startTestApp({ engine });
      su = await t.superuserToken();
    });
    afterAll(() => t?.close());

    it('mails the record when it signs in from a device not seen before', async () => {
      const alice = await signUp(t, 'alice@example.com');
      // signUp signed in once already (its first device).
      expect(await signInFrom(alice.email, alice.password, 'Laptop <b>1.0</b>')).toBe(200);
      expect(await signInFrom(alice.email, alice.password, 'Laptop <b>1.0</b>')).toBe(200);
      const before = (await alertsTo('alice@example.com')).length;
      expect(await signInFrom(alice.email, alice.password, 'Laptop <b>1.0</b>')).toBe(200);
      expect(await alertsTo('alice@example.com')).toHaveLength(before);

      expect(await signInFrom(alice.email, alice.password, 'Strange Phone/9')).toBe(200);
      const alerts = await alertsTo('alice@example.com');
      expect(alerts).toHaveLength(before + 1);
      expect(alerts[0]!.subject).toBe('New sign-in to your Mainspring account');
      expect(alerts[0]!.html).toContain('Strange Phone/9');
      // A failed sign-in from yet another device alerts nobody.
      expect(await signInFrom(alice.email, 'wrong-password', 'Thief/1')).toBe(400);
      expect(await alertsTo('alice@example.com')).toHaveLength(before + 1);
    });

    it('escapes what the client sent, and stays quiet when authAlert is off', async () => {
      const bob = await signUp(t, 'bob@example.com');
      await signInFrom(bob.email, bob.password, '<script>alert(1)</script>');
      const [alert] = await alertsTo('bob@example.com');
      expect(alert!.html).not.toContain('<script>');
      expect(alert!.html).toContain('&lt;script&gt;');

      const users = (await t.get('/api/collections/users', { token: su })).body;
      expect((await t.patch('/api/collections/users', { authAlert: { ...users.authAlert, enabled: false } }, { token: su })).status).toBe(200);
      try {
        await signInFrom(bob.email, bob.password, 'Yet Another Device/2');
        expect(await alertsTo('bob@example.com')).toHaveLength(1);
      } finally {
        expect((await t.patch('/api/collections/users', { authAlert: users.authAlert }, { token: su })).status).toBe(200);
      }
    });
  });
}
