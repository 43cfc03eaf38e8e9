// Test-file helper: a real Mainspring server on a loopback port over a fresh database of one
// engine, plus small fetch wrappers and a signed-in superuser.
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/core/logger.js';
import type { TestEngine } from './engines.js';

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

/** `env` adds to (or overrides) the test environment, e.g. `{ MS_OUTBOUND_ALLOW_PRIVATE: '1' }`. */
export async function startTestApp({ engine, env = {} }: { engine: TestEngine; env?: Record<string, string> }): Promise<TestApp> {
  const database = await engine.createDatabase();
  const config = loadConfig({
    env: { MS_DB_URL: database.url, MS_SECRET: TEST_SECRET, MS_LOG_LEVEL: 'silent', ...env },
    dir: database.dir,
    http: '127.0.0.1:0',
  });
  const app = await createApp(config, { log: createLogger('silent') });
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
  await app.records.create(superusers.id, { email: superuserEmail, password: superuserPassword, passwordConfirm: superuserPassword }, systemCtx);

  let token: string | null = null;
  return {
    app,
    url,
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
      await database.drop();
    },
  };
}
