import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import { backendName } from '../support/test-db.js';
import { cliHarness } from './cli-harness.js';

const NEW_PASSWORD = 'a long operator chosen passphrase 77';

describe(`bulwark users list|set-password|disable|enable and sessions revoke (${backendName})`, () => {
  const { open, close, cli, cliWithStdin, superuser, serveOnce } = cliHarness('users');

  beforeAll(open);
  afterAll(close);

  it('lists users, sets a password from stdin only, ends sign-ins and disables, each audited as system/cli', async () => {
    expect((await cli(['migrate'])).code).toBe(0);
    await serveOnce();
    const org = JSON.parse((await cli(['org', 'create', '--name', 'Acme', '--slug', 'acme', '--json'])).stdout) as {
      id: string;
    };
    const userId = newId('usr', 0);
    await superuser('INSERT INTO users (id, email) VALUES ($1, $2)', [userId, 'Ops.Target@acme.example']);
    await superuser('INSERT INTO memberships (org_id, id, user_id, roles) VALUES ($1, $2, $3, $4)', [
      org.id,
      newId('mem'),
      userId,
      ['developer'],
    ]);

    const listed = await cli(['users', 'list', '--org', org.id, '--json']);
    expect(listed.code).toBe(0);
    expect(
      listed.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([
      {
        user_id: userId,
        email: 'ops.target@acme.example',
        status: 'active',
        created_at: expect.any(String),
        roles: ['developer'],
      },
    ]);
    expect((await cli(['users', 'list'])).stdout).toContain(userId);
    expect((await cli(['users', 'list', '--org', 'acme'])).stderr).toContain('--org');

    // SECURITY: a password is never an argument (the process list and shell history would show it).
    const onArgv = await cli(['users', 'set-password', '--email', 'ops.target@acme.example', '--password', 'x']);
    expect(onArgv.code).not.toBe(0);
    expect(onArgv.stderr).toContain("unknown option '--password'");
    const weak = await cliWithStdin(['users', 'set-password', '--email', 'ops.target@acme.example'], 'short\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('identity.password_rejected');
    const set = await cliWithStdin(
      ['users', 'set-password', '--email', 'OPS.target@acme.example'],
      `${NEW_PASSWORD}\n`,
    );
    expect(set).toMatchObject({ code: 0, stdout: 'password set\n' });

    const revoked = await cli(['sessions', 'revoke', '--email', 'ops.target@acme.example', '--json']);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ grants_revoked: 0, sessions_ended: 0 });
    const unknown = await cli(['sessions', 'revoke', '--email', 'nobody@acme.example']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('http.not_found');

    const disabled = await cli(['users', 'disable', '--email', 'ops.target@acme.example', '--json']);
    expect(disabled.code).toBe(0);
    expect(JSON.parse(disabled.stdout)).toMatchObject({ was_active: true });
    expect(await superuser('SELECT status FROM users WHERE id = $1', [userId])).toEqual([{ status: 'disabled' }]);

    const events = await superuser(
      `SELECT e.action, e.actor, o.is_platform FROM audit_events e JOIN orgs o ON o.id = e.org_id
        WHERE e.action IN ('identity.password.changed', 'identity.session.revoked', 'identity.user.disabled')
        ORDER BY e.action, o.is_platform`,
    );
    const cliActor = { type: 'system', id: 'cli' };
    expect(events).toEqual([
      { action: 'identity.password.changed', actor: cliActor, is_platform: true },
      // `sessions revoke`, then the full sign-out of `users disable`: the platform chain (no grant was in an org).
      { action: 'identity.session.revoked', actor: cliActor, is_platform: true },
      { action: 'identity.session.revoked', actor: cliActor, is_platform: true },
      { action: 'identity.user.disabled', actor: cliActor, is_platform: false },
      { action: 'identity.user.disabled', actor: cliActor, is_platform: true },
    ]);
  }, 300_000);

  it("refuses to disable an org's last active owner unless told to, and enable undoes it, each audited", async () => {
    const [acme] = (await superuser("SELECT id FROM orgs WHERE slug = 'acme'")) as { id: string }[];
    const ownerId = newId('usr', 0);
    await superuser('INSERT INTO users (id, email) VALUES ($1, $2)', [ownerId, 'sole.owner@acme.example']);
    await superuser('DELETE FROM memberships WHERE org_id = $1 AND $2 = ANY(roles)', [acme?.id, 'owner']);
    await superuser('INSERT INTO memberships (org_id, id, user_id, roles) VALUES ($1, $2, $3, $4)', [
      acme?.id,
      newId('mem'),
      ownerId,
      ['owner'],
    ]);
    const refused = await cli(['users', 'disable', '--email', 'sole.owner@acme.example']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('identity.last_active_owner');
    expect(await superuser('SELECT status FROM users WHERE id = $1', [ownerId])).toEqual([{ status: 'active' }]);

    const forced = await cli([
      'users',
      'disable',
      '--email',
      'sole.owner@acme.example',
      '--leave-without-owner',
      '--json',
    ]);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ was_active: true, orgs_without_owner: [acme?.id] });
    const enabled = await cli(['users', 'enable', '--email', 'sole.owner@acme.example']);
    expect(enabled).toMatchObject({ code: 0, stdout: 'user enabled\n' });
    expect(await superuser('SELECT status FROM users WHERE id = $1', [ownerId])).toEqual([{ status: 'active' }]);
    const events = await superuser(
      `SELECT e.action, e.actor FROM audit_events e JOIN orgs o ON o.id = e.org_id
        WHERE o.id = $1 AND e.resource->>'id' = $2 AND e.action LIKE 'identity.user.%' ORDER BY e.seq`,
      [acme?.id, ownerId],
    );
    const cliActor = { type: 'system', id: 'cli' };
    expect(events).toEqual([
      { action: 'identity.user.disabled', actor: cliActor },
      { action: 'identity.user.enabled', actor: cliActor },
    ]);
  }, 120_000);

  it('owner-setup (break-glass) issues a one-time setup secret for the platform owner, audited as system/cli', async () => {
    const [platform] = (await superuser('SELECT id FROM orgs WHERE is_platform')) as { id: string }[];
    const notAnOrg = await cli(['owner-setup', '--org', 'acme']);
    expect(notAnOrg.code).not.toBe(0);
    expect(notAnOrg.stderr).toContain('--org');
    const issued = await cli(['owner-setup', '--org', platform?.id ?? '']);
    expect(issued.code).toBe(0);
    const secret = /\n\s+(bwb_\S+)\n/.exec(issued.stdout)?.[1];
    expect(secret).toBeDefined();
    expect(issued.stdout).not.toContain('undefined');
    const rows = await superuser(
      `SELECT count(*)::int AS live FROM bootstrap_secrets WHERE opens_org = $1 AND used_at IS NULL AND expires_at > now()`,
      [platform?.id],
    );
    expect(rows).toEqual([{ live: 1 }]);
    const events = await superuser("SELECT actor FROM audit_events WHERE action = 'tenancy.owner_setup.issued'");
    expect(events).toEqual([{ actor: { type: 'system', id: 'cli' } }]);
  }, 120_000);
});
