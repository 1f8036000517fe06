import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../../../../test/support/test-db.js';
import type { OrgId } from '../../../lib/ids.js';
import { openAccountLinkFixture, type AccountLinkFixture } from '../../../../test/support/account-link-fixture.js';

// Attack: use an invitation link again (replay), after it expired, twice at once (race), or after the user's
// password was set another way, to set a password the attacker chooses.
const meta = { clientIp: '203.0.113.40' };
const PASSWORD = 'v9#Lq2!mZr8@wX';
const ATTACKER_PASSWORD = 'Attacker-chosen passphrase 77!';
const actor = { actor: { type: 'system', id: 'test' } } as const;
const LINK_INVALID = { ok: false, reason: 'identity.link_invalid' };

describe(`invitation token replay (${backendName})`, () => {
  let f: AccountLinkFixture;
  let orgId: OrgId;
  beforeAll(async () => {
    f = await openAccountLinkFixture();
    ({ orgId } = await f.newOrg('replay', 'owner@replay.example'));
  });
  afterAll(async () => f.close());

  const invite = async (email: string, org = orgId) => {
    const { member } = await f.t.db.withPlatform((platform) =>
      f.links().invitations.addMember(platform, org, { email, roles: ['developer'], attributes: {} }, actor),
    );
    return { userId: member.userId, token: await f.tokenFor(email, 'invitations') };
  };
  const passwordWorks = async (email: string, password: string) =>
    (await f.open().checkPassword(email, password, meta)).ok;

  it('a consumed token is refused, and the password stays the one set first', async () => {
    const { token } = await invite('replayed@replay.example');
    const { invitations } = f.links();
    expect((await invitations.accept(token, PASSWORD, meta)).ok).toBe(true);
    expect(await invitations.accept(token, ATTACKER_PASSWORD, meta)).toEqual(LINK_INVALID);
    expect(await passwordWorks('replayed@replay.example', PASSWORD)).toBe(true);
    expect(await passwordWorks('replayed@replay.example', ATTACKER_PASSWORD)).toBe(false);
  });

  it('an expired token is refused', async () => {
    const { token } = await invite('expired@replay.example');
    f.clock.advance(7 * 24 * 60 * 60 * 1000);
    expect(await f.links().invitations.accept(token, PASSWORD, meta)).toEqual(LINK_INVALID);
    expect(
      await f.t.superuser(
        "SELECT 1 FROM user_passwords p JOIN users u ON u.id = p.user_id WHERE u.email = 'expired@replay.example'",
      ),
    ).toHaveLength(0);
  });

  it('two concurrent accepts of one token: exactly one wins, and its password is the one stored', async () => {
    const { token, userId } = await invite('raced@replay.example');
    const { invitations } = f.links();
    const passwords = [PASSWORD, ATTACKER_PASSWORD];
    const outcomes = await Promise.all(passwords.map((password) => invitations.accept(token, password, meta)));
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ok)).toEqual([LINK_INVALID]);
    const winner = passwords[outcomes.findIndex((o) => o.ok)] ?? '';
    const loser = passwords.find((p) => p !== winner) ?? '';
    expect(await passwordWorks('raced@replay.example', winner)).toBe(true);
    expect(await passwordWorks('raced@replay.example', loser)).toBe(false);
    expect(await f.events({ action: 'identity.invitation.accepted', userId })).toHaveLength(1);
  });

  it("an older invitation (another org's) cannot replace the password set from a newer one", async () => {
    const other = await f.newOrg('replay-two', 'owner@replay-two.example');
    const first = await invite('two.orgs@replay.example');
    const second = await invite('two.orgs@replay.example', other.orgId);
    expect(second.token).not.toBe(first.token);
    const { invitations } = f.links();
    expect((await invitations.accept(second.token, PASSWORD, meta)).ok).toBe(true);
    expect(await invitations.show(first.token)).toBeUndefined();
    expect(await invitations.accept(first.token, ATTACKER_PASSWORD, meta)).toEqual(LINK_INVALID);
    expect(await passwordWorks('two.orgs@replay.example', PASSWORD)).toBe(true);
  });

  it('a guessed or malformed token is refused without a lookup', async () => {
    const { invitations } = f.links();
    for (const token of ['', 'A'.repeat(43), "' OR 1=1 --", 'x'.repeat(10_000)]) {
      expect(await invitations.show(token)).toBeUndefined();
      expect(await invitations.accept(token, PASSWORD, meta)).toEqual(LINK_INVALID);
    }
  });
});
