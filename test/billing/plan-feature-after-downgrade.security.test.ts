import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { startBillingKit, type BillingKit } from './billing-kit.js';

// The attack: an org pays for one month of a plan with a feature (or trials it), sets the feature up, downgrades to
// Free and keeps using what it set up. Features are checked at each use, so the downgrade ends them at once.
describe(`using a plan's features after downgrading from it (${backendName})`, () => {
  let kit: BillingKit;
  const asA = (method: 'GET' | 'POST', path: string, body?: unknown, headers?: Record<string, string>) =>
    kit.ctx.call(kit.ctx.a.ownerKey, method, path, body, headers);
  const chat = () =>
    asA('POST', '/v1/chat/completions', {
      model: 'bulwark-local-chat',
      messages: [{ role: 'user', content: 'What is the refund window?' }],
      bulwark: { retrieval: { top_k: 2 } },
    });

  beforeAll(async () => {
    kit = await startBillingKit();
  }, 120_000);
  afterAll(async () => kit.close());

  it('retrieval works on Pro, is refused on Free, and an org on no billing plan is not restricted', async () => {
    expect((await kit.ctx.call(kit.ctx.b.ownerKey, 'POST', '/v1/retrieval/search', { query: 'x' })).statusCode).toBe(
      200,
    );
    const billing = `/v1/orgs/${kit.ctx.a.orgId}/billing`;
    const trial = await asA('POST', `${billing}/subscription/trial`, { plan: 'pro', token: 'pm_card_visa' });
    expect(trial.json().entitlements.features).toContain('retrieval');
    const doc = await asA('POST', '/v1/retrieval/documents', { text: 'Refunds are accepted within 30 days.' });
    expect(doc.statusCode).toBe(201);
    expect((await asA('POST', '/v1/retrieval/search', { query: 'refund' })).statusCode).toBe(200);
    expect((await chat()).statusCode).toBe(200);

    const down = await asA('POST', `${billing}/subscription`, { plan: 'free' }, { 'idempotency-key': 'to-free' });
    expect(down.json().entitlements.features).toEqual([]);
    for (const res of [
      await asA('POST', '/v1/retrieval/documents', { text: 'More text.' }),
      await asA('POST', '/v1/retrieval/search', { query: 'refund' }),
      await chat(),
    ]) {
      expect([res.statusCode, res.json().error.code]).toEqual([402, 'billing.plan_feature_required']);
    }
  });
});
