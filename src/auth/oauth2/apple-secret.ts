// Sign in with Apple takes no fixed client secret: the secret is a short-lived ES256 JWT signed with
// the developer's private key (`POST /api/settings/apple/generate-client-secret`, API.md §10).
import { createPrivateKey, sign } from 'node:crypto';
import { fieldError, ValidationError, type FieldError } from '../../core/errors.js';

/** Apple accepts client secrets valid for at most six months. */
export const MAX_APPLE_SECRET_SECONDS = 15_777_000;

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export function appleClientSecret(rawBody: unknown, now = Date.now()): { secret: string } {
  const body = rawBody !== null && typeof rawBody === 'object' ? (rawBody as Record<string, unknown>) : {};
  const text = (name: string): string => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
  const errors: Record<string, FieldError> = {};
  for (const name of ['clientId', 'teamId', 'keyId', 'privateKey']) {
    if (text(name) === '') errors[name] = fieldError('validation_required', 'Cannot be blank.');
  }
  const duration = body.duration;
  if (typeof duration !== 'number' || !Number.isInteger(duration) || duration < 1 || duration > MAX_APPLE_SECRET_SECONDS) {
    errors.duration = fieldError('validation_invalid_value', `Must be a whole number of seconds from 1 to ${MAX_APPLE_SECRET_SECONDS}.`);
  }
  let key: ReturnType<typeof createPrivateKey> | null = null;
  if (!errors.privateKey) {
    try {
      key = createPrivateKey(text('privateKey'));
      if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('not a P-256 key');
    } catch {
      errors.privateKey = fieldError('validation_invalid_private_key', 'Must be the P-256 private key (.p8 PEM) Apple issued.');
    }
  }
  if (Object.keys(errors).length || !key) throw new ValidationError('An error occurred while validating the submitted data.', errors);
  const issuedAt = Math.floor(now / 1000);
  const input = `${base64url({ alg: 'ES256', kid: text('keyId'), typ: 'JWT' })}.${base64url({
    iss: text('teamId'), iat: issuedAt, exp: issuedAt + (duration as number), aud: 'https://appleid.apple.com', sub: text('clientId'),
  })}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return { secret: `${input}.${signature}` };
}
