import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { startBillingKit, type BillingKit } from './billing-kit.js';

// Attack: a developer key reads the org's failed payments and recovered revenue (payment data). Only finance and
// owners hold `read:billing`.
describe(`a developer key and the recovery report (${backendName})`, () => {
  let kit: BillingKit;

  beforeAll(async () => {
    kit = await startBillingKit();
  }, 120_000);
  afterAll(async () => kit.close());

  it('is refused; finance reads it; a key of another org finds nothing', async () => {
    const url = `/v1/orgs/${kit.ctx.a.orgId}/billing/recovery`;
    const developer = (await kit.mintKey('developer', ['read:org', 'read:usage'])).json().secret as string;
    const finance = (await kit.mintKey('finance', ['read:billing'])).json().secret as string;
    expect((await kit.ctx.call(developer, 'GET', url)).statusCode).toBe(403);
    const report = await kit.ctx.call(finance, 'GET', url);
    expect(report.statusCode).toBe(200);
    expect(report.json()).toMatchObject({ open: { count: 0, amount: 0 }, recovered: { count: 0, amount: 0 } });
    expect((await kit.ctx.call(kit.ctx.b.ownerKey, 'GET', url)).statusCode).toBe(404);
    expect((await kit.ctx.call(finance, 'GET', `${url}?from=not-a-date`)).statusCode).toBe(400);
  });
});
