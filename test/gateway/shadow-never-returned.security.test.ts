import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/modules/gateway/index.js';
import { apiClient } from '../api/api-client.js';
import { backendName } from '../support/test-db.js';
import {
  RecordingProvider,
  replaceGuardPolicy,
  ScriptedProvider,
  startGateway,
  type GatewayKit,
} from './gateway-test-kit.js';

// Attack: get a route's shadow model to answer the client (its answer is meant only for comparison), or break a
// client's request by breaking the shadow; and use the shadow as a side door for data that policy keeps from it.
const SHADOW_MARK = 'SHADOW-ANSWER-7f3a';
const EMAIL = 'jane.roe@example.com';

describe(`a route's shadow answer is recorded, never returned (${backendName})`, () => {
  let kit: GatewayKit;
  let call: ReturnType<typeof apiClient>;
  const primary = new ScriptedProvider({ pieces: ['the primary answer'] });
  const shadow = new ScriptedProvider({ pieces: [SHADOW_MARK] });
  const failing = new ScriptedProvider({ fail: new ProviderError('upstream_error', 'shadow is down', 500) });
  const uncleared = new RecordingProvider();
  const cleared = new RecordingProvider();

  const ask = (model: string, content = 'Say something kind') =>
    call(kit.a.ownerKey, 'POST', '/v1/chat/completions', { model, messages: [{ role: 'user', content }] });
  const comparisons = async (route: string) => {
    await kit.server.runtime.services.gateway.shadowsSettled();
    const res = await call(kit.a.ownerKey, 'GET', `/v1/model-routes/${route}/shadow-comparisons`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data as Record<string, unknown>[];
  };
  const route = async (name: string, shadowModel: string, target = 'primary-model') => {
    const res = await call(kit.a.ownerKey, 'POST', '/v1/model-routes', {
      name,
      targets: [{ model: target, weight: 100 }],
      shadow: { model: shadowModel },
    });
    expect(res.statusCode, res.body).toBe(201);
  };

  beforeAll(async () => {
    kit = await startGateway({
      configure: (catalog) =>
        catalog
          .add('primary-model', primary)
          .add('shadow-model', shadow)
          .add('failing-shadow', failing)
          .add('eu-cleared', cleared, { region: 'eu', dataClassesAllowed: ['pii.email'] })
          .add('us-uncleared', uncleared, { region: 'us', dataClassesAllowed: [] }),
    });
    call = apiClient(kit.server.app);
    await route('with-shadow', 'shadow-model');
    await route('with-failing-shadow', 'failing-shadow');
    await route('pii-route', 'us-uncleared', 'eu-cleared');
  }, 120_000);
  afterAll(async () => kit.close());

  it("answers with the primary's text only; the comparison is recorded without either answer", async () => {
    const res = await ask('with-shadow');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().choices[0].message.content).toBe('the primary answer');
    expect(res.body).not.toContain(SHADOW_MARK);
    const rows = await comparisons('with-shadow');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      request_id: res.headers['x-request-id'],
      outcome: 'compared',
      exact_match: false,
      primary_model: 'primary-model',
      shadow_model: 'shadow-model',
      primary_chars: 'the primary answer'.length,
      shadow_chars: SHADOW_MARK.length,
    });
    expect(JSON.stringify(rows)).not.toContain(SHADOW_MARK);
    // Metered to the org, marked as shadow traffic by its request id.
    const usage = await kit.server.testDb.superuser(
      'SELECT model, state FROM gateway_usage WHERE org_id = $1 AND request_id = $2',
      [kit.a.orgId, `${String(res.headers['x-request-id'])}:shadow`],
    );
    expect(usage).toEqual([{ model: 'shadow-model', state: 'settled' }]);
    // Nor is it in the request's audit event.
    const events = await kit.events('gateway.request.');
    const event = events.find((e) => e.request_id === res.headers['x-request-id']);
    expect(event?.details.route).toMatchObject({ name: 'with-shadow', version: 1, arm: 'primary-model' });
    expect(JSON.stringify(events)).not.toContain(SHADOW_MARK);
  });

  it('gives the same answer as a route without a shadow when the shadow fails, and records the failure', async () => {
    const res = await ask('with-failing-shadow');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().choices[0].message.content).toBe('the primary answer');
    const rows = await comparisons('with-failing-shadow');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'shadow_failed', reason_code: 'gateway.upstream_error' });
  });

  it('never runs a shadow for a stream (the client gets the primary stream unchanged)', async () => {
    const res = await call(kit.a.ownerKey, 'POST', '/v1/chat/completions', {
      model: 'with-shadow',
      stream: true,
      messages: [{ role: 'user', content: 'Stream something' }],
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('the primary answer');
    expect(res.body).not.toContain(SHADOW_MARK);
    const rows = await comparisons('with-shadow');
    expect(rows.map((r) => r.request_id)).not.toContain(res.headers['x-request-id']);
  });

  it('sends PII to a shadow only when policy clears that shadow model for it', async () => {
    const put = await replaceGuardPolicy(kit, { 'pii.email': 'allow' });
    expect(put.statusCode, put.body).toBe(200);
    const res = await ask('pii-route', `Write a thank-you note to ${EMAIL}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(cleared.receivedText()).toContain(EMAIL);
    const rows = await comparisons('pii-route');
    expect(rows[0]).toMatchObject({ outcome: 'skipped', reason_code: 'gateway.model_policy_denied' });
    expect(uncleared.received).toHaveLength(0);
    const events = await kit.events('gateway.request.');
    const event = events.find((e) => e.request_id === res.headers['x-request-id']);
    expect(event?.details.route).toMatchObject({ shadow: 'us-uncleared', shadow_policy: 'deny' });
  });

  it('sends the shadow the redacted request, exactly as the primary received it', async () => {
    const put = await replaceGuardPolicy(kit, { 'pii.email': 'redact' });
    expect(put.statusCode, put.body).toBe(200);
    const res = await ask('pii-route', `Write a thank-you note to ${EMAIL}`);
    expect(res.statusCode, res.body).toBe(200);
    await kit.server.runtime.services.gateway.shadowsSettled();
    expect(uncleared.received).toHaveLength(1);
    expect(uncleared.receivedText()).not.toContain(EMAIL);
    const sentToPrimary = { ...cleared.received.at(-1), model: '' };
    expect({ ...uncleared.received[0], model: '' }).toEqual(sentToPrimary);
  });
});
