// Builds a Mainspring server from a Config: picks the engines, hands them to the modules and
// registers one plugin per capability. The only place that wires adapters to ports.
import { mkdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import {
  authHook,
  authLogMigration,
  authRoutes,
  createArgon2Hasher,
  createAuthCookies,
  createAuthLog,
  createAuthService,
  createMfaStore,
  createOriginStore,
  createOtpStore,
  createPasswordRehasher,
  createSessionStore,
  createTotpStore,
  mfasMigration,
  originsMigration,
  otpsMigration,
  rateLimits,
  superuserIps,
  totpsMigration,
  type Argon2Hasher,
  type Argon2Params,
  type AuthService,
} from './auth/index.js';
import {
  createExternalAuthStore, createIdTokenVerifier, createOAuth2Methods, createOAuth2Service, createProviderResolver, externalAuthsMigration,
} from './auth/index.js';
import { createOutboundClient } from './outbound/index.js';
import {
  collectionRoutes, createCollectionRegistry, SUPERUSERS_ID, createCollectionService, defaultCollectionsMigration,
  type CollectionRegistry, type CollectionService,
} from './collections/index.js';
import type { Config } from './config.js';
import { connectRedis, createMemoryBus, createMemoryCounters, type RedisConnections } from './cache/index.js';
import { createLogger, type Logger } from './core/logger.js';
import { createSecretBox, type SecretBox } from './core/secret-box.js';
import { migrateUp, openDatabase, systemTablesMigration, type Database, type Migration } from './db/index.js';
import { createHttpServer } from './http/index.js';
import { batchRoutes, createRecordService, recordRoutes, type RecordService } from './records/index.js';
import { createDevCatcher, mailRoutes } from './mail/index.js';
import {
  createIdentityResolver, createRealtimeHub, createRealtimeRelay, createSharedRealtimeBus, realtimeRoutes, type RealtimeHub,
} from './realtime/index.js';
import { createSettingsStore, settingsRoutes, type SettingsStore } from './settings/index.js';
import { dashboardRoutes, healthRoutes } from './system-routes.js';

export interface App {
  readonly config: Config;
  readonly log: Logger;
  readonly server: FastifyInstance;
  readonly database: Database;
  readonly registry: CollectionRegistry;
  readonly collections: CollectionService;
  readonly records: RecordService;
  readonly auth: AuthService;
  readonly settings: SettingsStore;
  /** This node's connected realtime clients; messages fan out through its bus. */
  readonly realtime: RealtimeHub;
  readonly migrations: readonly Migration[];
  /** Starts listening on the configured host and port; returns the base URL. */
  listen(): Promise<string>;
  /** Stops taking requests, ends realtime streams, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
}

export interface CreateAppOptions {
  readonly log?: Logger;
  /** Apply pending migrations before serving (default true; `mainspring migrate` turns it off). */
  readonly migrate?: boolean;
  /** Argon2id parameters for new password hashes (default: OWASP's baseline; the same on every node). */
  readonly passwordHashing?: Argon2Params;
  /** The password hasher itself, instead of one made from `passwordHashing` (an embedding app's own). */
  readonly passwords?: Argon2Hasher;
}

/**
 * Stored secrets were sealed with the MS_SECRET of their time: with another one every sign-in would
 * fail, so the server refuses to start and says why.
 */
function assertSecretOpens(registry: CollectionRegistry, secrets: SecretBox): void {
  const sealed = registry.get(SUPERUSERS_ID)?.auth?.authToken.secret;
  if (!sealed) return;
  try {
    secrets.open(sealed);
  } catch {
    throw new Error('MS_SECRET is not the secret this database was set up with, so its stored secrets cannot be opened. '
      + 'Use the original (on SQLite without MS_SECRET it is in <dir>/.secret), or unset MS_SECRET.');
  }
}

export async function createApp(config: Config, options: CreateAppOptions = {}): Promise<App> {
  const log = options.log ?? createLogger(config.logLevel);
  mkdirSync(config.dir, { recursive: true });
  const database = openDatabase(config.dbUrl);
  let redis: RedisConnections | null = null;
  try {
    // Shared by every node when configured; otherwise this process is the whole deployment.
    redis = config.redisUrl ? await connectRedis(config.redisUrl, log.child({ module: 'redis' })) : null;
    const counters = redis?.counters ?? createMemoryCounters();
    const bus = redis?.bus ?? createMemoryBus();
    const secrets = createSecretBox(config.secret);
    const registry = createCollectionRegistry(database);
    const passwords = options.passwords ?? createArgon2Hasher(options.passwordHashing);
    const records = createRecordService({ database, registry, passwords });
    const collections = createCollectionService({ database, registry, secrets, truncateRecords: (c) => records.truncate(c) });
    const sessions = createSessionStore(database);
    const mail = createDevCatcher(config.dir, 'Mainspring <no-reply@localhost>');
    const settings = createSettingsStore(database, secrets, bus, { name: 'Mainspring', url: config.publicUrl });
    // Read at each use, so a settings change reaches the next mail.
    const appInfo = {
      get name() { return settings.current().meta.appName; },
      get url() { return settings.current().meta.appURL; },
    };
    const authLog = createAuthLog(database);
    const otps = createOtpStore(database);
    const mfas = createMfaStore(database);
    const origins = createOriginStore(database);
    const totps = createTotpStore(database, secrets);
    const rehash = createPasswordRehasher({ passwords, records, log: log.child({ module: 'auth' }) });
    // Every request to a user-configured URL goes through the SSRF guard.
    const outbound = createOutboundClient({ allowPrivate: config.outboundAllowPrivate });
    const providerResolver = createProviderResolver(outbound, secrets);
    const oauth2Methods = createOAuth2Methods(providerResolver, log.child({ module: 'oauth2' }));
    const auth = createAuthService({ registry, records, sessions, secrets, passwords, rehash, mailer: mail, authLog, otps, mfas, origins, totps, bus, counters, app: appInfo, oauth2Methods });
    const oauth2 = createOAuth2Service({
      registry, records, auth, authLog, resolver: providerResolver, http: outbound, idTokens: createIdTokenVerifier(outbound),
      externalAuths: createExternalAuthStore(database, records), log: log.child({ module: 'oauth2' }),
    });
    const realtime = createRealtimeHub({ bus: createSharedRealtimeBus(bus), log: log.child({ module: 'realtime' }) });
    // Other nodes exist only with Redis: alone, an unknown client id is unknown at once.
    const relay = redis ? createRealtimeRelay({ bus, hub: realtime, resolveIdentity: createIdentityResolver({ registry, records }), log: log.child({ module: 'realtime' }) }) : undefined;
    const migrations: Migration[] = [
      systemTablesMigration, defaultCollectionsMigration(collections, registry), authLogMigration, otpsMigration, mfasMigration, originsMigration, totpsMigration,
      externalAuthsMigration(collections, registry),
    ];

    if (options.migrate !== false) {
      const applied = await migrateUp(database, migrations);
      if (applied.length) log.info({ migrations: applied }, 'migrations applied');
    }
    if ((await database.dialect.listTables(database.db)).includes('_collections')) {
      await registry.reload();
      assertSecretOpens(registry, secrets);
      await settings.reload();
    }

    const server = await createHttpServer({ log: log.child({ module: 'http' }), trustedProxies: config.trustedProxies });
    const cookies = createAuthCookies({ settings: () => settings.current().authCookie, publicUrl: config.publicUrl });
    await server.register(authHook, { auth, cookies });
    await server.register(superuserIps, {
      allowed: () => settings.current().superuserIPs,
      isSuperusers: (idOrName) => registry.get(idOrName)?.id === SUPERUSERS_ID,
    });
    await server.register(rateLimits, {
      settings: () => settings.current().rateLimits,
      counters,
      authLog,
      collection: (idOrName) => registry.get(idOrName),
      recordOfIdentity: (collectionId, identity) => auth.recordIdOfIdentity(collectionId, identity),
    });
    await server.register(healthRoutes, { prefix: '/api', database, redis });
    await server.register(collectionRoutes, { prefix: '/api', collections });
    await server.register(recordRoutes, { prefix: '/api', records });
    await server.register(batchRoutes, { prefix: '/api', records });
    await server.register(authRoutes, { prefix: '/api', auth, oauth2, authLog, cookies });
    await server.register(mailRoutes, { prefix: '/api', catcher: mail });
    await server.register(settingsRoutes, { prefix: '/api', settings });
    await server.register(realtimeRoutes, { prefix: '/api', hub: realtime, relay });
    await server.register(dashboardRoutes);

    let closing: Promise<void> | null = null;
    return {
      config, log, server, database, registry, collections, records, auth, settings, realtime, migrations,
      async listen() {
        await server.listen({ host: config.host, port: config.port });
        const address = server.server.address();
        const port = typeof address === 'object' && address ? address.port : config.port;
        const host = config.host.includes(':') ? `[${config.host}]` : config.host;
        return `http://${host}:${port}`;
      },
      close() {
        closing ??= (async () => {
          await server.close();
          await redis?.close();
          await database.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await redis?.close();
    await database.close().catch(() => undefined);
    throw err;
  }
}
