// Health checks and the dashboard's mount point.
import type { FastifyPluginAsync } from 'fastify';
import type { RedisConnections } from './cache/index.js';
import type { Database } from './db/index.js';

export const healthRoutes: FastifyPluginAsync<{ database: Database; redis: RedisConnections | null }> = async (app, { database, redis }) => {
  app.get('/health', async () => ({ code: 200, message: 'API is healthy.', data: {} }));

  // Ready only when the database (and Redis, when configured) answer; load balancers take the node out otherwise.
  app.get('/health/ready', async (_req, reply) => {
    const [db, cache] = await Promise.all([database.ping(), redis ? redis.ping() : true]);
    if (db && cache) return reply.send({ code: 200, message: 'API is ready.', data: {} });
    return reply.code(503).send({ status: 503, message: db ? 'Redis is not responding.' : 'The database is not responding.', data: {} });
  });
};

const DASHBOARD_PLACEHOLDER = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Mainspring</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;line-height:1.5">
<main id="main"><h1>Mainspring is running</h1>
<p>The admin dashboard is not part of this release yet. The REST API is served under <code>/api/</code>;
see the README for the endpoints and for <code>mainspring superuser upsert</code>.</p></main>
<script>
// The OAuth2 popup lands here (API.md §6): say how it went and close the window, as the SDK expects.
(function () {
  var outcome = /^#[/]auth[/]oauth2-redirect-(success|failure)/.exec(location.hash);
  if (!outcome) return;
  var ok = outcome[1] === 'success';
  document.title = ok ? 'Signed in' : 'Sign-in failed';
  document.getElementById('main').innerHTML = ok
    ? '<h1>Signed in</h1><p>You can close this window and return to the app.</p>'
    : '<h1>Sign-in failed</h1><p>Close this window and try again from the app.</p>';
  if (ok) setTimeout(function () { window.close(); }, 300);
})();
</script>
</body></html>`;

// TODO(#dashboard): serve the admin SPA here.
export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  app.get('/_/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(DASHBOARD_PLACEHOLDER));
};
