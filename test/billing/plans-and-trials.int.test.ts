import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { startBillingKit, type BillingKit } from './billing-kit.js';

// A call whose token estimate (30,000) is over Free's TPM (20,000) and well under Pro's (1,000,000).
const bigCall = {
  model: 'bulwark-local-chat',
  messages: [{ role: 'user', content: 'hello' }],
  max_tokens: 30_000,
};

describe(`plans, trials and entitlements through the API and the sandbox (${backendName})`, () => {
  let kit: BillingKit;
  const orgA = () => `/v1/orgs/${kit.ctx.a.orgId}/billing`;
  const orgB = () => `/v1/orgs/${kit.ctx.b.orgId}/billing`;
  const asA = (method: 'GET' | 'POST', url: string, body?: unknown, headers?: Record<string, string>) =>
    kit.ctx.call(kit.ctx.a.ownerKey, method, url, body, headers);
  const asB = (method: 'GET' | 'POST', url: string, body?: unknown) =>
    kit.ctx.call(kit.ctx.b.ownerKey, method, url, body);
  const chat = (key: string) => kit.ctx.call(key, 'POST', '/v1/chat/completions', bigCall);

  beforeAll(async () => {
    kit = await startBillingKit();
  }, 120_000);
  afterAll(async () => kit.close());

  it('lists the catalogue with prices and gateway limits', async () => {
    const res = await asA('GET', `${orgA()}/plans`);
    expect(res.statusCode).toBe(200);
    const plans = res.json().data as { plan: string; price_cents: number; rpm: number | null }[];
    expect(plans.map((p) => p.plan)).toEqual(['free', 'pro', 'enterprise']);
    expect(plans[1]).toMatchObject({ price_cents: 4_900, rpm: 600, currency: 'usd', trial_days: 14 });
  });

  it('a failed card check disables the trial and leaves Free entitlements the gateway enforces', async () => {
    const res = await asB('POST', `${orgB()}/subscription/trial`, { plan: 'pro', token: 'pm_card_chargeDeclined' });
    expect(res.statusCode).toBe(402);
    expect(res.json().code).toBe('billing.card_declined');
    const sub = (await asB('GET', `${orgB()}/subscription`)).json();
    expect(sub).toMatchObject({
      plan: 'pro',
      status: 'canceled',
      trial_ends_at: null,
      decline_code: 'generic_decline',
    });
    expect(sub.entitlements).toMatchObject({ plan: 'free', rpm: 10, tpm: 20_000 });
    expect((await chat(kit.ctx.b.ownerKey)).statusCode).toBe(429);
  });

  it('a card that needs 3-D Secure waits; failing it later disables the trial through the webhook', async () => {
    const res = await asB('POST', `${orgB()}/subscription/trial`, {
      plan: 'pro',
      token: 'pm_card_authenticationRequiredOnSetup',
    });
    expect(res.statusCode).toBe(202);
    const pending = res.json();
    expect(pending).toMatchObject({ status: 'incomplete', entitlements: { plan: 'free' } });
    const url = pending.next_action.url as string;
    expect(url.startsWith(`${kit.sandbox.url}/sandbox/authenticate/`)).toBe(true);
    const fail = await fetch(url, { method: 'POST', body: new URLSearchParams({ result: 'fail' }) });
    expect(fail.status).toBe(200);
    await kit.delivered();
    const sub = (await asB('GET', `${orgB()}/subscription`)).json();
    expect(sub).toMatchObject({
      status: 'canceled',
      decline_code: 'setup_intent_authentication_failure',
      entitlements: { plan: 'free' },
    });
    expect((await chat(kit.ctx.b.ownerKey)).statusCode).toBe(429);
    const events = await kit.testDb.superuser(
      `SELECT action FROM audit_events WHERE org_id = '${kit.ctx.b.orgId}' AND action LIKE 'billing.trial.%' ORDER BY seq`,
    );
    expect(events.map((r) => r.action)).toEqual([
      'billing.trial.disabled',
      'billing.trial.verification_pending',
      'billing.trial.disabled',
    ]);
  });

  it('a card whose 3-D Secure check passes starts the trial through the webhook, with the card saved', async () => {
    const res = await asB('POST', `${orgB()}/subscription/trial`, {
      plan: 'enterprise',
      token: 'pm_card_authenticationRequiredOnSetup',
    });
    expect(res.statusCode).toBe(202);
    const approve = await fetch(res.json().next_action.url as string, {
      method: 'POST',
      body: new URLSearchParams({ result: 'approve' }),
    });
    expect(approve.status).toBe(200);
    await kit.delivered();
    const sub = (await asB('GET', `${orgB()}/subscription`)).json();
    expect(sub).toMatchObject({ plan: 'enterprise', status: 'trialing', entitlements: { plan: 'enterprise' } });
    expect(sub.payment_method_id).toMatch(/^pmt_/);
    expect((await chat(kit.ctx.b.ownerKey)).statusCode).toBe(200);
  });

  it('a verified card starts a Pro trial that raises the limits the gateway enforces', async () => {
    expect((await chat(kit.ctx.a.ownerKey)).statusCode).toBe(200);
    // Before its first trial or subscription the org is on no billing plan: its written limits alone apply.
    expect((await asA('GET', `${orgA()}/entitlements`)).json()).toEqual({ entitlements: null });
    const res = await asA('POST', `${orgA()}/subscription/trial`, { plan: 'pro', token: 'pm_card_visa' });
    expect(res.statusCode).toBe(201);
    const sub = res.json();
    expect(sub).toMatchObject({ plan: 'pro', status: 'trialing', entitlements: { plan: 'pro', rpm: 600 } });
    expect(sub.payment_method_id).toMatch(/^pmt_/);
    expect(new Date(sub.trial_ends_at).getTime()).toBeGreaterThan(Date.now() + 13 * 86_400_000);
    expect((await chat(kit.ctx.a.ownerKey)).statusCode).toBe(200);
    // A second trial is refused.
    const again = await asA('POST', `${orgA()}/subscription/trial`, { plan: 'enterprise', token: 'pm_card_visa' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('billing.trial_unavailable');
  });

  it('upgrades and downgrades by Idempotency-Key; a downgrade to Free is enforced at once', async () => {
    const up = await asA('POST', `${orgA()}/subscription`, { plan: 'enterprise' }, { 'idempotency-key': 'up-1' });
    expect(up.statusCode).toBe(200);
    expect(up.json()).toMatchObject({ plan: 'enterprise', status: 'active', entitlements: { monthly_tokens: null } });
    const replay = await asA('POST', `${orgA()}/subscription`, { plan: 'enterprise' }, { 'idempotency-key': 'up-1' });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(up.json());
    const conflict = await asA('POST', `${orgA()}/subscription`, { plan: 'pro' }, { 'idempotency-key': 'up-1' });
    expect(conflict.statusCode).toBe(400);
    expect(conflict.json().code).toBe('billing.idempotency_conflict');
    const noKey = await asA('POST', `${orgA()}/subscription`, { plan: 'pro' });
    expect(noKey.json().code).toBe('billing.idempotency_key_required');
    const down = await asA('POST', `${orgA()}/subscription`, { plan: 'free' }, { 'idempotency-key': 'down-1' });
    expect(down.json()).toMatchObject({ plan: 'free', status: 'active', entitlements: { plan: 'free', tpm: 20_000 } });
    expect((await chat(kit.ctx.a.ownerKey)).statusCode).toBe(429);
    const back = await asA('POST', `${orgA()}/subscription`, { plan: 'pro' }, { 'idempotency-key': 'up-2' });
    expect(back.json()).toMatchObject({ plan: 'pro', status: 'active' });
    expect((await chat(kit.ctx.a.ownerKey)).statusCode).toBe(200);
    const canceled = await asA('POST', `${orgA()}/subscription/cancel`);
    expect(canceled.json()).toMatchObject({ status: 'canceled', entitlements: { plan: 'free' } });
    expect((await chat(kit.ctx.a.ownerKey)).statusCode).toBe(429);
    // After cancelling, a paid plan needs a verified card again.
    const noCard = await asA('POST', `${orgA()}/subscription`, { plan: 'pro' }, { 'idempotency-key': 'up-3' });
    expect(noCard.statusCode).toBe(409);
    expect(noCard.json().code).toBe('billing.card_required');
  });
});
