/**
 * Failed-payment recovery over a simulated month of renewals, through the real `stripe` SDK against the sandbox
 * processor. 300 orgs renew once each, 10 a day for 30 days, as off-session charges through the payment use case;
 * the failed ones get a recovery case; an injected clock moves day by day and each day runs the due recovery
 * attempts (the job) and the simulated customers (who act on the e-mails in the outbox with a stated, seeded chance).
 * Prints the decline mix, each reason's sandbox chance that a retry later succeeds, and the share of failed payments
 * recovered against a baseline with no recovery, and the recovered revenue. PGlite by default, PostgreSQL when
 * DATABASE_URL is set. Run: npm run bench:recovery
 */
import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config/index.js';
import { systemClock } from '../src/lib/clock.js';
import type { OrgId } from '../src/lib/ids.js';
import { buildApp, openRuntime } from '../src/main.js';
import { RETRY_SCHEDULE_DAYS, SANDBOX_RENEWAL_CARDS, classifyDecline } from '../src/modules/billing/index.js';
import { createLogger } from '../src/platform/logger/index.js';
import { backendName, createTestDb } from '../test/support/test-db.js';

const DAY_S = 86_400;
const RENEWAL_DAYS = 30;
const PER_DAY = 10;
const TAIL_DAYS = 9; // after the last renewal: the longest schedule (7 days) and the grace period (7 days) end
const AMOUNT = 4_900; // cents per renewal
const CUSTOMER_UPDATES_CARD = 0.5; // an expired-card customer adds a new card 1-3 days after the e-mail
const CUSTOMER_COMPLETES_3DS = 0.5; // a 3-D Secure customer completes it 0-2 days after the e-mail

// The stated mix of the 300 renewals: the card each renews with (Stripe's test ids, or Bulwark-sandbox-only ones).
const MIX: readonly { card: string; count: number }[] = [
  { card: 'pm_card_visa', count: 120 },
  { card: 'pm_card_bulwarkSandbox_renewalDeclined_insufficientFunds', count: 72 },
  { card: 'pm_card_bulwarkSandbox_renewalDeclined_doNotHonor', count: 27 },
  { card: 'pm_card_bulwarkSandbox_renewalDeclined_genericDecline', count: 18 },
  { card: 'pm_card_bulwarkSandbox_renewalDeclined_expiredCard', count: 27 },
  { card: 'pm_card_authenticationRequired', count: 18 },
  { card: 'pm_card_bulwarkSandbox_renewalDeclined_fraudulent', count: 6 },
  { card: 'pm_card_bulwarkSandbox_renewalDeclined_stolenCard', count: 6 },
  { card: 'pm_card_bulwarkSandbox_renewalDeclined_lostCard', count: 6 },
];

// mulberry32: the customers' choices are seeded, so every run is the same.
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function interleave(): string[] {
  const pool = MIX.flatMap((m) => Array.from({ length: m.count }, () => m.card));
  const random = seeded(7);
  for (let i = pool.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [pool[i], pool[j]] = [pool[j] as string, pool[i] as string];
  }
  return pool;
}

