// Default fields and options of each collection type, and the collections a fresh instance has.
import { collectionIdFor, fieldIdFor, randomString } from '../core/ids.js';
import type { AuthOptions, CollectionType, EmailTemplate, Field } from './model.js';

const SECRET_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** A new token secret: 50 random characters, as PocketBase makes them. */
export const newTokenSecret = (): string => randomString(50, SECRET_ALPHABET);

const common = { system: false, hidden: false, presentable: false, required: false, help: '' } as const;

export function idField(): Field {
  return {
    ...common, id: fieldIdFor('text', 'id'), name: 'id', type: 'text', system: true, required: true, primaryKey: true,
    min: 15, max: 15, pattern: '^[a-z0-9]+$', autogeneratePattern: '[a-z0-9]{15}',
  };
}

export function authSystemFields(): Field[] {
  return [
    { ...common, id: fieldIdFor('password', 'password'), name: 'password', type: 'password', system: true, hidden: true, required: true, min: 8, max: 0, pattern: '', cost: 0, rejectCommon: false },
    { ...common, id: fieldIdFor('text', 'tokenKey'), name: 'tokenKey', type: 'text', system: true, hidden: true, required: true, min: 30, max: 60, pattern: '', autogeneratePattern: '[a-zA-Z0-9]{50}', primaryKey: false },
    { ...common, id: fieldIdFor('email', 'email'), name: 'email', type: 'email', system: true, required: true, onlyDomains: [], exceptDomains: [] },
    { ...common, id: fieldIdFor('bool', 'emailVisibility'), name: 'emailVisibility', type: 'bool', system: true },
    { ...common, id: fieldIdFor('bool', 'verified'), name: 'verified', type: 'bool', system: true },
  ];
}

export function autodateFields(): Field[] {
  return [
    { ...common, id: fieldIdFor('autodate', 'created'), name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
    { ...common, id: fieldIdFor('autodate', 'updated'), name: 'updated', type: 'autodate', onCreate: true, onUpdate: true },
  ];
}

const template = (subject: string, body: string): EmailTemplate => ({ subject, body });

/** Auth options a new auth collection starts with; secrets are plain here and sealed on save. */
export function defaultAuthOptions(): AuthOptions {
  const token = (duration: number) => ({ duration, secret: newTokenSecret() });
  return {
    authRule: '',
    manageRule: null,
    passwordAuth: { enabled: true, identityFields: ['email'] },
    oauth2: { enabled: false, mappedFields: { id: '', name: '', username: '', avatarURL: '' }, providers: [] },
    otp: {
      enabled: false, duration: 180, length: 8,
      emailTemplate: template('Your {APP_NAME} sign-in code', '<p>Your one-time code is <strong>{OTP}</strong>.</p><p>It expires in a few minutes. If you did not ask for it, ignore this message.</p>'),
    },
    mfa: { enabled: false, duration: 600, rule: '' },
    authAlert: {
      enabled: true,
      emailTemplate: template('New sign-in to your {APP_NAME} account', '<p>Your account was just used to sign in from a new device:</p><p>{ALERT_INFO}</p><p>If this was not you, change your password now.</p>'),
    },
    authToken: { ...token(432000), idleTimeout: 0, maxAge: 0 },
    fileToken: token(180),
    verificationToken: token(86400),
    passwordResetToken: token(1800),
    emailChangeToken: token(1800),
    verificationTemplate: template('Confirm your {APP_NAME} email address', '<p>Confirm your email address by opening this link:</p><p><a href="{APP_URL}/_/#/auth/confirm-verification/{TOKEN}">Confirm my email</a></p>'),
    resetPasswordTemplate: template('Reset your {APP_NAME} password', '<p>Choose a new password by opening this link:</p><p><a href="{APP_URL}/_/#/auth/confirm-password-reset/{TOKEN}">Reset my password</a></p><p>If you did not ask for this, ignore this message.</p>'),
    confirmEmailChangeTemplate: template('Confirm your new {APP_NAME} email address', '<p>Confirm your new email address by opening this link:</p><p><a href="{APP_URL}/_/#/auth/confirm-email-change/{TOKEN}">Confirm my new email</a></p>'),
  };
}

export function authIndexes(collectionId: string, name: string): string[] {
  return [
    `CREATE UNIQUE INDEX \`idx_tokenKey_${collectionId}\` ON \`${name}\` (\`tokenKey\`)`,
    `CREATE UNIQUE INDEX \`idx_email_${collectionId}\` ON \`${name}\` (\`email\`) WHERE \`email\` != ''`,
  ];
}

/** The body `GET /api/collections/meta/scaffolds` answers for each type, with `name` empty. */
export function scaffold(type: CollectionType): Record<string, unknown> {
  const base = {
    id: '', name: '', type, system: false, fields: type === 'view' ? [] : [idField()], indexes: [],
    listRule: null, viewRule: null, createRule: null, updateRule: null, deleteRule: null, created: '', updated: '',
  };
  if (type === 'view') return { ...base, createRule: null, updateRule: null, deleteRule: null, viewQuery: '' };
  if (type === 'base') return base;
  const auth = defaultAuthOptions();
  return {
    ...base,
    fields: [idField(), ...authSystemFields()],
    indexes: [],
    ...publicAuthOptions(auth),
  };
}

/** Auth options as clients see them: token secrets and OAuth2 client secrets are write-only. */
export function publicAuthOptions(auth: AuthOptions): Record<string, unknown> {
  const hide = <T extends { secret: string }>(t: T) => {
    const { secret: _secret, ...rest } = t;
    return rest;
  };
  return {
    ...auth,
    oauth2: { ...auth.oauth2, providers: auth.oauth2.providers.map(({ clientSecret: _s, ...p }) => p) },
    authToken: hide(auth.authToken),
    fileToken: hide(auth.fileToken),
    verificationToken: hide(auth.verificationToken),
    passwordResetToken: hide(auth.passwordResetToken),
    emailChangeToken: hide(auth.emailChangeToken),
  };
}

export const SUPERUSERS = '_superusers';
export const SUPERUSERS_ID = collectionIdFor('auth', SUPERUSERS);
export const USERS_ID = '_pb_users_auth_';
