// The one pino root; modules take children. Secrets are redacted here and nowhere else.
import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';

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

// NOTE: Fastify logs the request object itself ("incoming request"); redacting a path through its
// live `headers` rewrote the real Authorization header to the censor text, so every signed-in
// request at `info` level became a guest. Requests and replies are logged through these
// serializers as fresh objects with no headers at all.
const serializers = {
  req: (req: { method?: string; url?: string; ip?: string; id?: string; headers?: Record<string, unknown> }) => ({
    method: req.method, url: req.url, remoteAddress: req.ip, userAgent: req.headers?.['user-agent'],
  }),
  res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
  err: stdSerializers.err,
};

/** The root logger; `destination` (stdout by default) lets tests read what is written. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: undefined, serializers };
  return destination ? pino(options, destination) : pino(options);
}
