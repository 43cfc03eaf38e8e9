// Outgoing mail: the Mailer port, the dev catcher adapter, collection templates, `/api/mails`.
export type { CaughtMail, MailCatcher, Mailer, OutgoingMail } from './ports.js';
export { createDevCatcher } from './dev-catcher.js';
export { htmlToText, renderTemplate, type TemplateValues } from './templates.js';
export { mailRoutes } from './routes.js';
