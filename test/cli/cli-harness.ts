import { execFile, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { PgliteDb } from '../../src/platform/db/index.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/bulwark.js');

/** What a command printed and how it exited. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The `bulwark` command run as an operator runs it, in its own process, on a fresh data folder (PGlite) or a fresh
 * PostgreSQL database when DATABASE_URL is set. Call `open()` in beforeAll and `close()` in afterAll.
 */
export function cliHarness(name: string) {
  let dataDir = '';
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

  return {
    /** The data folder the commands run on. */
    dataDir: () => dataDir,
    /** The PostgreSQL database the commands run on (undefined on PGlite). */
    postgres: () => pgDb,

    async open(): Promise<void> {
      dataDir = await mkdtemp(path.join(tmpdir(), `bulwark-cli-${name}-`));
      if (process.env.DATABASE_URL) pgDb = await createTestDb({ migrate: false });
    },
    close: async () => pgDb?.close(),

    /** Runs `bulwark …args` to its end. */
    async cli(args: string[], extra: Record<string, string> = {}): Promise<CliResult> {
      try {
        const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: env(extra), timeout: 120_000 });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    },

    /** The command with `input` piped to its stdin (not a terminal), as `echo … | bulwark …` does. */
    cliWithStdin(args: string[], input: string): Promise<CliResult> {
      return new Promise((resolve) => {
        const child = spawn(process.execPath, [BIN, ...args], { env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
        child.stdin.end(input);
      });
    },

    /** SQL as the database's owner, behind the commands' back (statements run in one transaction). */
    async superuser(sql: string | string[], params: unknown[] = []): Promise<Record<string, unknown>[]> {
      const statements = Array.isArray(sql) ? sql : [sql];
      if (pgDb) {
        let rows: Record<string, unknown>[] = [];
        for (const statement of statements) rows = await pgDb.superuser(statement, params);
        return rows;
      }
      const db = await PgliteDb.open(path.join(dataDir, 'pgdata'));
      try {
        return await db.withOwner(async (tx) => {
          let rows: Record<string, unknown>[] = [];
          for (const statement of statements) rows = (await tx.query(statement, params)).rows;
          return rows;
        });
      } finally {
        await db.close();
      }
    },

    /**
     * Starts `bulwark serve` (the first start bootstraps the platform), waits until it is ready, stops it with
     * SIGTERM and expects a clean exit; answers what it printed.
     */
    async serveOnce(extra: Record<string, string> = {}): Promise<string> {
      const child = spawn(process.execPath, [BIN, 'serve'], {
        env: env({ PORT: '0', ...extra }),
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
      return output;
    },
  };
}
