// Settings kept in the database and edited through `/api/settings`.
export { defaultSettings, redactSettings, type LockoutSettings, type RateLimitRule, type Settings } from './model.js';
export { createSettingsStore, type SettingsStore } from './store.js';
export { settingsRoutes } from './routes.js';
