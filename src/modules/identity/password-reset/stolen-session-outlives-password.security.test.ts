import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../../../../test/support/test-db.js';
import { openAccountLinkFixture, type AccountLinkFixture } from '../../../../test/support/account-link-fixture.js';
import { newId, type UserId } from '../../../lib/ids.js';
import { operatorUsers } from '../../oidc/index.js';
import { PostgresAdapter } from '../../oidc/storage/postgres-adapter.js';

const meta = { clientIp: '198.51.100.31', userAgent: 'vitest', requestId: 'req_stolen' };
const OLD_PASSWORD = 'v9#Lq2!mZr8@wX';
const NEW_PASSWORD = 'Another long passphrase 4 me!';

// Attack: sign in with a stolen password, then keep the session (and its refresh token) after the victim resets the
// password, or after an operator sets a new one, as if the password had never changed.
describe(`a sign-in made with the old password ends when the password changes (${backendName})`, () => {
  let f: AccountLinkFixture;
  const epoch = () => Math.floor(f.clock.now().getTime() / 1000);
  const adapter = (model: string) =>
    new PostgresAdapter(model, { db: f.t.db, clock: f.clock, findClient: async () => undefined });

  beforeAll(async () => {
    f = await openAccountLinkFixture();
  });
  afterAll(async () => f.close());

  const userWithPassword = async (email: string): Promise<UserId> => {
    const userId = await f.newUser(email);
    await f.open().setPassword(userId, OLD_PASSWORD, { type: 'system', id: null });
    return userId;
  };

  // The attacker's sign-in: a grant, its refresh token and the browser session holding it.
  async function stolenSignIn(userId: UserId): Promise<string[]> {
    const grantId = `grant-${newId('req')}`;
    const session = `ses-${newId('req')}`;
    await adapter('Grant').upsert(grantId, { accountId: userId, clientId: 'cli_app', iat: epoch() }, 3600);
    await adapter('RefreshToken').upsert(`rt-${grantId}`, { accountId: userId, clientId: 'cli_app', grantId }, 3600);
    await adapter('Session').upsert(
      session,
      { accountId: userId, loginTs: epoch(), authorizations: { cli_app: { grantId } } },
      3600,
    );
    return [grantId, `rt-${grantId}`, session];
  }

  const standing = async (ids: string[]) =>
    (await f.t.superuser('SELECT id FROM oidc_payloads WHERE id = ANY($1)', [ids])).length;
  const revocations = (userId: UserId) =>
    f.t.superuser(
      `SELECT reason_codes FROM audit_events WHERE org_id = $1 AND action = 'identity.session.revoked'
        AND resource->>'id' = $2`,
      [f.platformOrgId, userId],
    );

  it('a completed password reset ends every sign-in of the user, audited with the reason', async () => {
    const email = 'victim.reset@example.com';
    const userId = await userWithPassword(email);
    const stolen = await stolenSignIn(userId);
    const { passwordResets } = f.links();
    await passwordResets.request(email, meta);
    expect(await passwordResets.complete(await f.tokenFor(email, 'password-reset'), NEW_PASSWORD, meta)).toEqual({
      ok: true,
      email,
    });
    expect(await standing(stolen)).toBe(0);
    expect(await revocations(userId)).toEqual([{ reason_codes: ['identity.password_changed'] }]);
  });

  it("an operator's new password ends them too; a first password has nothing to end", async () => {
    const users = operatorUsers({
      db: f.t.db,
      clock: f.clock,
      audit: f.audit,
      platformOrgId: f.platformOrgId,
      identity: f.open(),
    });
    const fresh = await f.newUser('first.password@example.com');
    await users.setPassword('first.password@example.com', OLD_PASSWORD);
    expect(await revocations(fresh)).toEqual([]);
    const userId = await userWithPassword('victim.operator@example.com');
    const stolen = await stolenSignIn(userId);
    await users.setPassword('victim.operator@example.com', NEW_PASSWORD);
    expect(await standing(stolen)).toBe(0);
    expect(await revocations(userId)).toEqual([{ reason_codes: ['identity.password_changed'] }]);
    expect(await f.open().checkPassword('victim.operator@example.com', NEW_PASSWORD, meta)).toEqual({
      ok: true,
      userId,
    });
  });
});
