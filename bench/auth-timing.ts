// Timing of a rejected API key: a well-formed key with a wrong secret for a key id that exists, against one for a
// key id that does not. If the known id costs more, response times tell an attacker which key ids are real.
// Prints the median time of each and their ratio (known / unknown; 1.00 is level). PGlite by default,
// PostgreSQL when DATABASE_URL is set (a throwaway database is created and dropped).
// Run: npx tsx bench/auth-timing.ts
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { bulwarkKeyChecksum } from '../src/lib/bulwark-key-checksum.js';
import { actions, AuthenticationFailure } from '../src/modules/authz/index.js';
import { openRuntime } from '../src/main.js';
import { createLogger } from '../src/platform/logger/index.js';
import { backendName, createTestDb } from '../test/support/test-db.js';

const ROUNDS = 7;
const PER_ROUND = 400;

const forged = (idBody: string) => {
  const body = `bwk_test_${idBody}_${randomBytes(32).toString('base64url')}`;
  return `${body}${bulwarkKeyChecksum(body)}`;
};
const randomIdBody = () => Array.from(randomBytes(26), (b) => '0123456789abcdefghjkmnpqrstvwxyz'[b % 32]).join('');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bulwark-bench-'));
  const config = loadConfig({ env: { BULWARK_ENV: 'test', BULWARK_DATA_DIR: dataDir, BULWARK_LOG_LEVEL: 'silent' } });
  const testDb = await createTestDb();
  const runtime = await openRuntime(config, { db: testDb.db, logger: createLogger({ level: 'silent' }) });
  try {
    const { services } = runtime;
    const { token } = await services.db.withPlatform(async (platform) => {
      const { owner } = await services.orgs.createWithOwner(
        platform,
        { name: 'Bench', slug: 'bench', ownerEmail: 'owner@bench.example' },
        { actor: { type: 'system', id: null } },
      );
      return platform.inTenant(owner.orgId, (tenant) =>
        services.apiKeys.create(
          tenant,
          { kind: 'user', id: owner.userId, orgId: owner.orgId, roles: ['owner'], attributes: {}, amr: [] },
          { name: 'bench', role: 'owner', scopes: [...actions], cidrs: [], amr: [] },
        ),
      );
    });
    const knownBody = token.split('_')[2] ?? '';
    const attempt = async (presented: string): Promise<number> => {
      const start = process.hrtime.bigint();
      try {
        await services.apiKeys.authenticate(presented, '127.0.0.1');
        throw new Error('a forged key was accepted');
      } catch (error) {
        if (!(error instanceof AuthenticationFailure)) throw error;
      }
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    // Warm up both paths (query plans, JIT).
    for (let i = 0; i < 200; i++) {
      await attempt(forged(knownBody));
      await attempt(forged(randomIdBody()));
    }
    const ratios: number[] = [];
    const known: number[] = [];
    const unknown: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const k: number[] = [];
      const u: number[] = [];
      // Interleaved, so drift in the machine's load hits both alike.
      for (let i = 0; i < PER_ROUND; i++) {
        k.push(await attempt(forged(knownBody)));
        u.push(await attempt(forged(randomIdBody())));
      }
      known.push(median(k));
      unknown.push(median(u));
      ratios.push(median(k) / median(u));
    }
    process.stdout.write(
      [
        `auth timing on ${backendName} (${ROUNDS} rounds x ${PER_ROUND} interleaved attempts each)`,
        `  known key id, wrong secret:  median ${median(known).toFixed(3)} ms`,
        `  unknown key id:              median ${median(unknown).toFixed(3)} ms`,
        `  ratio known/unknown:         ${median(ratios).toFixed(2)} (rounds: ${ratios.map((r) => r.toFixed(2)).join(' ')})`,
        '',
      ].join('\n'),
    );
  } finally {
    await runtime.close();
    await testDb.close();
  }
}

await main();