async function main(): Promise<void> {
  const started = performance.now();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bulwark-bench-recovery-'));
  const config = loadConfig({ env: { BULWARK_ENV: 'test', BULWARK_DATA_DIR: dataDir, BULWARK_LOG_LEVEL: 'error' } });
  let offsetMs = 0;
  const clock = { now: () => new Date(systemClock.now().getTime() + offsetMs) };
  const shift = (seconds: number) => (offsetMs += seconds * 1000);
  const testDb = await createTestDb();
  const runtime = await openRuntime(config, {
    db: testDb.db,
    ownerDb: testDb.owner,
    clock,
    logger: createLogger({ level: 'error' }),
  });
  const app = await buildApp(runtime, { accepting: true }, []);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const billing = runtime.services.billing;
  billing.connectSandboxWebhooks(address);
  const sandbox = billing.sandbox;
  if (!sandbox) throw new Error('the bench needs the sandbox processor');
  const actor = { type: 'system' as const, id: 'bench_renewals' };
  const customers = seeded(42);

  interface Renewal {
    orgId: OrgId;
    card: string;
    caseId?: string;
    reason?: string;
    actOnDay?: number;
    acts?: boolean;
  }
  const renewals: Renewal[] = [];
  const cards = interleave();
  let failed = 0;
  let jobMs = 0;

  for (let day = 0; day < RENEWAL_DAYS + TAIL_DAYS; day += 1) {
    if (day < RENEWAL_DAYS) {
      for (let i = 0; i < PER_DAY; i += 1) {
        const n = day * PER_DAY + i;
        const card = cards[n] as string;
        const org = await runtime.orgs.create({ name: `Renewal ${n}`, slug: `renewal-${n}` }, actor);
        const saved = await runtime.db.withTenant(org.id, (sql) => billing.payments.addCard(sql, actor, card, {}));
        if (!('card' in saved)) throw new Error(`${card} did not attach`);
        const key = `renewal-${n}`;
        const { payment } = await billing.payments.pay(
          org.id,
          (fn) => runtime.db.withTenant(org.id, fn),
          actor,
          { paymentMethodId: saved.card.id, amount: AMOUNT, currency: 'usd', offSession: true },
          { key, requestHash: createHash('sha256').update(key).digest('hex') },
          {},
        );
        const renewal: Renewal = { orgId: org.id, card };
        if (payment.status === 'failed') {
          failed += 1;
          const opened = await billing.recovery.openRecoveryCase(org.id, payment.id);
          renewal.caseId = opened.id;
          renewal.reason = opened.reason;
          if (opened.reason === 'expired_card') {
            renewal.acts = customers() < CUSTOMER_UPDATES_CARD;
            renewal.actOnDay = day + 1 + Math.floor(customers() * 3);
          }
          if (opened.reason === 'authentication_required') {
            renewal.acts = customers() < CUSTOMER_COMPLETES_3DS;
            renewal.actOnDay = day + Math.floor(customers() * 3);
          }
        }
        renewals.push(renewal);
      }
    }
    // The job: every recovery step due today.
    const jobStarted = performance.now();
    await billing.recovery.runDueRecoveryAttempts(clock.now());
    jobMs += performance.now() - jobStarted;
    await sandbox.webhooks.settled();
    // The customers who act on their e-mail today.
    for (const renewal of renewals) {
      if (!renewal.acts || renewal.actOnDay !== day || !renewal.caseId) continue;
      if (renewal.reason === 'expired_card') {
        await runtime.db.withTenant(renewal.orgId, (sql) => billing.payments.addCard(sql, actor, 'pm_card_visa', {}));
      } else {
        const link = await runtime.db.withTenant(renewal.orgId, async (sql) => {
          const { rows } = await sql.query<{ body: string }>(
            "SELECT body FROM billing_outbox WHERE org_id = $1 AND case_id = $2 AND kind = 'recovery_authenticate'",
            [renewal.orgId, renewal.caseId],
          );
          return /(http:\/\/\S+\/sandbox\/authenticate\/pi_\w+)/.exec(rows[0]?.body ?? '')?.[1];
        });
        // The e-mail is queued by the job's first attempt; a customer whose e-mail is not there yet acts tomorrow.
        if (!link) {
          renewal.actOnDay = day + 1;
          continue;
        }
        await fetch(link, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'result=approve',
        });
      }
    }
    await sandbox.webhooks.settled();
    shift(DAY_S);
  }

  const states = new Map<string, { failed: number; recovered: number; amount: number }>();
  for (const renewal of renewals) {
    if (!renewal.caseId || !renewal.reason) continue;
    const report = await billing.recovery.report(renewal.orgId, {
      from: new Date(0),
      to: new Date(clock.now().getTime() + DAY_S * 1000),
    });
    const entry = states.get(renewal.reason) ?? { failed: 0, recovered: 0, amount: 0 };
    entry.failed += 1;
    entry.recovered += report.recoveredCount;
    entry.amount += report.recoveredAmount;
    states.set(renewal.reason, entry);
  }
  const recovered = [...states.values()].reduce((s, e) => s + e.recovered, 0);
  const revenue = [...states.values()].reduce((s, e) => s + e.amount, 0);
  const chance = new Map(SANDBOX_RENEWAL_CARDS.map((c) => [c.id, c.laterChargeSucceeds]));

  const out: string[] = [];
  out.push(
    `bench/recovery (${backendName}): ${renewals.length} renewals over ${RENEWAL_DAYS} days, ${AMOUNT / 100} USD each`,
  );
  out.push('', 'mix (card → decline code → reason, schedule in days, sandbox chance a later retry succeeds):');
  for (const m of MIX) {
    const code =
      m.card === 'pm_card_visa'
        ? null
        : m.card === 'pm_card_authenticationRequired'
          ? 'authentication_required'
          : (SANDBOX_RENEWAL_CARDS.find((c) => c.id === m.card)?.decline.declineCode ?? '');
    if (code === null) {
      out.push(`  ${String(m.count).padStart(3)}  ${m.card}: succeeds`);
      continue;
    }
    const reason = classifyDecline(code);
    const odds =
      reason === 'expired_card'
        ? `same card never; customer adds a card: ${CUSTOMER_UPDATES_CARD}`
        : reason === 'authentication_required'
          ? `off-session never; customer completes 3DS: ${CUSTOMER_COMPLETES_3DS}`
          : `${chance.get(m.card) ?? 0} per retry`;
    out.push(
      `  ${String(m.count).padStart(3)}  ${m.card}: ${code} → ${reason} [${RETRY_SCHEDULE_DAYS[reason].join(', ')}] (${odds})`,
    );
  }
  out.push('', 'recovered per reason:');
  for (const [reason, e] of states)
    out.push(
      `  ${reason.padEnd(24)} ${String(e.recovered).padStart(3)} / ${String(e.failed).padStart(3)}  (${((100 * e.recovered) / e.failed).toFixed(1)}%)`,
    );
  out.push(
    '',
    `failed payments: ${failed}`,
    `recovered with recovery:    ${recovered} (${((100 * recovered) / failed).toFixed(1)}%), ${(revenue / 100).toFixed(2)} USD`,
    `baseline without recovery:  0 (0.0%), 0.00 USD  (assumption: without a retry or an e-mail with a link nobody pays a failed renewal; customers who fix it unprompted are not modelled)`,
    `target ≥ 36%: ${(100 * recovered) / failed >= 36 ? 'met' : 'NOT met'}`,
    `wall time: ${((performance.now() - started) / 1000).toFixed(1)} s, of which the daily recovery job ${(jobMs / 1000).toFixed(1)} s (${(jobMs / (RENEWAL_DAYS + TAIL_DAYS)).toFixed(0)} ms a day over up to ${renewals.length} orgs)`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
  await app.close();
  await runtime.close();
  await testDb.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
