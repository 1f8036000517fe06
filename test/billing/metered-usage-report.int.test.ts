import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { previousMonth } from '../../src/modules/billing/plans/usage-report-job.js';
import { startBillingKit, type BillingKit } from './billing-kit.js';

const month = (d: Date) => d.toISOString().slice(0, 7);

describe(`metered usage reported to the processor (${backendName})`, () => {
  let kit: BillingKit;
  let url: string;
  let period: string;
  const report = (p: string, key = kit.ctx.a.ownerKey) => kit.ctx.call(key, 'POST', url, { period: p });

  beforeAll(async () => {
    kit = await startBillingKit();
    url = `/v1/orgs/${kit.ctx.a.orgId}/billing/usage-reports`;
    period = month(kit.runtime.services.clock.now());
    for (const content of ['one', 'two', 'three']) {
      const res = await kit.ctx.call(kit.ctx.a.ownerKey, 'POST', '/v1/chat/completions', {
        model: 'bulwark-local-chat',
        messages: [{ role: 'user', content }],
      });
      expect(res.statusCode).toBe(200);
    }
  }, 120_000);
  afterAll(async () => kit.close());

  it('refuses a month that has not ended, or ended longer ago than the processor takes usage for', async () => {
    const res = await report(period);
    expect([res.statusCode, res.json().code]).toEqual([400, 'http.bad_request']);
    const old = await report('2020-01');
    expect([old.statusCode, old.json().code]).toEqual([400, 'http.bad_request']);
    expect(kit.sandbox.meterEvents()).toEqual([]);
  });

  it("reports the month's settled tokens once, however often it is asked", async () => {
    kit.shiftClock(32 * 86_400);
    const usage = await kit.ctx.call(
      kit.ctx.a.ownerKey,
      'GET',
      `/v1/orgs/${kit.ctx.a.orgId}/usage?from=${period}-01T00:00:00Z&to=${month(kit.runtime.services.clock.now())}-01T00:00:00Z&group_by=model`,
    );
    const rows = usage.json().data as { input_tokens: number; output_tokens: number }[];
    const tokens = rows.reduce((sum, r) => sum + r.input_tokens + r.output_tokens, 0);
    expect(tokens).toBeGreaterThan(0);
    const first = await report(period);
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ period, tokens, event_id: `usage-${kit.ctx.a.orgId}-${period}` });
    const again = await Promise.all([report(period), report(period)]);
    for (const res of again) {
      expect(res.statusCode).toBe(200);
      expect(res.headers['idempotent-replayed']).toBe('true');
    }
    expect(kit.sandbox.meterEvents()).toEqual([
      expect.objectContaining({
        identifier: `usage-${kit.ctx.a.orgId}-${period}`,
        value: tokens,
        eventName: 'bulwark_tokens',
      }),
    ]);
  });

  it('the processor itself counts an identifier once (a report whose record was lost)', async () => {
    const { processor } = kit.runtime.services.billing;
    const customer = kit.sandbox.meterEvents()[0]?.customer ?? '';
    const input = {
      customerId: customer,
      eventName: 'bulwark_tokens',
      value: 5,
      timestamp: new Date(kit.runtime.services.clock.now().getTime() - 60_000),
      identifier: `usage-${kit.ctx.a.orgId}-lost`,
    };
    expect(await processor.reportUsage(input)).toEqual({ duplicate: false });
    expect(await processor.reportUsage(input)).toEqual({ duplicate: true });
    expect(await processor.reportUsage({ ...input, value: 6 })).toEqual({ duplicate: true });
    expect(kit.sandbox.meterEvents().filter((e) => e.identifier === input.identifier)).toHaveLength(1);
  });

  it('needs bill:payments', async () => {
    const developer = (await kit.mintKey('developer', ['read:usage'])).json().secret as string;
    expect((await report('2020-01', developer)).statusCode).toBe(403);
  });

  it('the usage-report job reports last month once for every org in billing, and only for those', async () => {
    const { billing, clock } = kit.runtime.services;
    // Org B enters billing on Free; org A never subscribed (its report above was asked by hand).
    const free = await kit.ctx.call(
      kit.ctx.b.ownerKey,
      'POST',
      `/v1/orgs/${kit.ctx.b.orgId}/billing/subscription`,
      { plan: 'free' },
      { 'idempotency-key': 'enter-billing' },
    );
    expect(free.statusCode).toBe(200);
    const last = previousMonth(clock.now());
    const events = () => kit.sandbox.meterEvents().filter((e) => e.identifier.endsWith(`-${last}`));
    const before = events().length;
    expect(await billing.runDueUsageReports(clock.now())).toEqual({ period: last, due: 1, reported: 1, deferred: 0 });
    expect(events().slice(before)).toEqual([
      expect.objectContaining({ identifier: `usage-${kit.ctx.b.orgId}-${last}`, value: 0 }),
    ]);
    expect(await billing.runDueUsageReports(clock.now())).toMatchObject({ due: 0, reported: 0 });
    expect(events()).toHaveLength(before + 1);
  });
});
