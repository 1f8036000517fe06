import { execFile, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteDb } from '../../src/platform/db/index.js';
import { backendName, createTestDb, type TestDb } from '../support/test-db.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/bulwark.js');

describe(`bulwark keys rotate (${backendName})`, () => {
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

  async function signingKeys(): Promise<{ kid: string }[]> {
    const sql = 'SELECT kid FROM oidc_signing_keys ORDER BY signs_from';
    if (pgDb) return (await pgDb.superuser(sql)) as { kid: string }[];
    const db = await PgliteDb.open(path.join(dataDir, 'pgdata'));
    try {
      return await db.withOwner(async (tx) => (await tx.query<{ kid: string }>(sql)).rows);
    } finally {
      await db.close();
    }
  }

  // The first start bootstraps the platform org, which holds the signing keys, and creates the first key.
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
    // Ready before the signal: serve installs its SIGTERM handler just after printing the banner.
    const address = /listening on (http:\/\/\S+)/.exec(output)?.[1];
    expect((await fetch(`${address}/readyz`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'bulwark-cli-keys-'));
    if (process.env.DATABASE_URL) pgDb = await createTestDb({ migrate: false });
  });
  afterAll(async () => pgDb?.close());

  it('creates a key that signs one token lifetime later, and a second call returns the waiting key', async () => {
    expect((await cli(['migrate'])).code).toBe(0);
    await serveOnce();
    const [first] = await signingKeys();
    const rotated = await cli(['keys', 'rotate', '--json']);
    expect(rotated.code).toBe(0);
    const key = JSON.parse(rotated.stdout) as { kid: string; signs_from: string; created: boolean };
    expect(key.created).toBe(true);
    expect(new Date(key.signs_from).getTime() - Date.now()).toBeGreaterThan(4 * 60_000);
    const again = JSON.parse((await cli(['keys', 'rotate', '--json'])).stdout) as { kid: string; created: boolean };
    expect(again).toMatchObject({ kid: key.kid, created: false });
    expect((await signingKeys()).map((k) => k.kid)).toEqual([first?.kid, key.kid]);
  }, 300_000);
});
