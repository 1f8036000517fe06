/**
 * Payments through the HTTP API against baselines measured in the same run:
 *  - verified inbound processor webhooks/s: Stripe-signed `payment_intent.succeeded` events (fresh ids, signed with
 *    the Stripe SDK) POSTed to /v1/billing/webhooks/stripe of a node configured for Stripe with that signing secret;
 *    each is verified, checked for replay, stored and audited in its org's chain;
 *  - charge creations/s: POST /v1/orgs/{org}/billing/payments with fresh Idempotency-Keys on a node with the sandbox
 *    processor (reached through the Stripe SDK), an outbound webhook endpoint subscribed to `billing.*` (so each
 *    charge also publishes its event and enqueues a delivery);
 *  - baselines: bare HMAC-SHA256 verification of a Stripe signature header/s (node:crypto, one core) and plain
 *    single-row INSERT transactions/s into a table on the same database engine, with the same concurrency.
 * PGlite by default, PostgreSQL when DATABASE_URL is set. Self-terminating, well under a minute.
 * Run: npm run bench:webhooks [-- seconds=3 concurrency=16]
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import Stripe from 'stripe';
import { Pool } from 'undici';
import { newId } from '../src/lib/ids.js';
import { PROCESSOR_WEBHOOK_PATH } from '../src/modules/billing/index.js';
import { twoOrgs } from '../test/api/api-client.js';
import { startBillingKit } from '../test/billing/billing-kit.js';
import { backendName } from '../test/support/test-db.js';
import { createTestServer } from '../test/support/test-server.js';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const SECONDS = Number(args.seconds ?? 3);
const CONCURRENCY = Number(args.concurrency ?? 16);

/** Runs `op` from `concurrency` workers for `seconds`; answers completed operations per second and failures. */
async function throughput(op: (i: number) => Promise<boolean>, concurrency: number, seconds: number) {
  let done = 0;
  let failed = 0;
  let next = 0;
  const until = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        if (await op(next++).catch(() => false)) done++;
        else failed++;
      }
    }),
  );
  return { perSecond: done / ((performance.now() - start) / 1000), failed };
}

const fmt = (n: number) => n.toFixed(0).padStart(9);

