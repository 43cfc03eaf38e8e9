// `GET`/`PATCH /api/settings` for superusers (API.md §10); secrets are write-only.
import type { FastifyPluginAsync } from 'fastify';
import { requireSuperuser } from '../http/index.js';
import { ValidationError } from '../core/errors.js';
import { redactSettings, settingsPatchErrors, settingsPatchSchema } from './model.js';
import type { SettingsStore } from './store.js';

export const settingsRoutes: FastifyPluginAsync<{ settings: SettingsStore }> = async (app, { settings }) => {
  app.get('/settings', async (req) => {
    requireSuperuser(req);
    return redactSettings(settings.current());
  });

  // The caller is checked before the body's shape, so a guest learns nothing about the schema.
  app.patch('/settings', {
    preValidation: (req, _reply, done) => {
      try {
        requireSuperuser(req);
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    schema: { body: settingsPatchSchema },
  }, async (req) => {
    const errors = settingsPatchErrors(req.body);
    if (Object.keys(errors).length) throw new ValidationError('Something went wrong while processing your request.', errors);
    return redactSettings(await settings.update(req.body));
  });
};
