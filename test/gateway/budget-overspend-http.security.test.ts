import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../api/api-client.js';
import { backendName } from '../support/test-db.js';
import { startGateway, type GatewayKit } from './gateway-test-kit.js';

// Attack: fire 200 chat completions at once, through the HTTP API, at a budget with room for only a few of them,
// hoping several pass a "there is room" check before any of them is counted. Half of them stream, so a stream that
// settles late cannot slip past either. The budget is authoritative in the database (reserve, then settle).
describe(`200 concurrent calls against a nearly spent budget, over HTTP (${backendName})`, () => {
  let kit: GatewayKit;
  // The `*` price: 30 micros per token at the higher (output) rate is what a reservation holds per token.
  const BUDGET_MICROS = 20_000;
  const CONCURRENT = 200;

  beforeAll(async () => {
    kit = await startGateway();
    const call = apiClient(kit.server.app);
    const url = `/v1/orgs/${kit.a.orgId}/gateway/limits`;
    const put = await call(
      kit.a.ownerKey,
      'PUT',
      url,
      { budget: { monthly_micros: BUDGET_MICROS, alert_thresholds: [90] } },
      { 'if-match': '"v0"' },
    );
    if (put.statusCode !== 200) throw new Error(`limits: ${put.body}`);
  }, 120_000);
  afterAll(async () => kit.close());

  it('answers some, refuses the rest with 402 gateway.budget_exceeded, and settles no more than the budget', async () => {
    const call = apiClient(kit.server.app);
    const body = (i: number) => ({
      model: 'bulwark-local-chat',
      messages: [{ role: 'user', content: `Suggest a name for turtle number ${i}.` }],
      max_tokens: 16,
      ...(i % 2 === 0 ? { stream: true } : {}),
    });
    const responses = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) => call(kit.a.ownerKey, 'POST', '/v1/chat/completions', body(i))),
    );
    const errorOf = (r: (typeof responses)[number]) =>
      (r.json() as { error?: { code?: string; message?: string } }).error;
    const codeOf = (r: (typeof responses)[number]) => errorOf(r)?.code;
    const answered = responses.filter((r) => r.statusCode === 200 && !r.body.includes('"error"')).length;
    const refused = responses.filter((r) => r.statusCode === 402);
    // The embedding detectors fail closed when a burst outruns their worker (503 guard.detector_unavailable): such a
    // call was metered (input side: refused before the provider; output side: answered, then withheld), never a 5xx
    // of the meter. A stream that fails after it opened says so in its last event.
    const overloaded = responses.filter(
      (r) =>
        (r.statusCode === 503 && codeOf(r) === 'guard.detector_unavailable') ||
        (r.statusCode === 200 && r.body.includes('"guard.detector_unavailable"')),
    );
    const withheld = overloaded.filter(
      (r) => r.statusCode === 200 || (errorOf(r)?.message ?? '').includes('output guard'),
    ).length;
    expect(answered + refused.length + overloaded.length).toBe(CONCURRENT);
    // Some calls reached the provider (on a loaded machine, all of those may have been withheld as above).
    expect(answered + withheld).toBeGreaterThan(0);
    // The budget binds. How many are refused depends on the machine's load: a call the guard fails closed releases its
    // hold, and a later call may take the room, so the bound below is on money, not on the count of refusals.
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(codeOf(r)).toBe('gateway.budget_exceeded');

    const limits = await call(kit.a.ownerKey, 'GET', `/v1/orgs/${kit.a.orgId}/gateway/limits`);
    const budget = limits.json().budget.current as { used: number; reserved: number };
    // Nothing is left in flight, and what was used stays within the budget.
    expect(budget.reserved).toBe(0);
    expect(budget.used).toBeLessThanOrEqual(BUDGET_MICROS);
    const usage = await call(kit.a.ownerKey, 'GET', `/v1/orgs/${kit.a.orgId}/usage?group_by=model`);
    const rows = usage.json().data as { requests: number; cost_micros: number }[];
    const settled = rows.reduce((sum, row) => sum + row.cost_micros, 0);
    expect(settled).toBeGreaterThan(0);
    expect(settled).toBeLessThanOrEqual(BUDGET_MICROS);
    // Each call that reached the provider was metered once: settled requests equal the answers and the withheld.
    expect(rows.reduce((sum, row) => sum + row.requests, 0)).toBe(answered + withheld);
  }, 180_000);
});