async function inboundWebhooks() {
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  const server = await createTestServer({
    env: {
      BULWARK_BILLING_PROCESSOR: 'stripe',
      BULWARK_BILLING_STRIPE_SECRET_KEY: 'sk_test_bench_never_called',
      BULWARK_BILLING_STRIPE_WEBHOOK_SECRETS: secret,
      BULWARK_GUARD_EMBEDDING_STAGE: 'false',
    },
  });
  const { a } = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
  const address = await server.app.listen({ host: '127.0.0.1', port: 0 });
  const pool = new Pool(address, { connections: CONCURRENCY });
  const event = () => {
    const payload = JSON.stringify({
      id: `evt_${randomBytes(12).toString('hex')}`,
      object: 'event',
      api_version: '2025-01-27.acacia',
      created: Math.floor(Date.now() / 1000),
      type: 'payment_intent.succeeded',
      data: {
        object: {
          id: `pi_${randomBytes(12).toString('hex')}`,
          object: 'payment_intent',
          amount: 2_000,
          currency: 'usd',
          status: 'succeeded',
          metadata: { bulwark_org_id: a.orgId, bulwark_payment_id: newId('pay') },
        },
      },
    });
    return { payload, signature: Stripe.webhooks.generateTestHeaderString({ payload, secret }) };
  };
  const post = async () => {
    const { payload, signature } = event();
    const res = await pool.request({
      method: 'POST',
      path: PROCESSOR_WEBHOOK_PATH,
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body: payload,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`webhook ${res.statusCode}: ${text.slice(0, 200)}`);
    return !text.includes('"duplicate":true');
  };
  await post(); // warm-up, and a check that events verify
  const measured = await throughput(post, CONCURRENCY, SECONDS);

  // Baselines on this node: bare HMAC verification of the same header, and plain INSERT transactions.
  const sample = event();
  const [tPart, v1Part] = sample.signature.split(',');
  const t = (tPart ?? '').slice(2);
  const expected = Buffer.from((v1Part ?? '').slice(3), 'hex');
  let verified = 0;
  const hmacStart = performance.now();
  while (performance.now() - hmacStart < 1_000) {
    const mac = createHmac('sha256', secret).update(`${t}.${sample.payload}`).digest();
    if (timingSafeEqual(mac, expected)) verified++;
  }
  const hmacPerSecond = verified / ((performance.now() - hmacStart) / 1000);

  await server.testDb.superuser('CREATE TABLE bench_inserts (id text PRIMARY KEY, body text NOT NULL)');
  const insert = await throughput(
    async (i) => {
      await server.testDb.superuser('INSERT INTO bench_inserts (id, body) VALUES ($1, $2)', [
        `row-${i}`,
        sample.payload,
      ]);
      return true;
    },
    CONCURRENCY,
    Math.min(SECONDS, 3),
  );
  await pool.close();
  await server.close();
  return { measured, hmacPerSecond, insertPerSecond: insert.perSecond };
}

async function charges() {
  const kit = await startBillingKit({ BULWARK_WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true' });
  const card = await kit.addCard('pm_card_visa');
  const hook = await kit.ctx.call(kit.ctx.a.ownerKey, 'POST', `/v1/orgs/${kit.ctx.a.orgId}/webhook-endpoints`, {
    url: 'http://127.0.0.1:9/never-delivered-in-this-bench',
    event_types: ['billing.*'],
  });
  if (hook.statusCode !== 201) throw new Error(`endpoint: ${hook.body}`);
  const address = kit.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY });
  const charge = async (i: number) => {
    const res = await pool.request({
      method: 'POST',
      path: `/v1/orgs/${kit.ctx.a.orgId}/billing/payments`,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${kit.ctx.a.ownerKey}`,
        'idempotency-key': `bench-${process.pid}-${i}`,
      },
      body: JSON.stringify({ payment_method_id: card, amount: 2_000, currency: 'usd' }),
    });
    const text = await res.body.text();
    if (res.statusCode !== 201) throw new Error(`charge ${res.statusCode}: ${text.slice(0, 200)}`);
    return true;
  };
  await charge(-1);
  const measured = await throughput(charge, CONCURRENCY, SECONDS);
  const [queued] = await kit.testDb.superuser(`SELECT count(*)::int AS n FROM jobs WHERE kind = 'webhooks.deliver'`);
  await kit.delivered();
  await pool.close();
  await kit.close();
  return { measured, deliveriesQueued: Number(queued?.n ?? 0) };
}

async function main() {
  const started = performance.now();
  console.log(`bench:webhooks on ${backendName}, ${SECONDS} s per phase, concurrency ${CONCURRENCY}`);
  const inbound = await inboundWebhooks();
  const paid = await charges();
  console.log('');
  console.log(`  bare HMAC-SHA256 signature checks/s      ${fmt(inbound.hmacPerSecond)}`);
  console.log(`  plain INSERT transactions/s              ${fmt(inbound.insertPerSecond)}`);
  console.log(
    `  verified inbound webhook events/s (HTTP) ${fmt(inbound.measured.perSecond)}  (${inbound.measured.failed} failed)`,
  );
  console.log(
    `  charge creations/s (HTTP, sandbox)       ${fmt(paid.measured.perSecond)}  (${paid.measured.failed} failed; ${paid.deliveriesQueued} outbound deliveries queued)`,
  );
  console.log('');
  console.log(
    `  inbound webhooks / plain INSERT          ${(inbound.measured.perSecond / inbound.insertPerSecond).toFixed(3)}`,
  );
  console.log(
    `  inbound webhooks / bare HMAC             ${(inbound.measured.perSecond / inbound.hmacPerSecond).toFixed(5)}`,
  );
  console.log(
    `  charges / plain INSERT                   ${(paid.measured.perSecond / inbound.insertPerSecond).toFixed(3)}`,
  );
  console.log(
    `  charges / inbound webhooks               ${(paid.measured.perSecond / inbound.measured.perSecond).toFixed(3)}`,
  );
  console.log(`\n  total ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
