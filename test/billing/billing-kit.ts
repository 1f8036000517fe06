import type { FastifyInstance } from 'fastify';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config/index.js';
import { systemClock } from '../../src/lib/clock.js';
import { buildApp, openRuntime, type Runtime } from '../../src/main.js';
import type { SandboxProcessor } from '../../src/modules/billing/index.js';
import { createLogger } from '../../src/platform/logger/index.js';
import { twoOrgs } from '../api/api-client.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

/** A node listening on 127.0.0.1 with the in-process sandbox processor sending its webhooks to it, and two orgs. */
export interface BillingKit {
  app: FastifyInstance;
  runtime: Runtime;
  testDb: TestDb;
  sandbox: SandboxProcessor;
  ctx: Awaited<ReturnType<typeof twoOrgs>>;
  /** Moves the clock of the node and of its sandbox by `seconds` (negative: back). */
  shiftClock(seconds: number): void;
  /** Every log line the node wrote, raw. */
  logText(): string;
  /** Mints a key of org A with the given role and scopes (the raw response: minting may be refused). */
  mintKey(role: string, scopes: string[]): ReturnType<Awaited<ReturnType<typeof twoOrgs>>['call']>;
  /** Saves a card for org A from a documented test PaymentMethod id; returns the saved card's id. */
  addCard(token: string): Promise<string>;
  /** Charges org A's card with an idempotency key (owner key unless given). */
  pay(
    card: string,
    idempotencyKey: string,
    body?: Record<string, unknown>,
    key?: string,
  ): ReturnType<Awaited<ReturnType<typeof twoOrgs>>['call']>;
  /** Waits until the sandbox has delivered every webhook so far. */
  delivered(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a billing kit on a fresh database; `env` adds configuration (`BULWARK_…` variables). */
export async function startBillingKit(env: Record<string, string> = {}): Promise<BillingKit> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bulwark-billing-'));
  const config = loadConfig({
    env: {
      BULWARK_ENV: 'test',
      BULWARK_DATA_DIR: dataDir,
      BULWARK_LOG_LEVEL: 'debug',
      // The kit moves its clock by months; the owners' hwk keys must outlive the walks (at most 365 days).
      BULWARK_PASSKEY_KEY_MAX_DAYS: '365',
      ...env,
    },
  });
  const out = new PassThrough();
  let logs = '';
  out.on('data', (chunk: Buffer) => (logs += chunk.toString('utf8')));
  let offsetMs = 0;
  const clock = { now: () => new Date(systemClock.now().getTime() + offsetMs) };
  const testDb = await createTestDb();
  const runtime = await openRuntime(config, {
    db: testDb.db,
    ownerDb: testDb.owner,
    clock,
    logger: createLogger({ level: 'debug', destination: out }),
  });
  const app = await buildApp(runtime, { accepting: true }, []);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  runtime.services.billing.connectSandboxWebhooks(address);
  const sandbox = runtime.services.billing.sandbox;
  if (!sandbox) throw new Error('the test runtime runs no sandbox processor');
  const ctx = await twoOrgs(app, runtime.bootstrap?.secret ?? '');
  const cardsUrl = `/v1/orgs/${ctx.a.orgId}/billing/payment-methods`;
  return {
    app,
    runtime,
    testDb,
    sandbox,
    ctx,
    shiftClock: (seconds) => {
      offsetMs += seconds * 1000;
    },
    logText: () => logs,
    mintKey: (role, scopes) =>
      ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/api-keys`, { name: `${role} key`, role, scopes }),
    async addCard(token) {
      const res = await ctx.call(ctx.a.ownerKey, 'POST', cardsUrl, { token });
      if (res.statusCode !== 201) throw new Error(`card not saved: ${res.body}`);
      return res.json().id as string;
    },
    pay: (card, idempotencyKey, body = {}, key = ctx.a.ownerKey) =>
      ctx.call(
        key,
        'POST',
        `/v1/orgs/${ctx.a.orgId}/billing/payments`,
        { payment_method_id: card, amount: 2_000, currency: 'usd', ...body },
        { 'idempotency-key': idempotencyKey },
      ),
    delivered: () => sandbox.webhooks.settled(),
    async close() {
      await app.close();
      await runtime.close();
      await testDb.close();
    },
  };
}
