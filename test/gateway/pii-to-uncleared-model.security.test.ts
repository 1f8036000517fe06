import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../api/api-client.js';
import { backendName } from '../support/test-db.js';
import { RecordingProvider, startGateway, type GatewayKit, replaceGuardPolicy } from './gateway-test-kit.js';

// Attack: send personal data to a model that is not cleared for it. Blocked by the guard by default; when the org's
// guard policy lets a class through, Cedar still sends it only to models whose dataClassesAllowed include it.
const EMAIL = 'jane.roe@example.com';
const chat = (model: string) => ({
  model,
  messages: [{ role: 'user', content: `Write a short thank-you note to ${EMAIL}` }],
});

describe(`PII is blocked unless policy allows it (${backendName})`, () => {
  let kit: GatewayKit;
  const cleared = new RecordingProvider();
  const uncleared = new RecordingProvider();
  beforeAll(async () => {
    kit = await startGateway({
      configure: (catalog) =>
        catalog
          .add('eu-cleared', cleared, { region: 'eu', dataClassesAllowed: ['pii.email'] })
          .add('us-uncleared', uncleared, { region: 'us', dataClassesAllowed: [] }),
    });
  }, 120_000);
  afterAll(async () => kit.close());

  it('blocks it by default, for every model', async () => {
    const call = apiClient(kit.server.app);
    for (const model of ['eu-cleared', 'us-uncleared']) {
      const res = await call(kit.a.ownerKey, 'POST', '/v1/chat/completions', chat(model));
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('gateway.guardrail_blocked');
    }
    expect(cleared.received.length + uncleared.received.length).toBe(0);
  });

  it('once the guard policy allows pii.email: only the cleared model receives it', async () => {
    const call = apiClient(kit.server.app);
    const put = await replaceGuardPolicy(kit, { 'pii.email': 'allow' });
    expect(put.statusCode, put.body).toBe(200);

    const refused = await call(kit.a.ownerKey, 'POST', '/v1/chat/completions', chat('us-uncleared'));
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('gateway.model_policy_denied');
    const refusedStream = await call(kit.a.ownerKey, 'POST', '/v1/chat/completions', {
      ...chat('us-uncleared'),
      stream: true,
    });
    expect(refusedStream.statusCode).toBe(403);
    expect(uncleared.receivedText()).not.toContain(EMAIL);

    const allowed = await call(kit.a.ownerKey, 'POST', '/v1/chat/completions', chat('eu-cleared'));
    expect(allowed.statusCode, allowed.body).toBe(200);
    expect(cleared.receivedText()).toContain(EMAIL);

    const events = await kit.events('gateway.request.');
    const policySteps = events.map((e) =>
      (e.details.steps as { step: string; decision: string; reasons: string[] }[]).find((s) => s.step === 'policy'),
    );
    expect(policySteps.some((s) => s?.decision === 'deny' && s.reasons.includes('gateway.data-classes-allowed'))).toBe(
      true,
    );
  });

  it('redacts instead when the policy says redact: the redacted text goes upstream', async () => {
    const call = apiClient(kit.server.app);
    const current = await call(kit.a.ownerKey, 'GET', `/v1/orgs/${kit.a.orgId}/guard/policy`);
    await call(
      kit.a.ownerKey,
      'PUT',
      `/v1/orgs/${kit.a.orgId}/guard/policy`,
      { input: { 'pii.email': 'redact' } },
      { 'if-match': String(current.headers.etag) },
    );
    const before = uncleared.received.length;
    const res = await call(kit.a.ownerKey, 'POST', '/v1/chat/completions', chat('us-uncleared'));
    expect(res.statusCode, res.body).toBe(200);
    expect(uncleared.received.length).toBe(before + 1);
    expect(JSON.stringify(uncleared.received.at(-1))).not.toContain(EMAIL);
  });
});
