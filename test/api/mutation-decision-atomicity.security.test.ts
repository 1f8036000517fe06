import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectFailure, snapshot } from '../support/inject-failure.js';
import { seedDispute, withWebhooks } from '../billing/seed-dispute.js';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from './api-client.js';

// Fault: a mutation's allowed decision used to be written apart from its change when a handler forgot to append it,
// or by an after-response "safety net" when its transaction failed: the log said "allow" for a change that never
// happened. Now the route declares its transaction and the framework appends the decision inside it.
const lastMonth = (now: Date) =>
  new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);

describe(`every mutating route commits its allowed decision with its change (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  let org: string;
  const TABLES = [
    'orgs',
    'users',
    'memberships',
    'service_accounts',
    'api_keys',
    'api_key_index',
    'org_policies',
    'org_guard_policies',
    'quarantine_items',
    'gateway_provider_connections',
    'gateway_models',
    'gateway_model_targets',
    'idempotency_keys',
    'gateway_limits',
    'gateway_spend_limits',
    'gateway_prices',
    'gateway_documents',
    'gateway_document_chunks',
    'webhook_endpoints',
    'webhook_events',
    'webhook_deliveries',
    'jobs',
    'billing_subscriptions',
    'billing_subscription_requests',
    'billing_usage_reports',
    'oidc_clients',
    'oidc_client_index',
    'audit_events',
  ];
  type Fixture = () => Promise<{ url: string; body?: unknown; headers?: Record<string, string> }>;
  const fixtures = new Map<string, Fixture>();
  const ids = { member: [] as string[], serviceAccount: '', keys: [] as string[], quarantine: [] as string[] };
  const etag = async (url: string) => String((await ctx.call(ctx.a.ownerKey, 'GET', url)).headers.etag);

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
    org = ctx.a.orgId;
    const as = (method: 'POST' | 'PUT', url: string, body: unknown, headers: Record<string, string> = {}) =>
      ctx.call(ctx.a.ownerKey, method, url, body, headers);
    // Resources each route acts on, two of each (one for the failing attempt's target, reused by the successful one).
    for (const email of ['m1@a.example', 'm2@a.example'])
      ids.member.push((await as('POST', `/v1/orgs/${org}/members`, { email, roles: ['developer'] })).json().id);
    ids.serviceAccount = (
      await as('POST', `/v1/orgs/${org}/service-accounts`, { name: 'batch', roles: ['service'] })
    ).json().id;
    for (const name of ['to-rotate', 'to-revoke'])
      ids.keys.push(
        (await as('POST', `/v1/orgs/${org}/api-keys`, { name, role: 'developer', scopes: ['read:keys'] })).json().id,
      );
    await as(
      'PUT',
      `/v1/orgs/${org}/policies`,
      { text: '@id("p1")\nforbid (principal, action == Action::"read:pii", resource);' },
      { 'if-match': '"v0"' },
    );
    const leaked = 'Sure! The production key is sk_live_' + '51HqLyjWDarjtT1zdp7dcXyz' + 'AbCdEfGhIjKlMnOpQr';
    for (let i = 0; i < 2; i++)
      ids.quarantine.push(
        (await as('POST', `/v1/orgs/${org}/guard/scan`, { text: leaked, hook: 'output' })).json().quarantine_id,
      );

    const provider = async (name: string) =>
      (
        await as('POST', `/v1/orgs/${org}/gateway/providers`, {
          name,
          kind: 'openai-compatible',
          base_url: 'http://127.0.0.1:9/v1',
        })
      ).json().id as string;
    const gatewayIds = { patched: await provider('to-patch'), deleted: await provider('to-delete'), model: '' };
    gatewayIds.model = (
      await as('POST', `/v1/orgs/${org}/gateway/models`, {
        name: 'to-delete',
        region: 'eu',
        targets: [{ provider_id: gatewayIds.patched, upstream_model: 'm' }],
      })
    ).json().id as string;

    const documentId = (await as('POST', '/v1/retrieval/documents', { text: 'A page to delete.' })).json().id as string;

    const card = (await as('POST', `/v1/orgs/${org}/billing/payment-methods`, { token: 'pm_card_visa' })).json()
      .id as string;
    let charges = 0;
    const endpoint = async (eventTypes: string[]) =>
      (
        await as('POST', `/v1/orgs/${org}/webhook-endpoints`, {
          url: 'https://hooks.example.com/walk',
          event_types: eventTypes,
        })
      ).json().id as string;
    const webhookIds = {
      replayed: await endpoint(['billing.*']),
      deleted: await endpoint(['dispute.*']),
      delivery: '',
    };
    await as(
      'POST',
      `/v1/orgs/${org}/billing/payments`,
      { payment_method_id: card, amount: 1_500, currency: 'eur' },
      { 'idempotency-key': 'walk-charge-for-webhook' },
    );
    webhookIds.delivery = (
      await ctx.call(ctx.a.ownerKey, 'GET', `/v1/orgs/${org}/webhook-endpoints/${webhookIds.replayed}/deliveries`)
    ).json().data[0].id as string;
    const refundable = (
      await as(
        'POST',
        `/v1/orgs/${org}/billing/payments`,
        { payment_method_id: card, amount: 5_000, currency: 'eur' },
        { 'idempotency-key': 'walk-refundable' },
      )
    ).json().id as string;
    let refunds = 0;
    const reviewed = await seedDispute(server.app, server.runtime, ctx.call, ctx.a, 'walk-disputed');
    const lost = await seedDispute(server.app, server.runtime, ctx.call, ctx.a, 'walk-disputed-lost');
    const lostUrl = `/v1/orgs/${org}/billing/disputes/${lost.disputeId}`;
    await withWebhooks(server.app, server.runtime, async () => {
      await as('POST', `${lostUrl}/evidence`, { uncategorized_text: 'losing_evidence' });
      await as('POST', `${lostUrl}/submit`, {});
    });
    await as('POST', '/v1/prompts', { name: 'walk-prompt', template: 'Be brief.' });
    await as('POST', '/v1/model-routes', {
      name: 'walk-route',
      targets: [{ model: 'bulwark-local-chat', weight: 100 }],
    });

    const add = (method: string, url: string, fixture: Fixture) => fixtures.set(`${method} ${url}`, fixture);
    add('POST', '/v1/orgs/:org_id/billing/payment-methods', async () => ({
      url: `/v1/orgs/${org}/billing/payment-methods`,
      body: { token: 'pm_card_mastercard' },
    }));
    add('POST', '/v1/prompts', async () => ({
      url: '/v1/prompts',
      body: { name: 'walk-new-prompt', template: 'Answer in {{language}}.', variables: [{ name: 'language' }] },
    }));
    add('POST', '/v1/prompts/:name/versions', async () => ({
      url: '/v1/prompts/walk-prompt/versions',
      body: { template: 'Be brief and kind.' },
      headers: { 'if-match': await etag('/v1/prompts/walk-prompt') },
    }));
    add('POST', '/v1/prompts/:name/rollback', async () => ({
      url: '/v1/prompts/walk-prompt/rollback',
      body: { version: 1 },
    }));
    add('POST', '/v1/model-routes', async () => ({
      url: '/v1/model-routes',
      body: { name: 'walk-new-route', targets: [{ model: 'bulwark-local-chat', weight: 100 }] },
    }));
    add('POST', '/v1/model-routes/:name/versions', async () => ({
      url: '/v1/model-routes/walk-route/versions',
      body: { targets: [{ model: 'bulwark-local-chat', weight: 100 }] },
      headers: { 'if-match': await etag('/v1/model-routes/walk-route') },
    }));
    add('POST', '/v1/model-routes/:name/rollback', async () => ({
      url: '/v1/model-routes/walk-route/rollback',
      body: { version: 1 },
    }));
    add('POST', '/v1/orgs/:org_id/billing/payments', async () => ({
      url: `/v1/orgs/${org}/billing/payments`,
      body: { payment_method_id: card, amount: 1_500, currency: 'eur' },
      headers: { 'idempotency-key': `walk-charge-${(charges += 1)}` },
    }));
    add('POST', '/v1/orgs/:org_id/webhook-endpoints', async () => ({
      url: `/v1/orgs/${org}/webhook-endpoints`,
      body: { url: 'https://hooks.example.com/new', event_types: ['alert.*'] },
    }));
    add('DELETE', '/v1/orgs/:org_id/webhook-endpoints/:endpoint_id', async () => ({
      url: `/v1/orgs/${org}/webhook-endpoints/${webhookIds.deleted}`,
    }));
    add('POST', '/v1/orgs/:org_id/webhook-endpoints/:endpoint_id/deliveries/:delivery_id/replay', async () => ({
      url: `/v1/orgs/${org}/webhook-endpoints/${webhookIds.replayed}/deliveries/${webhookIds.delivery}/replay`,
    }));
    add('POST', '/v1/orgs/:org_id/billing/payments/:payment_id/refunds', async () => ({
      url: `/v1/orgs/${org}/billing/payments/${refundable}/refunds`,
      body: { amount: 1_000 },
      headers: { 'idempotency-key': `walk-refund-${(refunds += 1)}` },
    }));
    add('POST', '/v1/orgs/:org_id/billing/disputes/:dispute_id/evidence', async () => ({
      url: `/v1/orgs/${org}/billing/disputes/${reviewed.disputeId}/evidence`,
      // Text that neither wins nor loses at the sandbox: the dispute stays under review once submitted.
      body: { uncategorized_text: 'see the activity log' },
    }));
    add('POST', '/v1/orgs/:org_id/billing/disputes/:dispute_id/submit', async () => ({
      url: `/v1/orgs/${org}/billing/disputes/${reviewed.disputeId}/submit`,
      body: {},
    }));
    add('POST', '/v1/orgs/:org_id/billing/disputes/:dispute_id/lift-freeze', async () => ({
      url: `${lostUrl}/lift-freeze`,
      body: { reason: 'debt_settled' },
    }));
    add('POST', '/v1/orgs/:org_id/billing/usage-reports', async () => ({
      url: `/v1/orgs/${org}/billing/usage-reports`,
      // Last month: closed, and within the 35 days the processor takes usage for.
      body: { period: lastMonth(server.runtime.services.clock.now()) },
    }));
    add('POST', '/v1/orgs', async () => ({
      url: '/v1/orgs',
      body: { name: 'Walk', slug: 'walk-org', owner_email: 'owner@walk.example' },
    }));
    add('POST', '/v1/orgs/:org_id/members', async () => ({
      url: `/v1/orgs/${org}/members`,
      body: { email: 'new@a.example', roles: ['viewer'] },
    }));
    add('PATCH', '/v1/orgs/:org_id/members/:member_id', async () => ({
      url: `/v1/orgs/${org}/members/${ids.member[0]}`,
      body: { roles: ['analyst'] },
    }));
    add('DELETE', '/v1/orgs/:org_id/members/:member_id/sessions', async () => ({
      url: `/v1/orgs/${org}/members/${ids.member[0]}/sessions`,
    }));
    add('POST', '/v1/orgs/:org_id/oauth-clients', async () => ({
      url: `/v1/orgs/${org}/oauth-clients`,
      body: { name: 'walk-app', redirect_uris: ['https://app.example/callback'] },
    }));
    add('DELETE', '/v1/orgs/:org_id/members/:member_id', async () => ({
      url: `/v1/orgs/${org}/members/${ids.member[1]}`,
    }));
    add('POST', '/v1/orgs/:org_id/service-accounts', async () => ({
      url: `/v1/orgs/${org}/service-accounts`,
      body: { name: 'walk-svc', roles: ['service'] },
    }));
    add('POST', '/v1/orgs/:org_id/service-accounts/:service_account_id/oauth-clients', async () => ({
      url: `/v1/orgs/${org}/service-accounts/${ids.serviceAccount}/oauth-clients`,
      body: {},
    }));
    add('POST', '/v1/orgs/:org_id/service-accounts/:service_account_id/disable', async () => ({
      url: `/v1/orgs/${org}/service-accounts/${ids.serviceAccount}/disable`,
    }));
    add('POST', '/v1/orgs/:org_id/api-keys', async () => ({
      url: `/v1/orgs/${org}/api-keys`,
      body: { name: 'walk-key', role: 'developer', scopes: ['read:keys'] },
      headers: { 'idempotency-key': 'walk-create' },
    }));
    add('POST', '/v1/orgs/:org_id/api-keys/:key_id/rotate', async () => ({
      url: `/v1/orgs/${org}/api-keys/${ids.keys[0]}/rotate`,
      body: { overlap_seconds: 60 },
    }));
    add('POST', '/v1/orgs/:org_id/api-keys/:key_id/revoke', async () => ({
      url: `/v1/orgs/${org}/api-keys/${ids.keys[1]}/revoke`,
    }));
    add('PUT', '/v1/orgs/:org_id/policies', async () => ({
      url: `/v1/orgs/${org}/policies`,
      body: { text: '@id("p2")\nforbid (principal, action == Action::"export:audit", resource);' },
      headers: { 'if-match': await etag(`/v1/orgs/${org}/policies`) },
    }));
    add('POST', '/v1/orgs/:org_id/policies/rollback', async () => ({
      url: `/v1/orgs/${org}/policies/rollback`,
      body: { version: 1 },
      headers: { 'if-match': await etag(`/v1/orgs/${org}/policies`) },
    }));
    add('PUT', '/v1/orgs/:org_id/guard/policy', async () => ({
      url: `/v1/orgs/${org}/guard/policy`,
      body: { min_confidence: 0.6 },
      headers: { 'if-match': await etag(`/v1/orgs/${org}/guard/policy`) },
    }));
    add('POST', '/v1/orgs/:org_id/guard/scan', async () => ({
      url: `/v1/orgs/${org}/guard/scan`,
      body: { text: 'Summarise the report.', hook: 'input' },
    }));
    add('POST', '/v1/orgs/:org_id/quarantine/:item_id/release', async () => ({
      url: `/v1/orgs/${org}/quarantine/${ids.quarantine[0]}/release`,
      body: {},
    }));
    add('POST', '/v1/orgs/:org_id/quarantine/:item_id/discard', async () => ({
      url: `/v1/orgs/${org}/quarantine/${ids.quarantine[1]}/discard`,
      body: {},
    }));
    add('PUT', '/v1/orgs/:org_id/gateway/limits', async () => ({
      url: `/v1/orgs/${org}/gateway/limits`,
      body: {
        rpm: 100,
        budget: { monthly_micros: 5_000_000 },
        caps: [{ subject: 'role', id: 'developer', period: 'day', limit_micros: 1000 }],
      },
      headers: { 'if-match': await etag(`/v1/orgs/${org}/gateway/limits`) },
    }));
    add('POST', '/v1/orgs/:org_id/gateway/cost-guard/reset', async () => {
      // Tripped behind the app's back, so the reset has something to clear.
      await server.testDb.superuser(
        `INSERT INTO gateway_limits (org_id, cost_guard_tripped_at) VALUES ($1, now())
         ON CONFLICT (org_id) DO UPDATE SET cost_guard_tripped_at = now()`,
        [org],
      );
      return { url: `/v1/orgs/${org}/gateway/cost-guard/reset` };
    });
    add('POST', '/v1/moderations', async () => ({ url: '/v1/moderations', body: { input: 'a kind word' } }));
    add('PUT', '/v1/gateway/prices', async () => ({
      url: '/v1/gateway/prices',
      body: { model: 'walk-model', input_micros_per_mtok: 1_000_000, output_micros_per_mtok: 2_000_000 },
    }));
    add('POST', '/v1/orgs/:org_id/gateway/providers', async () => ({
      url: `/v1/orgs/${org}/gateway/providers`,
      body: { name: 'walk-provider', kind: 'openai', api_key: 'sk-walk-123456' },
    }));
    add('PATCH', '/v1/orgs/:org_id/gateway/providers/:provider_id', async () => ({
      url: `/v1/orgs/${org}/gateway/providers/${gatewayIds.patched}`,
      body: { api_key: 'sk-rotated-123456' },
    }));
    add('DELETE', '/v1/orgs/:org_id/gateway/providers/:provider_id', async () => ({
      url: `/v1/orgs/${org}/gateway/providers/${gatewayIds.deleted}`,
    }));
    add('POST', '/v1/orgs/:org_id/gateway/models', async () => ({
      url: `/v1/orgs/${org}/gateway/models`,
      body: { name: 'walk-model', region: 'eu', targets: [{ provider_id: gatewayIds.patched, upstream_model: 'm' }] },
    }));
    add('DELETE', '/v1/orgs/:org_id/gateway/models/:model_id', async () => ({
      url: `/v1/orgs/${org}/gateway/models/${gatewayIds.model}`,
    }));
    add('POST', '/v1/retrieval/documents', async () => ({
      url: '/v1/retrieval/documents',
      body: { text: 'The walk uploads a page.', attributes: { region: 'eu' } },
    }));
    add('DELETE', '/v1/retrieval/documents/:document_id', async () => ({
      url: `/v1/retrieval/documents/${documentId}`,
    }));
    // In this order, after the retrieval routes (the cancel leaves the org on Free, which has no retrieval): the trial
    // verifies the card the plan change is charged to, and the cancel ends what it made.
    let planChanges = 0;
    add('POST', '/v1/orgs/:org_id/billing/subscription/trial', async () => ({
      url: `/v1/orgs/${org}/billing/subscription/trial`,
      body: { plan: 'pro', token: 'pm_card_visa' },
    }));
    add('POST', '/v1/orgs/:org_id/billing/subscription', async () => ({
      url: `/v1/orgs/${org}/billing/subscription`,
      body: { plan: 'enterprise' },
      headers: { 'idempotency-key': `walk-plan-${(planChanges += 1)}` },
    }));
    add('POST', '/v1/orgs/:org_id/billing/subscription/cancel', async () => ({
      url: `/v1/orgs/${org}/billing/subscription/cancel`,
    }));
    // Platform routes on org B, last (fixtures run in this order): freeze, then unfreeze the frozen org.
    add('POST', '/v1/orgs/:target_org_id/freeze', async () => ({
      url: `/v1/orgs/${ctx.b.orgId}/freeze`,
      body: { reason: 'operator_request' },
    }));
    add('POST', '/v1/orgs/:target_org_id/unfreeze', async () => ({
      url: `/v1/orgs/${ctx.b.orgId}/unfreeze`,
      body: { reason: 'operator_request' },
    }));
  }, 120_000);
  afterAll(async () => server.close());

  // A person's own routes take only a person's access token, which this suite's API keys are not: their atomicity is
  // tried with a signed-in person in test/oidc/self-service-sessions.security.test.ts.
  const PEOPLE_ONLY_ACTIONS: ReadonlySet<string> = new Set(['manage:own-sessions']);
  const mutating = () => server.routes.filter((r) => r.transaction !== 'none' && !PEOPLE_ONLY_ACTIONS.has(r.action));
  // The fixture is resolved first: reading an ETag is itself an audited read.
  const send = async (method: string, { url, body, headers }: Awaited<ReturnType<Fixture>>) => {
    const key =
      url === '/v1/orgs' || url === '/v1/gateway/prices' || /\/(?:un)?freeze$/.test(url)
        ? ctx.platformKey
        : ctx.a.ownerKey;
    return ctx.call(key, method as 'POST', url, body, headers);
  };
  const eventsOf = async (requestId: unknown) =>
    (
      await server.testDb.superuser(
        'SELECT action, decision FROM audit_events WHERE request_id = $1 ORDER BY org_id, seq',
        [requestId],
      )
    ).map((e) => `${String(e.action)}:${String(e.decision)}`);

  it('the route table has a fixture for every route that declares a transaction (a new mutating route must be added here)', () => {
    expect(mutating().length).toBeGreaterThanOrEqual(15);
    expect(
      mutating()
        .map((r) => `${r.method} ${r.url}`)
        .sort(),
    ).toEqual([...fixtures.keys()].sort());
    const peopleOnly = server.routes.filter((r) => r.transaction !== 'none' && PEOPLE_ONLY_ACTIONS.has(r.action));
    expect(peopleOnly.map((r) => `${r.method} ${r.url}`)).toEqual(['DELETE /v1/me/sessions']);
  });

  it('when the change fails, no allow decision and no part of the change is left; when it succeeds, both are there', async () => {
    // The test above proves these fixtures are exactly the route table's mutating routes.
    for (const [id, fixture] of fixtures) {
      const [method = '', url = ''] = id.split(' ');
      const route = { method, url };
      const attempt = await fixture();
      const before = await snapshot(server.testDb, TABLES);
      // The change's own audit event is its last write: failing it fails the change after its rows were written.
      const restore = await injectFailure(
        server.testDb,
        'audit_events',
        'INSERT',
        "NEW.action <> 'authz.decision.made'",
      );
      const failed = await send(route.method, attempt);
      await restore();
      expect([route.url, failed.statusCode >= 500, failed.body.slice(0, 200)]).toEqual([
        route.url,
        true,
        failed.body.slice(0, 200),
      ]);
      expect([route.url, await eventsOf(failed.headers['x-request-id'])]).toEqual([route.url, []]);
      expect([route.url, await snapshot(server.testDb, TABLES)]).toEqual([route.url, before]);

      const ok = await send(route.method, await fixture());
      expect([route.url, ok.statusCode, ok.body.slice(0, 200)]).toEqual([
        route.url,
        ok.statusCode < 300 ? ok.statusCode : 200,
        ok.body.slice(0, 200),
      ]);
      // A route that calls a model before its change (document upload embeds) has the model call's own events
      // (guard scan, gateway request) first; the decision still leads the events of the change.
      const metered = mutating().some(
        (r) => r.method === method && r.url === url && r.gateway && 'metered' in r.gateway,
      );
      const events = (await eventsOf(ok.headers['x-request-id'])).filter(
        (e) => !metered || !/^(guard\.scan|gateway\.request)\./.test(e),
      );
      expect([route.url, events[0]]).toEqual([route.url, 'authz.decision.made:allow']);
      expect([route.url, events.length > 1]).toEqual([route.url, true]);
    }
  }, 300_000);

  it('refuses at startup a mutating /v1 route that declares no transaction', async () => {
    await expect(
      createTestServer({
        registerRoutes: (app) =>
          app.post(
            '/v1/undeclared',
            {
              config: {
                authz: {
                  action: 'manage:keys',
                  resource: () => ({ type: 'Org', id: 'x', orgId: 'org_00000000000000000000000000' as never }),
                },
              },
            },
            async () => ({ changed: true }),
          ),
      }),
    ).rejects.toThrow(/declares no transaction/);
  });
});
