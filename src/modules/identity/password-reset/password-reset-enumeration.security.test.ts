import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../../../../test/support/test-db.js';
import { openAccountLinkFixture, type AccountLinkFixture } from '../../../../test/support/account-link-fixture.js';

// Attack: tell registered e-mails from unregistered ones by the password-reset answer or its throttling; flood a
// victim's mailbox (or the outbox) with reset e-mails.
const PASSWORD = 'v9#Lq2!mZr8@wX';
const limits = {
  account: { failures: 2, windowSeconds: 3600, blockSeconds: 900, maxBlockSeconds: 900 },
  source: { failures: 6, windowSeconds: 3600, blockSeconds: 900, maxBlockSeconds: 900 },
};

describe(`password reset enumeration (${backendName})`, () => {
  let f: AccountLinkFixture;
  beforeAll(async () => {
    f = await openAccountLinkFixture();
  });
  afterAll(async () => f.close());

  const known = async (email: string) => {
    const userId = await f.newUser(email);
    await f.open().setPassword(userId, PASSWORD, { type: 'system', id: null });
    return userId;
  };

  it('the same answer for an unknown e-mail, an account without a password and one with a password', async () => {
    await known('known@enum.example');
    await f.newUser('passwordless@enum.example');
    const { passwordResets } = f.links();
    const answers = await Promise.all(
      ['nobody@enum.example', 'passwordless@enum.example', 'known@enum.example', 'x'.repeat(400)].map((email, i) =>
        passwordResets.request(email, { clientIp: `198.51.100.${50 + i}` }),
      ),
    );
    expect(answers).toEqual(Array(4).fill({ ok: true }));
    // Only the mailboxes of real accounts receive anything.
    expect(await f.outbox('nobody@enum.example')).toHaveLength(0);
    expect(await f.outbox('known@enum.example')).toHaveLength(1);
  });

  it('the audit of an unknown e-mail names no user and holds only the e-mail hash', async () => {
    await f.links().passwordResets.request('ghost@enum.example', { clientIp: '198.51.100.60' });
    const events = (await f.events({ action: 'identity.password_reset.requested' })).filter(
      (e) => e.details.account_known === false,
    );
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.resource?.id === null)).toBe(true);
    expect(JSON.stringify(events)).not.toContain('ghost');
  });

  it('throttles per e-mail alike for known and unknown addresses, and sends no more mail once blocked', async () => {
    await known('victim@enum.example');
    const { passwordResets } = f.links({ resetLimits: limits });
    const run = async (email: string) => {
      const answers: string[] = [];
      for (let i = 0; i < 4; i += 1) {
        const answer = await passwordResets.request(email, { clientIp: `203.0.113.${i + (email.length % 50)}` });
        answers.push(answer.ok ? 'ok' : answer.reason);
      }
      return answers;
    };
    const forUnknown = await run('stranger@enum.example');
    const forKnown = await run('victim@enum.example');
    expect(forKnown).toEqual(forUnknown);
    expect(forKnown).toEqual(['ok', 'ok', 'identity.password_reset_throttled', 'identity.password_reset_throttled']);
    expect(await f.outbox('victim@enum.example')).toHaveLength(2);
  });

  it('throttles per source address, whatever e-mails it asks for', async () => {
    const { passwordResets } = f.links({ resetLimits: limits });
    const answers: boolean[] = [];
    for (let i = 0; i < 8; i += 1)
      answers.push((await passwordResets.request(`spray-${i}@enum.example`, { clientIp: '192.0.2.99' })).ok);
    expect(answers).toEqual([true, true, true, true, true, true, false, false]);
    const [throttled] = await f.events({ action: 'identity.password_reset.throttled' });
    expect(throttled).toMatchObject({ decision: 'deny', reason_codes: ['identity.password_reset_throttled'] });
  });
});
