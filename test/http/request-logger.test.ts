// Request loggers are made lazily: a request that logs nothing costs no pino child, and one that
// does log still carries its request id (and the redaction of the root logger).
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED_PATHS } from '../../src/core/logger.js';
import { createHttpServer } from '../../src/http/index.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, stream) };
}

describe('request loggers', () => {
  it('log errors with the request id, and nothing for a quiet request', async () => {
    const { lines, log } = capture('warn');
    const app = await createHttpServer({ log });
    app.get('/boom', async () => { throw new Error('kaboom'); });
    app.get('/quiet', async (req) => { req.log.info('not at warn'); return { ok: true }; });
    app.get('/loud', async (req) => { req.log.warn({ token: 'abc', detail: 1 }, 'careful'); return { ok: true }; });
    try {
      expect((await app.inject({ method: 'GET', url: '/quiet' })).statusCode).toBe(200);
      expect(lines).toEqual([]);

      const boom = await app.inject({ method: 'GET', url: '/boom' });
      expect(boom.statusCode).toBe(500);
      const error = lines.find((l) => l.msg === 'unhandled error');
      expect(error?.reqId).toBe(boom.headers['x-request-id']);

      const loud = await app.inject({ method: 'GET', url: '/loud' });
      const warning = lines.find((l) => l.msg === 'careful');
      expect(warning).toMatchObject({ reqId: loud.headers['x-request-id'], token: '[redacted]', detail: 1, level: 40 });
    } finally {
      await app.close();
    }
  });

  it('follows the level set on the request logger', async () => {
    const { lines, log } = capture('warn');
    const app = await createHttpServer({ log });
    app.get('/debug', async (req) => {
      req.log.level = 'debug';
      req.log.debug('now visible');
      return { level: req.log.level };
    });
    try {
      const res = await app.inject({ method: 'GET', url: '/debug' });
      expect(res.json()).toEqual({ level: 'debug' });
      // Fastify's own completion line follows the request's level too.
      expect(lines.map((l) => l.msg)).toEqual(['now visible', 'request completed']);
    } finally {
      await app.close();
    }
  });
});

describe('request logging at info level', () => {
  it('never rewrites the request headers it redacts, and never writes the token', async () => {
    const lines: string[] = [];
    const stream = new Writable({ write(chunk, _encoding, done) { lines.push(String(chunk)); done(); } });
    const log = createLogger('info', stream);
    const app = await createHttpServer({ log });
    app.get('/echo', async (req) => ({ authorization: req.headers.authorization }));
    try {
      const res = await app.inject({ method: 'GET', url: '/echo', headers: { authorization: 'the-real-token' } });
      expect(res.json()).toEqual({ authorization: 'the-real-token' });
      expect(lines.some((l) => l.includes('incoming request'))).toBe(true);
      expect(lines.join('\n')).not.toContain('the-real-token');
    } finally {
      await app.close();
    }
  });
});
