// The settings helpers the SDK calls, on every engine: `pb.settings.testEmail` renders a collection's
// template with sample values into the mail catcher, and `pb.settings.generateAppleClientSecret`
// signs an ES256 client secret that verifies with the key's public half.
import { generateKeyPairSync, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { availableEngines } from '../helpers/engines.js';
import { sdkClient, sdkFailure } from '../helpers/sdk.js';
import { expectError, signUp } from '../records/fixtures.js';

for (const engine of availableEngines()) {
  describe(`${engine.name}: settings helpers`, () => {
    let t: TestApp;
    let su: string;
    beforeAll(async () => {
      t = await startTestApp({ engine });
      su = await t.superuserToken();
    });
    afterAll(() => t?.close());

    const latestMail = async () => (await t.get('/api/mails?perPage=1', { token: su })).body.items[0] as { to: unknown; subject: string; html: string };

    it('sends each template of a collection as a test mail', async () => {
      const pb = sdkClient(t.url);
      await pb.collection('_superusers').authWithPassword(t.superuserEmail, t.superuserPassword);
      await t.patch('/api/settings', { meta: { appName: 'Test Mail App' } }, { token: su });
      for (const template of ['verification', 'password-reset', 'email-change', 'otp', 'login-alert']) {
        expect(await pb.settings.testEmail('users', 'inbox@example.com', template)).toBe(true);
        const mail = await latestMail();
        expect(JSON.stringify(mail.to)).toContain('inbox@example.com');
        expect(`${mail.subject} ${mail.html}`).toContain('Test Mail App');
      }
      expect((await latestMail()).html).toContain('Test device');
      // The collection defaults to _superusers, as in PocketBase.
      expect((await t.post('/api/settings/test/email', { email: 'inbox@example.com', template: 'verification' }, { token: su })).status).toBe(204);
    });

    it('refuses bad input and other callers', async () => {
      const user = await signUp(t, 'helper-user@example.com');
      expectError(await t.post('/api/settings/test/email', { email: 'inbox@example.com', template: 'otp' }), 401);
      expectError(await t.post('/api/settings/test/email', { email: 'inbox@example.com', template: 'otp' }, { token: user.token }), 403);
      const bad = await t.post('/api/settings/test/email', { email: 'not-an-email', template: 'nope', collection: 'missing' }, { token: su });
      expectError(bad, 400);
      expect(Object.keys(bad.body.data).sort()).toEqual(['collection', 'email', 'template']);
      expectError(await t.post('/api/settings/test/email', '{"email":', { token: su }), 400);
    });

    it('generates an Apple client secret that verifies with the public key', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      const pb = sdkClient(t.url);
      await pb.collection('_superusers').authWithPassword(t.superuserEmail, t.superuserPassword);
      const { secret } = await pb.settings.generateAppleClientSecret('com.example.app', 'TEAM123456', 'KEY1234567', pem, 3600);
      const [header, payload, signature] = secret.split('.') as [string, string, string];
      expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'ES256', kid: 'KEY1234567', typ: 'JWT' });
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      expect(claims).toMatchObject({ iss: 'TEAM123456', sub: 'com.example.app', aud: 'https://appleid.apple.com' });
      expect(claims.exp - claims.iat).toBe(3600);
      const ok = verify('sha256', Buffer.from(`${header}.${payload}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
      expect(ok).toBe(true);

      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      for (const [key, duration] of [['not a key', 3600], [rsa, 3600], [pem, 0], [pem, 99_999_999]] as const) {
        const err = await sdkFailure(pb.settings.generateAppleClientSecret('com.example.app', 'TEAM123456', 'KEY1234567', key, duration));
        expect(err.status).toBe(400);
      }
      expectError(await t.post('/api/settings/apple/generate-client-secret', { clientId: 'x' }), 401);
    });
  });
}
