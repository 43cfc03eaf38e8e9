// Test-file helper: a real Mainspring server on a loopback port over a fresh database of one
// engine, plus small fetch wrappers and a signed-in superuser.
import { createApp, type App, type CreateAppOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/core/logger.js';
import type { TestDatabase, TestEngine } from './engines.js';

export interface TestResponse {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON, or null for an empty body. */
  readonly body: any; // test convenience: assertions index freely into replies
  readonly text: string;
}

export interface RequestOptions {
  readonly token?: string | null;
  readonly headers?: Record<string, string>;
  /** Sent as JSON unless it is already a string. */
  readonly body?: unknown;
}

export interface TestApp {
  readonly app: App;
  readonly url: string;
  readonly database: TestDatabase;
  readonly engine: TestEngine['name'];
  readonly superuserEmail: string;
  readonly superuserPassword: string;
  /** A token of the superuser created at start. */
  superuserToken(): Promise<string>;
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  get(path: string, options?: RequestOptions): Promise<TestResponse>;
  post(path: string, body?: unknown, options?: RequestOptions): Promise<TestResponse>;
  patch(path: string, body?: unknown, options?: RequestOptions): Promise<TestResponse>;
  delete(path: string, options?: RequestOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

export interface StartOptions {
  readonly engine: TestEngine;
  /**
   * Keep the default rate limits and lockouts (default false: every test request comes from
   * 127.0.0.1 at machine speed, so the shipped `*:auth` rule would refuse ordinary tests).
   */
  readonly rateLimits?: boolean;
  /** Extra environment (MS_TRUSTED_PROXIES, …) on top of the test database and secret. */
  readonly env?: Readonly<Record<string, string>>;
  /** Another node's database: this app shares it, and leaves dropping it to its owner. */
  readonly database?: TestDatabase;
  /** More createApp options (the log is always silent). */
  readonly appOptions?: Omit<CreateAppOptions, 'log'>;
}

export async function startTestApp({ engine, rateLimits = false, env = {}, database: shared, appOptions = {} }: StartOptions): Promise<TestApp> {
  const database = shared ?? await engine.createDatabase();
  const config = loadConfig({
    env: { MS_DB_URL: database.url, MS_SECRET: TEST_SECRET, MS_LOG_LEVEL: 'silent', ...env },
    dir: database.dir,
    http: '127.0.0.1:0',
  });
  const app = await createApp(config, { ...appOptions, log: createLogger('silent') });
  if (!rateLimits) await app.settings.update({ rateLimits: { enabled: false } });
  const url = await app.listen();

  async function request(method: string, path: string, options: RequestOptions = {}): Promise<TestResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = options.token;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = null;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  const superuserEmail = 'root@example.com';
  const superuserPassword = 'root-password-123';
  const superusers = app.registry.get('_superusers')!;
  const systemCtx = {
    auth: { collectionId: superusers.id, collectionName: superusers.name, record: { id: '' }, sessionId: '', isSuperuser: true, token: '', refreshable: false },
    request: { auth: null, method: 'POST', context: 'default', query: {}, headers: {}, body: {} },
  };
  // The node that made the database made its superuser.
  if (!shared) await app.records.create(superusers.id, { email: superuserEmail, password: superuserPassword, passwordConfirm: superuserPassword }, systemCtx);

  let token: string | null = null;
  return {
    app,
    url,
    database,
    engine: engine.name,
    superuserEmail,
    superuserPassword,
    async superuserToken() {
      if (token) return token;
      const res = await request('POST', '/api/collections/_superusers/auth-with-password', { body: { identity: superuserEmail, password: superuserPassword } });
      if (res.status !== 200) throw new Error(`superuser sign-in failed: ${res.status} ${res.text}`);
      token = res.body.token as string;
      return token;
    },
    request,
    get: (path, options) => request('GET', path, options),
    post: (path, body, options) => request('POST', path, { ...options, body }),
    patch: (path, body, options) => request('PATCH', path, { ...options, body }),
    delete: (path, options) => request('DELETE', path, options),
    async close() {
      await app.close();
      if (!shared) await database.drop();
    },
  };
}
