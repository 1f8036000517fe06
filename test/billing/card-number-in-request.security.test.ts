import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { startBillingKit, type BillingKit } from './billing-kit.js';

const PAN = '4242424242424242';
const SPACED = '4242 4242 4242 4242';

// Attack (or mistake): send a raw card number to Bulwark, in the token field, a description or a field the API does
// not know, hoping it is stored or logged (a PCI scope leak). It is refused before validation, and no log line and
// no stored row holds it.
describe(`a card number in any request field (${backendName})`, () => {
  let kit: BillingKit;
  let card: string;

  beforeAll(async () => {
    kit = await startBillingKit();
    card = await kit.addCard('pm_card_visa');
  }, 120_000);
  afterAll(async () => kit.close());

  it.each([
    ['the token', 'payment-methods', { token: PAN }, 'body.token'],
    ['an unknown field', 'payment-methods', { token: 'pm_card_visa', card: { number: SPACED } }, 'body.card.number'],
  ])('refuses it in %s when saving a card', async (_what, path, body, field) => {
    const res = await kit.ctx.call(kit.ctx.a.ownerKey, 'POST', `/v1/orgs/${kit.ctx.a.orgId}/billing/${path}`, body);
    expect([res.statusCode, res.json().code, res.json().field]).toEqual([400, 'billing.pan_forbidden', field]);
  });

  it('refuses it in a charge description and as a number', async () => {
    const described = await kit.pay(card, 'pan-1', { description: `card ${SPACED} exp 12/34` });
    expect([described.statusCode, described.json().code]).toEqual([400, 'billing.pan_forbidden']);
    const numeric = await kit.pay(card, 'pan-2', { amount: Number(PAN) });
    expect([numeric.statusCode, numeric.json().code]).toEqual([400, 'billing.pan_forbidden']);
  });

  it('left it in no log line and no stored row', async () => {
    const digits = (text: string) => text.replace(/[ -]/g, '');
    expect(digits(kit.logText())).not.toContain(PAN);
    const tables = await kit.testDb.superuser(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    for (const { table_name } of tables) {
      const rows = await kit.testDb.superuser(`SELECT t::text AS row FROM "${String(table_name)}" t`);
      for (const { row } of rows) expect(digits(String(row)), String(table_name)).not.toContain(PAN);
    }
  });
});
