// `/api/settings` on every engine: superusers only, PocketBase's sections with Mainspring's
// additions, partial PATCHes, bad input refused whole, secrets sealed at rest and never read back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { expectError, rowById, signUp } from '../records/fixtures.js';

for (const engine of availableEngines()) {
  describe(`${engine.name}: settings`, () => {
    let t: TestApp;
    let su: string;

    beforeAll(async () => {
      t = await startTestApp({ engine });
      su = await t.superuserToken();
    });
    afterAll(() => t?.close());

    it('is for superusers only', async () => {
      const user = await signUp(t, 'plain@example.com');
      expectError(await t.get('/api/settings'), 401);
      expectError(await t.get('/api/settings', { token: user.token }), 403);
      expectError(await t.patch('/api/settings', { meta: { appName: 'Hijacked' } }), 401);
      expectError(await t.patch('/api/settings', { meta: { appName: 'Hijacked' } }, { token: user.token }), 403);
      expect((await t.get('/api/settings', { token: su })).body.meta.appName).not.toBe('Hijacked');
    });

    it('answers every section, with the public URL and the shipped limits as defaults', async () => {
      const res = await t.get('/api/settings', { token: su });
      expect(res.status).toBe(200);
      for (const section of ['meta', 'smtp', 's3', 'batch', 'rateLimits', 'trustedProxy', 'logs', 'superuserIPs', 'authCookie']) {
        expect(res.body).toHaveProperty(section);
      }
      expect(res.body.meta).toMatchObject({ appName: 'Mainspring', appURL: t.app.config.publicUrl });
      expect(res.body.rateLimits.rules).toEqual([{ label: '*:auth', audience: '', duration: 10, maxRequests: 20 }]);
      expect(res.body.rateLimits.lockout).toEqual({ enabled: true, maxFailures: 10, window: 900, duration: 900, maxDuration: 86400 });
      expect(res.body.batch).toMatchObject({ enabled: true, maxRequests: 50 });
    });

    it('merges a partial PATCH, ignores unknown keys and keeps it across a reload', async () => {
      const res = await t.patch('/api/settings', { meta: { appName: 'Acme', bogus: 1 }, nonsense: { a: 1 } }, { token: su });
      expect(res.status, res.text).toBe(200);
      expect(res.body.meta.appName).toBe('Acme');
      expect(res.body.meta.senderAddress).toBe('no-reply@example.com');
      expect(res.body.meta).not.toHaveProperty('bogus');
      expect(res.body).not.toHaveProperty('nonsense');
      await t.app.settings.reload();
      expect(t.app.settings.current().meta.appName).toBe('Acme');
    });

    it('keeps secrets sealed at rest and write-only', async () => {
      const res = await t.patch('/api/settings', { smtp: { host: 'mail.local', password: 'smtp-pa55word' }, s3: { secret: 's3-secret-key' } }, { token: su });
      expect(res.status, res.text).toBe(200);
      expect(res.body.smtp).toMatchObject({ host: 'mail.local', password: '' });
      expect(res.body.s3.secret).toBe('');
      expect((await t.get('/api/settings', { token: su })).text).not.toContain('smtp-pa55word');
      const stored = JSON.stringify(await rowById(t, '_params', 'settings'));
      expect(stored).not.toContain('smtp-pa55word');
      expect(stored).not.toContain('s3-secret-key');
      expect(t.app.settings.current().smtp.password).toBe('smtp-pa55word');
      // Saving the form back with the blank it was shown keeps the secret.
      await t.patch('/api/settings', { smtp: { password: '', port: 2525 } }, { token: su });
      await t.app.settings.reload();
      expect(t.app.settings.current().smtp).toMatchObject({ password: 'smtp-pa55word', port: 2525 });
    });

    it('refuses wrong types whole, naming the section, and changes nothing', async () => {
      const before = (await t.get('/api/settings', { token: su })).body;
      for (const body of [
        { meta: { appName: 5 } },
        { smtp: { port: 'many' } },
        { rateLimits: { rules: [{ label: '*:auth', duration: -1, maxRequests: 1 }] } },
        { rateLimits: { rules: [{ label: '*:auth', audience: '@everyone', duration: 1, maxRequests: 1 }] } },
        { authCookie: { name: 'bad name;' } },
        { meta: 'text' },
      ]) {
        const res = await t.patch('/api/settings', { batch: { maxRequests: 7 }, ...body }, { token: su });
        expectError(res, 400);
        expect(Object.keys(res.body.data)).toEqual([Object.keys(body)[0]]);
      }
      expectError(await t.patch('/api/settings', '{"meta":', { token: su }), 400);
      expect((await t.get('/api/settings', { token: su })).body).toEqual(before);
    });

    it('lets superusers act only from superuserIPs when it is set', async () => {
      const user = await signUp(t, 'ips@example.com');
      expect((await t.patch('/api/settings', { superuserIPs: ['192.0.2.0/24', '198.51.100.7'] }, { token: su })).status).toBe(200);
      try {
        // The token counts as a guest, and the sign-in is refused before the password is looked at.
        expectError(await t.get('/api/settings', { token: su }), 401);
        expectError(await t.post('/api/collections/_superusers/auth-with-password', { identity: t.superuserEmail, password: t.superuserPassword }), 403);
        expectError(await t.post('/api/collections/_superusers/auth-with-password', { identity: t.superuserEmail, password: 'wrong' }), 403);
        // Other auth collections are not affected.
        expect((await t.post('/api/collections/users/auth-with-password', { identity: user.email, password: user.password })).status).toBe(200);
        // 127.0.0.1 in the list lets the superuser back in.
        await t.app.settings.update({ superuserIPs: ['10.0.0.0/8', '127.0.0.1'] });
        expect((await t.get('/api/settings', { token: su })).status).toBe(200);
      } finally {
        await t.app.settings.update({ superuserIPs: [] });
      }
      expect((await t.get('/api/settings', { token: su })).status).toBe(200);
    });

    it('refuses address lists with anything but addresses and CIDRs, so an allow-list never opens by mistake', async () => {
      for (const body of [{ superuserIPs: ['192.168.1.*'] }, { superuserIPs: ['10.0.0.1/'] }, { superuserIPs: ['10.0.0.0/33'] }, { rateLimits: { excludedIPs: ['localhost'] } }]) {
        const res = await t.patch('/api/settings', body, { token: su });
        expectError(res, 400);
        expect(JSON.stringify(res.body.data)).toContain('validation_invalid_ip');
      }
      expect(t.app.settings.current().superuserIPs).toEqual([]);
      const ok = await t.patch('/api/settings', { rateLimits: { excludedIPs: ['10.0.0.0/8', '::1', '2001:db8::/32'] } }, { token: su });
      expect(ok.status, ok.text).toBe(200);
      await t.patch('/api/settings', { rateLimits: { excludedIPs: [] } }, { token: su });
    });

    it('names the app in mails from meta.appName and meta.appURL', async () => {
      await t.patch('/api/settings', { meta: { appName: 'Widgets Inc', appURL: 'https://widgets.example' } }, { token: su });
      await signUp(t, 'mailme@example.com');
      expect((await t.post('/api/collections/users/request-verification', { email: 'mailme@example.com' })).status).toBe(204);
      const mails = (await t.get('/api/mails?perPage=50', { token: su })).body.items as { to: string; subject: string; html: string }[];
      const mail = mails.find((m) => JSON.stringify(m.to).includes('mailme@example.com'))!;
      expect(`${mail.subject} ${mail.html}`).toContain('Widgets Inc');
      expect(mail.html).toContain('https://widgets.example');
    });
  });
}
