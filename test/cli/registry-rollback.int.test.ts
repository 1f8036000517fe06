// `bulwark prompts rollback` and `bulwark routes rollback`: one command back to an earlier version, through the same
// use case as the API (a new version with that content), audited with the CLI as actor.
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { OrgId } from '../../src/lib/ids.js';
import { openRuntime } from '../../src/main.js';
import { createLogger } from '../../src/platform/logger/index.js';
import { backendName, createTestDb, type TestDb } from '../support/test-db.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/bulwark.js');
const ACTOR = { type: 'user', id: 'usr_test' } as const;

describe(`bulwark prompts|routes rollback (${backendName})`, () => {
  let env: Record<string, string>;
  let pgDb: TestDb | undefined;
  let orgId: OrgId;

  const open = () => openRuntime(loadConfig({ env }), { logger: createLogger({ level: 'silent' }) });

  beforeAll(async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'bulwark-registry-rollback-'));
    if (process.env.DATABASE_URL) pgDb = await createTestDb({ migrate: false });
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      BULWARK_ENV: 'test',
      BULWARK_DATA_DIR: dataDir,
      BULWARK_LOG_LEVEL: 'silent',
      ...(pgDb?.url ? { DATABASE_URL: pgDb.url } : {}),
    };
    const runtime = await open();
    try {
      orgId = (await runtime.orgs.create({ name: 'Registry', slug: 'registry' }, { type: 'system', id: 'test' })).id;
      const { prompts, modelRoutes } = runtime.services;
      await runtime.db.withTenant(orgId, async (sql) => {
        await prompts.create(sql, 'greeter', { template: 'Say hello.', variables: [] }, { actor: ACTOR });
        await prompts.addVersion(sql, 'greeter', 1, { template: 'Say goodbye.', variables: [] }, { actor: ACTOR });
        const connection = await runtime.services.gatewayProviders.createConnection(sql, ACTOR, {
          name: 'upstream',
          kind: 'openai-compatible',
          baseUrl: 'http://127.0.0.1:9/v1',
        });
        await runtime.services.gatewayProviders.createModel(sql, ACTOR, {
          name: 'team-model',
          kind: 'chat',
          region: 'eu',
          dataClassesAllowed: [],
          targets: [{ connectionId: connection.id, upstreamModel: 'm' }],
        });
        const spec = { targets: [{ model: 'bulwark-local-chat', weight: 100 }], shadow: null };
        await modelRoutes.create(sql, 'assistant', spec, { actor: ACTOR });
        await modelRoutes.addVersion(sql, 'assistant', 1, { ...spec, shadow: 'team-model' }, { actor: ACTOR });
      });
    } finally {
      await runtime.close();
    }
  }, 120_000);
  afterAll(async () => pgDb?.close());

  const bulwark = (args: string[]) => run(process.execPath, [BIN, ...args], { env, timeout: 120_000 });

  it('rolls a prompt and a route back to version 1 as version 3, audited with actor system/cli', async () => {
    const prompt = await bulwark(['prompts', 'rollback', '--org', orgId, 'greeter', '--to', '1', '--json']);
    expect(JSON.parse(prompt.stdout)).toEqual({ org_id: orgId, name: 'greeter', version: 3, restored_from: 1 });
    const route = await bulwark(['routes', 'rollback', '--org', orgId, 'assistant', '--to', '1']);
    expect(route.stdout).toBe('assistant: version 1 restored as version 3\n');

    const runtime = await open();
    try {
      const { services } = runtime;
      expect(await services.prompts.get(orgId, 'greeter')).toMatchObject({
        version: 3,
        template: 'Say hello.',
        restoredFrom: 1,
      });
      expect(await services.modelRoutes.get(orgId, 'assistant')).toMatchObject({
        version: 3,
        shadow: null,
        restoredFrom: 1,
      });
      const events: { action: string; actor: unknown }[] = [];
      for await (const record of services.audit.records(orgId, { actionPrefix: 'gateway.' }))
        events.push({ action: record.action, actor: record.actor });
      expect(events).toContainEqual({ action: 'gateway.prompt.rolled_back', actor: { type: 'system', id: 'cli' } });
      expect(events).toContainEqual({ action: 'gateway.route.rolled_back', actor: { type: 'system', id: 'cli' } });
      expect((await services.audit.verify(orgId)).ok).toBe(true);
    } finally {
      await runtime.close();
    }
  });

  it('fails with a message and exit code 1 on an unknown version, prompt or malformed argument', async () => {
    for (const args of [
      ['prompts', 'rollback', '--org', orgId, 'greeter', '--to', '9'],
      ['prompts', 'rollback', '--org', orgId, 'nobody', '--to', '1'],
      ['routes', 'rollback', '--org', orgId, 'assistant', '--to', 'one'],
      ['routes', 'rollback', '--org', 'not-an-org', 'assistant', '--to', '1'],
    ]) {
      const failure = await bulwark(args).then(
        () => null,
        (error: { code?: number; stderr?: string }) => error,
      );
      expect(failure?.code, args.join(' ')).toBe(1);
      expect(failure?.stderr).toMatch(/^bulwark: /m);
    }
  });
});
