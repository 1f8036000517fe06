// An org whose policy version locks its owners out of the policies (stored before the lockout check existed)
// gets its built-in policies back from the operator's shell: `bulwark policy reset --org ID`, audited.
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { OrgId } from '../../src/lib/ids.js';
import { openRuntime } from '../../src/main.js';
import type { Principal } from '../../src/modules/authz/index.js';
import { createLogger } from '../../src/platform/logger/index.js';
import { backendName, createTestDb, type TestDb } from '../support/test-db.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/bulwark.js');
const LOCKING = '@id("freeze") forbid (principal, action == Action::"manage:policies", resource);';

describe(`bulwark policy reset (${backendName})`, () => {
  let env: Record<string, string>;
  let pgDb: TestDb | undefined;
  let orgId: OrgId;

  const open = () => openRuntime(loadConfig({ env }), { logger: createLogger({ level: 'silent' }) });

  beforeAll(async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'bulwark-policy-reset-'));
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
      orgId = (await runtime.orgs.create({ name: 'Locked', slug: 'locked' }, { type: 'system', id: 'test' })).id;
      // The locking version, planted as it could be stored before the lockout check.
      await runtime.db.withTenant(orgId, (sql) =>
        sql.query(
          'INSERT INTO org_policies (org_id, version, policy_text, created_by, created_at) VALUES ($1, 1, $2, $3, now())',
          [orgId, LOCKING, JSON.stringify({ type: 'system', id: 'test' })],
        ),
      );
    } finally {
      await runtime.close();
    }
  });
  afterAll(async () => pgDb?.close());

  it('restores the built-in policies as a new version, audited with actor system/cli', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'policy', 'reset', '--org', orgId, '--json'], {
      env,
      timeout: 120_000,
    });
    expect(JSON.parse(stdout)).toEqual({ org_id: orgId, version: 2 });

    const runtime = await open();
    try {
      const { services } = runtime;
      const current = await services.policies.inForce(orgId);
      expect(current).toMatchObject({ version: 2, text: '' });
      const actions: { action: string; actor: unknown }[] = [];
      for await (const record of services.audit.records(orgId))
        actions.push({ action: record.action, actor: record.actor });
      expect(actions).toContainEqual({ action: 'authz.policy.reset', actor: { type: 'system', id: 'cli' } });
      const owner: Principal = { kind: 'user', id: 'usr_owner', orgId, roles: ['owner'], attributes: {}, amr: ['hwk'] };
      await services.policies.ensureLoaded(orgId, true);
      expect(services.engine.decide(owner, 'manage:policies', { type: 'PolicySet', id: orgId, orgId }).decision).toBe(
        'allow',
      );
    } finally {
      await runtime.close();
    }
  });
});
