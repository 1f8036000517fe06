import type { FastifyInstance } from 'fastify';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.js';
import { systemClock, type Clock } from '../../src/lib/clock.js';
import type { ProtectedRoute } from '../../src/http/auth/install-auth.js';
import { buildApp, openRuntime, type Runtime, type RuntimeOverrides } from '../../src/main.js';
import { createLogger } from '../../src/platform/logger/index.js';
import type { Db } from '../../src/platform/db/index.js';
import { createTestDb, TEST_CACHE_PUSH_BOUND_MS, type TestDb } from './test-db.js';

/** An in-process Bulwark node on a fresh database, driven with `app.inject`. */
export interface TestServer {
  app: FastifyInstance;
  runtime: Runtime;
  testDb: TestDb;
  config: Config;
  /** Every protected /v1 route with its action. */
  routes: ProtectedRoute[];
  close(): Promise<void>;
}

/** Starts a node like `bulwark serve` does, on a throwaway database and data folder, without listening on a port. */
export async function createTestServer(
  options: {
    env?: Record<string, string>;
    clock?: Clock;
    registerRoutes?: (app: FastifyInstance) => void;
    /** The gateway's catalogue and meter (recording providers, an instrumented meter). */
    gateway?: RuntimeOverrides['gateway'];
    /**
     * A second node: serve the database (and the data folder, so the same vault key) of this running node. On
     * PostgreSQL it has connections of its own, so it learns the first node's changes as any other node would.
     */
    sameDatabaseAs?: TestServer;
  } = {},
): Promise<TestServer> {
  const shared = options.sameDatabaseAs;
  const dataDir = shared ? shared.config.dataDir : await mkdtemp(path.join(tmpdir(), 'bulwark-test-'));
  const config = loadConfig({
    env: {
      BULWARK_ENV: 'test',
      BULWARK_DATA_DIR: dataDir,
      BULWARK_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      BULWARK_CACHE_PUSH_BOUND_MS: String(TEST_CACHE_PUSH_BOUND_MS),
      ...options.env,
    },
  });
  const testDb = shared ? shared.testDb : await createTestDb({ pushBoundMs: config.cachePushBoundMs });
  // PGlite is one process's database, so two nodes on it share the one connection.
  const ownDb: Db | undefined = shared ? await testDb.openServingDb?.(false) : undefined;
  let runtime: Runtime | undefined;
  try {
    runtime = await openRuntime(config, {
      db: ownDb ?? testDb.db,
      ownerDb: testDb.owner,
      clock: options.clock ?? systemClock,
      logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      ...(options.gateway ? { gateway: options.gateway } : {}),
    });
    const routes: ProtectedRoute[] = [];
    const app = await buildApp(runtime, { accepting: true }, routes);
    if (options.registerRoutes) options.registerRoutes(app);
    await app.ready();
    return createHandle(app, runtime, testDb, config, routes, !shared, ownDb);
  } catch (error) {
    await runtime?.close();
    await ownDb?.close();
    if (!shared) await testDb.close();
    throw error;
  }
}

function createHandle(
  app: FastifyInstance,
  runtime: Runtime,
  testDb: TestDb,
  config: Config,
  routes: ProtectedRoute[],
  ownsDb: boolean,
  ownDb: Db | undefined,
): TestServer {
  return {
    app,
    runtime,
    testDb,
    config,
    routes,
    async close() {
      await app.close();
      await runtime.close();
      await ownDb?.close();
      if (ownsDb) await testDb.close();
    },
  };
}
