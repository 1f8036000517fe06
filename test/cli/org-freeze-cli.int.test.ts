import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName, createTestDb, type TestDb } from '../support/test-db.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/bulwark.js');

describe(`bulwark org freeze|unfreeze (${backendName})`, () => {
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
    dataDir = await mkdtemp(path.join(tmpdir(), 'bulwark-cli-freeze-'));
    if (process.env.DATABASE_URL) pgDb = await createTestDb({ migrate: false });
  });
  afterAll(async () => pgDb?.close());

  it('freezes and unfreezes an org with a reason, refuses a bad reason and a second freeze, and audits both in its chain', async () => {
    expect((await cli(['migrate'])).code).toBe(0);
    const org = JSON.parse((await cli(['org', 'create', '--name', 'Acme', '--slug', 'acme', '--json'])).stdout) as {
      id: string;
    };
    const frozen = await cli(['org', 'freeze', '--org', org.id, '--reason', 'dispute', '--note', 'case 42', '--json']);
    expect(frozen.code).toBe(0);
    expect(JSON.parse(frozen.stdout)).toMatchObject({ id: org.id, status: 'frozen' });
    const again = await cli(['org', 'freeze', '--org', org.id, '--reason', 'dispute']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('db.conflict');
    const badReason = await cli(['org', 'freeze', '--org', org.id, '--reason', 'because']);
    expect(badReason.code).toBe(1);
    expect(badReason.stderr).toContain('--reason');
    expect((await cli(['org', 'unfreeze', '--org', org.id, '--reason', 'operator_request'])).stdout).toContain(
      `${org.id}  active`,
    );

    const out = path.join(dataDir, 'export.jsonl');
    expect((await cli(['audit', 'export', '--org', org.id, '--out', out])).code).toBe(0);
    const events = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            action: string;
            actor: unknown;
            details: Record<string, unknown>;
            reason_codes: string[];
          },
      );
    expect(events.map((e) => e.action)).toEqual(['tenancy.org.created', 'tenancy.org.frozen', 'tenancy.org.unfrozen']);
    expect(events[1]).toMatchObject({
      actor: { type: 'system', id: 'cli' },
      reason_codes: ['tenancy.org_frozen'],
      details: { reason: 'dispute', note: 'case 42' },
    });
    expect((await cli(['audit', 'verify', '--org', org.id])).code).toBe(0);
  }, 1_200_000);
});
