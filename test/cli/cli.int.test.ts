import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { cliHarness } from './cli-harness.js';

const BIN = path.resolve('bin/bulwark.js');

describe(`bulwark CLI (${backendName})`, () => {
  const harness = cliHarness('cli');
  const { cli, superuser } = harness;

  beforeAll(harness.open);
  afterAll(harness.close);

  it('exits 2 and lists every bad field on invalid configuration', async () => {
    const result = await cli(['doctor'], { PORT: 'eighty', BULWARK_VAULT: 'pkcs11' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('port:');
    expect(result.stderr).toContain('vault.pkcs11');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses development shortcuts in production and names each setting', async () => {
    const result = await cli(['migrate'], { BULWARK_ENV: 'production' });
    expect(result.code).toBe(2);
    for (const setting of ['BULWARK_VAULT', 'BULWARK_PUBLIC_URL']) expect(result.stderr).toContain(setting);
    // Nothing reads a session secret yet, so production does not require one.
    expect(result.stderr).not.toContain('BULWARK_SESSION_SECRET');
  });

  it('migrates, creates and lists orgs, verifies and exports the audit chain, and names the first bad sequence after tampering', async () => {
    const migrated = await cli(['migrate']);
    expect(migrated.stdout).toMatch(/applied migrations 1, 2, 3, 4/);
    if (harness.postgres()) expect(migrated.stdout).toMatch(/serving login bulwark_test_server: (created|unchanged)/);
    const created = await cli(['org', 'create', '--name', 'Acme', '--slug', 'acme', '--json']);
    expect(created.code).toBe(0);
    const org = JSON.parse(created.stdout) as { id: string; slug: string };
    expect(org.slug).toBe('acme');
    const duplicate = await cli(['org', 'create', '--name', 'Acme again', '--slug', 'acme']);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('db.conflict');
    expect((await cli(['org', 'list'])).stdout).toContain(org.id);

    const verified = await cli(['audit', 'verify', '--org', org.id]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^ok\s+org_/);
    const out = path.join(harness.dataDir(), 'export.jsonl');
    expect((await cli(['audit', 'export', '--org', org.id, '--out', out])).code).toBe(0);
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    expect(JSON.parse(lines[0] as string)).toMatchObject({ org_id: org.id, seq: 1, action: 'tenancy.org.created' });

    await superuser('ALTER TABLE audit_events DISABLE TRIGGER USER');
    await superuser(`UPDATE audit_events SET details = '{"name":"Evil"}' WHERE org_id = $1 AND seq = 1`, [org.id]);
    const broken = await cli(['audit', 'verify', '--org', org.id]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('first bad sequence 1 (hash_mismatch)');
  }, 300_000);

  it('serves, answers /readyz, and shuts down cleanly on SIGTERM', async () => {
    expect(await harness.serveOnce({ BULWARK_LOG_LEVEL: 'info' })).toContain('shutdown complete');
  }, 120_000);

  it('doctor reports the database, its login, migrations, environment and vault', async () => {
    const result = await cli(['doctor', '--json']);
    const checks = JSON.parse(result.stdout) as { name: string; ok: boolean; detail: string }[];
    expect(checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(['config', 'database', 'database role', 'migrations', 'environment', 'vault']),
    );
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.code).toBe(0);
    if (harness.postgres())
      expect(checks.find((c) => c.name === 'database role')?.detail).toBe(
        'login bulwark_test_server: no superuser, no BYPASSRLS, owns no table',
      );
    const unreachable = await cli(['doctor'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stdout).toMatch(/FAIL\s+redis/);
  }, 120_000);

  it('doctor in production fails a serving login that is a superuser and says what to change', async () => {
    // PostgreSQL: the owner (a superuser) as DATABASE_URL. PGlite: its one connection is a superuser by construction.
    const owner = harness.postgres()?.url;
    const result = await cli(['doctor', '--json'], {
      BULWARK_ENV: 'production',
      ...(owner ? { DATABASE_URL: owner, BULWARK_MIGRATION_DATABASE_URL: owner } : {}),
    });
    const role = (JSON.parse(result.stdout) as { name: string; ok: boolean; detail: string }[]).find(
      (c) => c.name === 'database role',
    );
    expect(result.code).toBe(1);
    expect(role?.ok).toBe(false);
    expect(role?.detail).toMatch(
      owner ? /login postgres is a superuser.*BULWARK_MIGRATION_DATABASE_URL/ : /PGlite has one superuser connection/,
    );
  }, 120_000);

  it('a second server on the same data folder exits 2 naming the folder and the process that holds it', async () => {
    const { spawn } = await import('node:child_process');
    // The embedded database, whatever the suite's backend: DATABASE_URL is cleared.
    const folder = await mkdtemp(path.join(tmpdir(), 'bulwark-cli-lock-'));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      BULWARK_ENV: 'test',
      BULWARK_DATA_DIR: folder,
      BULWARK_LOG_LEVEL: 'silent',
      PORT: '0',
    };
    const child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const deadline = Date.now() + 150_000;
      while (!/listening on/.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(output).toMatch(/listening on/);
      const second = await cli(['serve'], {
        BULWARK_DATA_DIR: folder,
        DATABASE_URL: '',
        BULWARK_MIGRATION_DATABASE_URL: '',
        PORT: '0',
      });
      expect(second.code).toBe(2);
      expect(second.stderr).toContain(
        `the data folder ${path.join(folder, 'pgdata')} is in use by process ${child.pid}`,
      );
      expect(second.stderr).not.toContain('Aborted');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 240_000);

  it('rotates the key-encryption key and re-wraps data keys without touching data', async () => {
    const result = await cli(['vault', 'rotate-kek']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/key-encryption key version 2: re-wrapped \d+ data keys of \d+ orgs/);
    const doctor = JSON.parse((await cli(['doctor', '--json'])).stdout) as { name: string; detail: string }[];
    expect(doctor.find((c) => c.name === 'vault')?.detail).toContain('version 2');
  }, 120_000);
});
