import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/lib/errors/index.js';
import { newId, type OrgId } from '../../src/lib/ids.js';
import type { Principal } from '../../src/modules/authz/index.js';
import type { SpendLimit } from '../../src/modules/gateway/index.js';
import { backendName } from '../support/test-db.js';
import { startBillingKit, type BillingKit } from './billing-kit.js';

const cap = (limit: number) => ({ subject: 'role', id: 'developer', period: 'day', limit_micros: limit });

// Attack: someone who may not move money (a developer; or an admin, who may edit the gateway's limits with a
// hardware key, `manage:org`, but lacks `bill:payments`) raises or removes the spending cap finance set on developers, to spend past it; or
// changes the org's subscription to get a bigger plan.
describe(`raising a spending cap or changing the plan without bill:payments (${backendName})`, () => {
  let kit: BillingKit;
  let url: string;
  const put = async (key: string, caps: unknown[]) => {
    const etag = String((await kit.ctx.call(kit.ctx.a.ownerKey, 'GET', url)).headers.etag);
    return kit.ctx.call(key, 'PUT', url, { caps }, { 'if-match': etag });
  };
  const capsNow = async () =>
    ((await kit.ctx.call(kit.ctx.a.ownerKey, 'GET', url)).json().caps as { limit_micros: number }[]).map(
      (c) => c.limit_micros,
    );

  beforeAll(async () => {
    kit = await startBillingKit();
    url = `/v1/orgs/${kit.ctx.a.orgId}/gateway/limits`;
    expect((await put(kit.ctx.a.ownerKey, [cap(1_000_000)])).statusCode).toBe(200);
  }, 120_000);
  afterAll(async () => kit.close());

  it('a developer can neither edit limits nor change the subscription', async () => {
    const developer = (await kit.mintKey('developer', ['read:org', 'read:usage', 'invoke:models'])).json()
      .secret as string;
    expect((await put(developer, [cap(10_000_000_000)])).statusCode).toBe(403);
    const billing = `/v1/orgs/${kit.ctx.a.orgId}/billing`;
    const trial = await kit.ctx.call(developer, 'POST', `${billing}/subscription/trial`, {
      plan: 'enterprise',
      token: 'pm_card_visa',
    });
    expect(trial.statusCode).toBe(403);
    const sub = await kit.ctx.call(
      developer,
      'POST',
      `${billing}/subscription`,
      { plan: 'enterprise' },
      {
        'idempotency-key': 'dev-sub',
      },
    );
    expect(sub.statusCode).toBe(403);
    expect((await kit.ctx.call(developer, 'POST', `${billing}/subscription/cancel`)).statusCode).toBe(403);
    expect((await kit.ctx.call(developer, 'GET', `${billing}/subscription`)).statusCode).toBe(403);
    expect(await capsNow()).toEqual([1_000_000]);
  });

  it('an admin (manage:org with a hardware key, no bill:payments) may lower a cap but not raise or remove it', async () => {
    const { engine, db, gatewayUsage } = kit.runtime.services;
    const orgId = kit.ctx.a.orgId as OrgId;
    const person = (role: 'admin' | 'owner'): Principal => ({
      kind: 'user',
      id: newId('usr'),
      orgId,
      roles: [role],
      attributes: {},
      amr: ['pwd', 'hwk'],
    });
    const admin = person('admin');
    // The route lets an admin in: editing limits is `manage:org`.
    expect(engine.decide(admin, 'manage:org', { type: 'Org', id: orgId, orgId }).decision).toBe('allow');
    const write = async (principal: Principal, limitMicros: number | null) => {
      const version = (await gatewayUsage.service.limits(orgId)).plan.version;
      return db.withTenant(orgId, async (sql) => {
        const limits: SpendLimit[] =
          limitMicros === null
            ? []
            : [{ subjectKind: 'role', subjectId: 'developer', period: 'day', limitMicros, alertThresholds: [] }];
        return gatewayUsage.service.updateLimits(
          sql,
          { monthlyTokens: null, rpm: null, tpm: null, costGuardMode: 'block', limits },
          version,
          { actor: { type: 'user', id: principal.id }, requestId: 'req_cap_test', principal },
        );
      });
    };
    const codeOf = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (error: unknown) => (isAppError(error) ? error.code : String(error)),
      );
    expect(await codeOf(write(admin, 10_000_000_000))).toBe('billing.cap_raise_forbidden');
    expect(await codeOf(write(admin, null))).toBe('billing.cap_raise_forbidden');
    expect(await capsNow()).toEqual([1_000_000]);
    expect(await codeOf(write(admin, 500_000))).toBe('ok');
    expect(await capsNow()).toEqual([500_000]);
    expect(await codeOf(write(person('owner'), 2_000_000))).toBe('ok');
    expect(await capsNow()).toEqual([2_000_000]);
  });
});
