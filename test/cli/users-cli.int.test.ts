import { execFile, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import { PgliteDb } from '../../src/platform/db/index.js';
import { backendName, createTestDb, type TestDb } from '../support/test-db.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/bulwark.js');
const NEW_PASSWORD = 'a long operator chosen passphrase 77';

describe(`bulwark users list|set-password|disable and sessions revoke (${backendName})`, () => {
  let dataDir: string;
  let pgDb: TestDb | undefined;

  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    BULWARK_ENV: 'test',
    BULWARK_DATA_DIR: dataDir,
    BULWARK_LOG_LEVEL: 'silent',
    ...(pgDb?.url && pgDb.servingUrl
      ? { DATABASE_URL: pgDb.servingUrl, BULWARK_MIGRATION_DATABASE_URL: pgDb.url }
      : {}),
    ...extra,
  });

  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: env(), timeout: 120_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  // The command with `input` piped to its stdin (not a terminal), as `echo … | bulwark …` does.
  function cliWithStdin(
    args: string[],
    input: string,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(input);
    });
  }

  async function superuser(sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
    if (pgDb) return pgDb.superuser(sql, params);
    const db = await PgliteDb.open(path.join(dataDir, 'pgdata'));
    try {
      return await db.withOwner(async (tx) => (await tx.query(sql, params)).rows);
    } finally {
      await db.close();
    }
  }

  // The first start bootstraps the platform org, whose chain records a full sign-out.
  async function serveOnce(): Promise<void> {
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: env({ PORT: '0' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 90_000;
    while (!/listening on (http:\/\/\S+)/.test(output) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const address = /listening on (http:\/\/\S+)/.exec(output)?.[1];
    expect((await fetch(`${address}/readyz`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'bulwark-cli-users-'));
    if (process.env.DATABASE_URL) pgDb = await createTestDb({ migrate: false });
  });
  afterAll(async () => pgDb?.close());

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
      `SELECT count(*)::int AS live FROM bootstrap_secrets WHERE org_id = $1 AND used_at IS NULL AND expires_at > now()`,
      [platform?.id],
    );
    expect(rows).toEqual([{ live: 1 }]);
    const events = await superuser("SELECT actor FROM audit_events WHERE action = 'tenancy.owner_setup.issued'");
    expect(events).toEqual([{ actor: { type: 'system', id: 'cli' } }]);
  }, 120_000);
});
