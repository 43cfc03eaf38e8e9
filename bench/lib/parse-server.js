// Parse Server as a benchmark subject (`--peers`, issue 5), run as its own process:
//   node bench/lib/parse-server.js --port N --db-url postgres://… [--app-id bench] [--master-key K]
//     [--host 127.0.0.1] [--peers DIR]
// parse-server (and the express it brings) is loaded from bench/peers/node_modules, installed on
// demand by bench/lib/parse-peer.js: it is never a project dependency. Parse is mounted at /parse
// with its defaults (validation, class-level permissions, schema cache); only logging, the
// dashboard, GraphQL and live query are off. GET /api/health answers 200 once Parse is ready, for
// startSubject's poll.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    'db-url': { type: 'string' },
    'app-id': { type: 'string', default: 'bench' },
    'master-key': { type: 'string', default: 'bench-master-key-not-a-secret' },
    peers: { type: 'string', default: join(dirname(fileURLToPath(import.meta.url)), '..', 'peers') },
  },
});
if (!opts.port || !opts['db-url']) {
  console.error('usage: node bench/lib/parse-server.js --port N --db-url postgres://… [--app-id ID] [--master-key KEY] [--peers DIR]');
  process.exit(2);
}
const port = Number(opts.port);

// No ./logs folder in the working directory: Parse reads this when its defaults module loads.
process.env.PARSE_SERVER_LOGS_FOLDER = 'null';

const require = createRequire(join(resolve(opts.peers), 'package.json'));
let ParseServer, express;
try {
  ({ ParseServer } = require('parse-server'));
  express = require('express');
} catch (err) {
  console.error(`parse-server is not installed in ${opts.peers} (bench/lib/parse-peer.js installParse): ${err.message}`);
  process.exit(1);
}

const parse = new ParseServer({
  appId: opts['app-id'],
  masterKey: opts['master-key'],
  databaseURI: opts['db-url'],
  serverURL: `http://${opts.host}:${port}/parse`,
  logLevel: 'error',
  silent: true,
  logsFolder: null,
  mountGraphQL: false,
  mountPlayground: false,
  startLiveQueryServer: false,
});

const app = express();
app.disable('x-powered-by');
app.get('/api/health', (_req, res) => { res.status(200).json({ code: 200, message: 'API is healthy.', data: {} }); });
app.use('/parse', parse.app);

let server;
try {
  await parse.start();
  server = await new Promise((ok, fail) => {
    const s = app.listen(port, opts.host, () => ok(s));
    s.once('error', fail);
  });
} catch (err) {
  console.error('parse-server failed to start:', err);
  process.exit(1);
}
parse.server = server;

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(0), 3000);
  force.unref();
  // handleShutdown closes the HTTP server (parse.server) and the database pool.
  const done = parse.handleShutdown().catch(() => {});
  server.closeAllConnections();
  await done;
  clearTimeout(force);
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
