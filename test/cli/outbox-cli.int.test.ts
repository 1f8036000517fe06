import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteDb } from '../../src/platform/db/index.js';
import { newId } from '../../src/lib/ids.js';
import { backendName, createTestDb, type TestDb } from '../support/test-db.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/bulwark.js');
// Recent: the outbox purges delivered messages after 8 days.
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();
const LINK = `http://127.0.0.1:8080/invitations/${'B'.repeat(43)}`;

describe(`bulwark outbox (${backendName})`, () => {
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

  async function cli(args: string[], extra: Record<string, string> = {}) {
    try {
      const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: env(extra), timeout: 120_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  // Queues messages as a serving node's queueMail would, as the owner (the serving login needs the vault's signed
  // platform context, which only a node or the CLI holds); the CLI, not a sweep, then makes them readable.
  async function queue(messages: { to: string; text: string; at: string }[]): Promise<void> {
    const insert = `INSERT INTO mail_outbox (id, purpose, recipient, subject, body, next_attempt_at, created_at)
                    VALUES ($1, 'invitation', $2, 'You are invited', $3, $4, $4)`;
    const rows = messages.map((m) => [newId('msg', Date.parse(m.at)), m.to, m.text, m.at]);
    if (pgDb) {
      for (const params of rows) await pgDb.superuser(insert, params);
      return;
    }
    const db = await PgliteDb.open(path.join(dataDir, 'pgdata'));
    try {
      await db.withOwner(async (tx) => {
        for (const params of rows) await tx.query(insert, params);
      });
    } finally {
      await db.close();
    }
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'bulwark-cli-outbox-'));
    if (process.env.DATABASE_URL) pgDb = await createTestDb({ migrate: false });
  });
  afterAll(async () => pgDb?.close());

  it("lists the development outbox's messages newest first, filtered by recipient and limited", async () => {
    expect((await cli(['migrate'])).code).toBe(0);
    const empty = await cli(['outbox']);
    expect(empty).toMatchObject({ code: 0, stdout: '' });
    expect(empty.stderr).toContain('the development outbox is empty');
    await queue([
      { to: 'ann@example.com', text: `first ${LINK}`, at: minutesAgo(3) },
      { to: 'bob@example.com', text: 'for bob', at: minutesAgo(2) },
      { to: 'Ann@Example.com', text: 'second', at: minutesAgo(1) },
    ]);

    const all = await cli(['outbox', '--json']);
    expect(all.code).toBe(0);
    const lines = all.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { to: string; text: string });
    expect(lines.map((m) => m.text)).toEqual(['second', 'for bob', `first ${LINK}`]);

    const ann = await cli(['outbox', '--to', 'ann@example.com', '--limit', '1']);
    expect(ann.code).toBe(0);
    expect(ann.stdout).toMatch(/^msg_[0-9a-z]{26} {2}\S+Z {2}invitation {2}to Ann@Example\.com\n/);
    expect(ann.stdout).toContain('Subject: You are invited');
    expect(ann.stdout).not.toContain('first');

    const bad = await cli(['outbox', '--limit', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--limit: 1 to 500');
  }, 300_000);
});
