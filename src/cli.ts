// The `mainspring` command: serve, superuser upsert, migrate, --help, --version.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createApp, type App } from './app.js';
import { SUPERUSERS } from './collections/index.js';
import { loadConfig, ConfigError, type Config } from './config.js';
import { createLogger, type Logger } from './core/logger.js';
import { AppError } from './core/errors.js';
import { migrateDown, migrateUp, migrationStatus } from './db/index.js';
import { systemContext } from './records/index.js';

const HELP = `Usage: mainspring <command> [options]

Commands:
  serve [--http HOST:PORT] [--dir DIR]        start the server (default 127.0.0.1:8090, ./ms_data)
  superuser upsert EMAIL PASSWORD [--dir DIR]  create or update a superuser
  migrate [up|down|status] [--dir DIR]         apply, revert or list the system migrations

Options:
  --http HOST:PORT   address to listen on
  --dir DIR          data directory (SQLite file, secret, local files)
  -h, --help         show this help
  -v, --version      print the version

Configuration comes from MS_* environment variables; see the README.`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function describeError(err: unknown): string {
  if (err instanceof ConfigError) return err.message;
  if (err instanceof AppError) {
    const fields = Object.entries(err.data).map(([k, v]) => `  ${k}: ${'message' in v ? String(v.message) : JSON.stringify(v)}`);
    return [err.message, ...fields].join('\n');
  }
  return err instanceof Error ? err.message : String(err);
}

// One-shot commands print their own result; the logger only speaks up for problems.
const quietLog = (config: Config): Logger => createLogger(config.logLevel === 'debug' ? 'debug' : 'warn');

async function serve(app: App): Promise<void> {
  const url = await app.listen();
  process.stdout.write(`Server started at ${url}\n├─ REST API:  ${url}/api/\n└─ Dashboard: ${url}/_/\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      app.log.info({ signal }, 'shutting down');
      // A second signal, or a stuck close, must not keep the process alive forever.
      setTimeout(() => process.exit(1), 15_000).unref();
      void app.close().then(resolve, (err: unknown) => {
        app.log.error({ err }, 'shutdown failed');
        process.exitCode = 1;
        resolve();
      });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

async function upsertSuperuser(app: App, email: string, password: string): Promise<void> {
  const collection = app.registry.get(SUPERUSERS);
  if (!collection) throw new Error('the _superusers collection is missing; run `mainspring migrate up`');
  const existing = await app.records.findByField(collection, 'email', email, { ignoreCase: true });
  const body = { email, password, passwordConfirm: password };
  if (existing) {
    await app.records.update(collection.id, existing.id, body, systemContext());
    process.stdout.write(`Successfully changed superuser "${email}" password.\n`);
  } else {
    await app.records.create(collection.id, { ...body, verified: true }, systemContext());
    process.stdout.write(`Successfully saved superuser "${email}".\n`);
  }
}

async function migrate(app: App, action: string): Promise<void> {
  if (action === 'up') {
    const applied = await migrateUp(app.database, app.migrations);
    process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'No new migrations to apply.\n');
  } else if (action === 'down') {
    const reverted = await migrateDown(app.database, app.migrations);
    process.stdout.write(reverted ? `Reverted: ${reverted}\n` : 'No migrations to revert.\n');
  } else if (action === 'status') {
    for (const m of await migrationStatus(app.database, app.migrations)) {
      process.stdout.write(`${m.applied ? 'applied' : 'pending'}  ${m.name}${m.applied ? `  ${m.applied}` : ''}\n`);
    }
  } else {
    throw new Error(`unknown migrate action "${action}" (use up, down or status)`);
  }
}

export async function main(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      http: { type: 'string' },
      dir: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.version) {
    process.stdout.write(`mainspring ${version()}\n`);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(`${HELP}\n`);
    return command === undefined && !values.help ? 1 : 0;
  }
  const config = loadConfig({ env, http: values.http, dir: values.dir });
  switch (command) {
    case 'serve': {
      const app = await createApp(config);
      await serve(app);
      return 0;
    }
    case 'superuser': {
      const [action, email, password] = rest;
      if (action !== 'upsert' || !email || !password) throw new Error('usage: mainspring superuser upsert EMAIL PASSWORD');
      const app = await createApp(config, { log: quietLog(config) });
      try {
        await upsertSuperuser(app, email, password);
      } finally {
        await app.close();
      }
      return 0;
    }
    case 'migrate': {
      const app = await createApp(config, { migrate: false, log: quietLog(config) });
      try {
        await migrate(app, rest[0] ?? 'up');
      } finally {
        await app.close();
      }
      return 0;
    }
    default:
      throw new Error(`unknown command "${command}"; see mainspring --help`);
  }
}

/** Runs the command line and exits with its status. */
export function run(): void {
  main(process.argv.slice(2), process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`Error: ${describeError(err)}\n`);
      process.exitCode = 1;
    },
  );
}
