// The one pino root; modules take children. Secrets are redacted here and nowhere else.
import { pino, type Logger } from 'pino';

export type { Logger };
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'password',
  'passwordConfirm',
  'oldPassword',
  'token',
  'secret',
  '*.password',
  '*.token',
  '*.secret',
];

export function createLogger(level: LogLevel): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: undefined });
}
