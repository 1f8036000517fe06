import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { startBillingKit, type BillingKit } from './billing-kit.js';

// Attack: a developer (or a key minted for one) charges cards, saves cards, reads payment data, or raises a spending
// cap to spend more. Only finance and owners move money or read payments.
describe(`a developer key and payments (${backendName})`, () => {
  let kit: BillingKit;
  let card: string;

  beforeAll(async () => {
    kit = await startBillingKit();
    card = await kit.addCard('pm_card_visa');
    expect((await kit.pay(card, 'owner-order')).statusCode).toBe(201);
  }, 120_000);
  afterAll(async () => kit.close());

  it('cannot charge, save a card, or read payments and cards; finance can', async () => {
    // A developer key cannot even be minted with the payment scopes: the role can never use them.
    const refused = await kit.mintKey('developer', ['bill:payments', 'read:billing']);
    expect(refused.statusCode).toBeGreaterThanOrEqual(400);
    const developer = (await kit.mintKey('developer', ['read:org', 'read:usage', 'invoke:models'])).json()
      .secret as string;
    const finance = (await kit.mintKey('finance', ['bill:payments', 'read:billing'])).json().secret as string;
    const org = `/v1/orgs/${kit.ctx.a.orgId}/billing`;
    expect((await kit.pay(card, 'dev-order', {}, developer)).statusCode).toBe(403);
    expect(
      (await kit.ctx.call(developer, 'POST', `${org}/payment-methods`, { token: 'pm_card_visa' })).statusCode,
    ).toBe(403);
    expect((await kit.ctx.call(developer, 'GET', `${org}/payments`)).statusCode).toBe(403);
    expect((await kit.ctx.call(developer, 'GET', `${org}/payment-methods`)).statusCode).toBe(403);
    expect((await kit.pay(card, 'finance-order', {}, finance)).statusCode).toBe(201);
    const list = await kit.ctx.call(finance, 'GET', `${org}/payments`);
    expect(list.json().data).toHaveLength(2);
  });

  it('cannot raise a spending cap', async () => {
    const developer = (await kit.mintKey('developer', ['read:org', 'read:usage'])).json().secret as string;
    const url = `/v1/orgs/${kit.ctx.a.orgId}/gateway/limits`;
    const res = await kit.ctx.call(
      developer,
      'PUT',
      url,
      { caps: [{ subject: 'role', id: 'developer', period: 'day', limit_micros: 10_000_000_000 }] },
      { 'if-match': '"v0"' },
    );
    expect(res.statusCode).toBe(403);
  });
});
