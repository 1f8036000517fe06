import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../../../../test/support/test-db.js';
import { openAccountLinkFixture, type AccountLinkFixture } from '../../../../test/support/account-link-fixture.js';

// Attack: use the reset link of one's own account (or a stolen one of another) to set the password of a third
// account; or replay a reset link.
const meta = { clientIp: '203.0.113.70' };
const PASSWORD = 'v9#Lq2!mZr8@wX';
const ATTACKER_PASSWORD = 'Attacker-chosen passphrase 77!';

describe(`password reset token substitution (${backendName})`, () => {
  let f: AccountLinkFixture;
  beforeAll(async () => {
    f = await openAccountLinkFixture();
  });
  afterAll(async () => f.close());

  it("a token from one user's reset sets that user's password and nobody else's", async () => {
    const identity = f.open();
    const mallory = await f.newUser('mallory@subst.example');
    const victim = await f.newUser('victim@subst.example');
    for (const userId of [mallory, victim]) await identity.setPassword(userId, PASSWORD, { type: 'system', id: null });
    const [before] = await f.t.superuser('SELECT hash FROM user_passwords WHERE user_id = $1', [victim]);
    const { passwordResets } = f.links();
    await passwordResets.request('mallory@subst.example', meta);
    const token = await f.tokenFor('mallory@subst.example', 'password-reset');

    // The use case takes no user, only the token: whatever the form adds, the token's user is the one changed.
    expect(await passwordResets.complete(token, ATTACKER_PASSWORD, meta)).toEqual({
      ok: true,
      email: 'mallory@subst.example',
    });
    const [after] = await f.t.superuser('SELECT hash FROM user_passwords WHERE user_id = $1', [victim]);
    expect(after?.hash).toBe(before?.hash);
    expect((await identity.checkPassword('victim@subst.example', ATTACKER_PASSWORD, meta)).ok).toBe(false);
    expect((await identity.checkPassword('mallory@subst.example', ATTACKER_PASSWORD, meta)).ok).toBe(true);
  });

  it('an invitation token is no reset token (and the other way round): each table answers only for its own', async () => {
    await f.newOrg('subst', 'owner@subst-org.example');
    const invitationToken = await f.tokenFor('owner@subst-org.example', 'invitations');
    const { passwordResets, invitations } = f.links();
    expect(await passwordResets.complete(invitationToken, ATTACKER_PASSWORD, meta)).toEqual({
      ok: false,
      reason: 'identity.link_invalid',
    });
    await passwordResets.request('mallory@subst.example', meta);
    const resetToken = await f.tokenFor('mallory@subst.example', 'password-reset');
    expect(await invitations.accept(resetToken, ATTACKER_PASSWORD, meta)).toEqual({
      ok: false,
      reason: 'identity.link_invalid',
    });
  });

  it('a used reset token is refused the second time', async () => {
    const { passwordResets } = f.links();
    await passwordResets.request('victim@subst.example', meta);
    const token = await f.tokenFor('victim@subst.example', 'password-reset');
    expect((await passwordResets.complete(token, PASSWORD, meta)).ok).toBe(true);
    expect(await passwordResets.complete(token, ATTACKER_PASSWORD, meta)).toEqual({
      ok: false,
      reason: 'identity.link_invalid',
    });
    expect((await f.open().checkPassword('victim@subst.example', PASSWORD, meta)).ok).toBe(true);
  });
});
