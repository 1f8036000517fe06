import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName, createTestDb, type TestDb } from '../support/test-db.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/bulwark.js');

// The prune itself (held rows kept, unheld old rows deleted) is tested in test/billing/dispute-playbook.int.test.ts;
// this drives the operator's verb end to end.
describe(`bulwark audit prune-usage (${backendName})`, () => {
  let dataDir: string;
  let pgDb: TestDb | undefined;

  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      BULWARK_ENV: 'test',
      BULWARK_DATA_DIR: dataDir,
      BULWARK_LOG_LEVEL: 'silent',
    };
    if (pgDb?.url) env.DATABASE_URL = pgDb.url;
    try {
      const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env, timeout: 240_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'bulwark-cli-prune-'));
    if (process.env.DATABASE_URL) pgDb = await createTestDb({ migrate: false });
  });
  afterAll(async () => pgDb?.close());

  it('prunes an org, audits the prune in its chain, and refuses a --before that is not a date', async () => {
    expect((await cli(['migrate'])).code).toBe(0);
    const org = JSON.parse((await cli(['org', 'create', '--name', 'Acme', '--slug', 'acme', '--json'])).stdout) as {
      id: string;
    };
    const pruned = await cli(['audit', 'prune-usage', '--org', org.id, '--before', '2026-01-01', '--json']);
    expect(pruned.code).toBe(0);
    expect(JSON.parse(pruned.stdout)).toEqual({ org_id: org.id, deleted: 0, held: 0 });
    const bad = await cli(['audit', 'prune-usage', '--org', org.id, '--before', 'yesterday']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--before');
    const out = path.join(dataDir, 'export.jsonl');
    expect((await cli(['audit', 'export', '--org', org.id, '--out', out])).code).toBe(0);
    const actions = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { action?: string }).action);
    expect(actions).toContain('gateway.usage.pruned');
  }, 300_000);
});
