import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backendName,
  createTestDb,
  postgresUrl,
  TEST_CACHE_PUSH_BOUND_MS,
  type TestDb,
} from '../../../test/support/test-db.js';
import { newId, type OrgId } from '../../lib/ids.js';
import { bumpOrgGeneration, OrgGenerations } from '../cache-generation/index.js';
import type { Db } from './db.js';
import { PostgresCommitFeed } from './postgres-commit-feed.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (await condition()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// A node's database as OrgGenerations sees it, counting the generation reads it makes.
function counting(db: Db): { db: Db; reads: () => number } {
  let reads = 0;
  const wrapped: Db = {
    kind: db.kind,
    soleWriter: db.soleWriter,
    get pushedCommits() {
      return db.pushedCommits;
    },
    withTenant: (orgId, fn) => {
      reads += 1;
      return db.withTenant(orgId, fn);
    },
    withPlatform: (fn) => db.withPlatform(fn),
    onCommitted: (listener) => db.onCommitted(listener),
    keyTenantContext: (signer) => db.keyTenantContext(signer),
    ping: () => db.ping(),
    close: () => db.close(),
  };
  return { db: wrapped, reads: () => reads };
}

describe(`other writers' changes pushed to a node (${backendName})`, () => {
  let t: TestDb;
  let elsewhere: Db | undefined;

  async function newOrg(): Promise<OrgId> {
    const orgId = newId('org');
    await t.db.withPlatform((sql) =>
      sql.query('INSERT INTO orgs (id, name, slug) VALUES ($1, $2, $3)', [orgId, 'Feed', `feed-${orgId.slice(-12)}`]),
    );
    return orgId;
  }

  beforeAll(async () => {
    t = await createTestDb();
    elsewhere = await t.openServingDb?.();
  });
  afterAll(async () => {
    await elsewhere?.close();
    await t.close();
  });

  if (!postgresUrl) {
    it('the embedded database is its only writer, so nothing is pushed and nothing needs to be', () => {
      expect(t.db.soleWriter).toBe(true);
      expect(t.db.pushedCommits).toBeUndefined();
    });
    return;
  }

  const other = (): Db => {
    if (!elsewhere) throw new Error('no second node');
    return elsewhere;
  };

  it("hears another node's bump and answers the org's generation from memory while the feed is fresh", async () => {
    const orgId = await newOrg();
    const node = counting(t.db);
    const generations = new OrgGenerations(node.db);
    await until(() => t.db.pushedCommits?.isFresh() === true, 'a fresh feed');
    expect(await generations.read(orgId)).toBe(0);
    await other().withTenant(orgId, bumpOrgGeneration);
    await until(async () => (await generations.current(orgId)) === 1, 'the pushed bump');
    const readsBefore = node.reads();
    for (let i = 0; i < 20; i += 1) expect(await generations.read(orgId)).toBe(1);
    expect(node.reads()).toBe(readsBefore);
  });

  it('a bump by an operator behind the application (owner SQL, no Bulwark code) is pushed as well', async () => {
    const orgId = await newOrg();
    const generations = new OrgGenerations(t.db);
    expect(await generations.read(orgId)).toBe(0);
    await t.superuser('INSERT INTO org_generations (org_id, generation) VALUES ($1, 7)', [orgId]);
    await until(async () => (await generations.current(orgId)) === 7, 'the pushed bump');
  });

  it('a change committed elsewhere holds on the first request after the bound, every time', async () => {
    const orgId = await newOrg();
    const generations = new OrgGenerations(t.db);
    await generations.read(orgId);
    for (let expected = 1; expected <= 5; expected += 1) {
      await other().withTenant(orgId, bumpOrgGeneration);
      await sleep(TEST_CACHE_PUSH_BOUND_MS + 50);
      expect(await generations.read(orgId)).toBe(expected);
    }
  });

  // Attack: cut the node's feed (kill its connection, as a network partition or a restarted database would), change
  // something elsewhere while no notification can reach the node, and keep using the node's memory of the org.
  it('a node cut off from its feed stops answering from memory within the bound and reads instead', async () => {
    const orgId = await newOrg();
    const node = counting(t.db);
    const generations = new OrgGenerations(node.db);
    await until(() => t.db.pushedCommits?.isFresh() === true, 'a fresh feed');
    expect(await generations.read(orgId)).toBe(0);
    const cutSubscription = t.db.pushedCommits?.subscription;
    await t.superuser(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'bulwark-feed' AND datname = current_database()",
    );
    await other().withTenant(orgId, bumpOrgGeneration);
    await sleep(TEST_CACHE_PUSH_BOUND_MS + 50);
    expect(await generations.read(orgId)).toBe(1);
    // Once the feed is back, under a new subscription, what the old one taught is not trusted.
    await until(() => t.db.pushedCommits?.isFresh() === true, 'the feed back');
    expect(t.db.pushedCommits?.subscription).not.toBe(cutSubscription);
    const readsBefore = node.reads();
    expect(await generations.read(orgId)).toBe(1);
    expect(node.reads()).toBe(readsBefore + 1);
    expect(await generations.read(orgId)).toBe(1);
    expect(node.reads()).toBe(readsBefore + 1);
  });

  it('a forged or malformed notice on the channel changes nothing it could lower', async () => {
    const orgId = await newOrg();
    const generations = new OrgGenerations(t.db);
    await other().withTenant(orgId, bumpOrgGeneration);
    await other().withTenant(orgId, bumpOrgGeneration);
    await sleep(TEST_CACHE_PUSH_BOUND_MS + 50);
    expect(await generations.read(orgId)).toBe(2);
    for (const payload of [`${orgId} 1`, `${orgId} -5`, `${orgId} 1e9`, 'not-an-org 9', `${orgId} 3 extra`])
      await t.superuser("SELECT pg_notify('bulwark_org_generation', $1)", [payload]);
    await sleep(TEST_CACHE_PUSH_BOUND_MS + 50);
    expect(await generations.read(orgId)).toBe(2);
  });

  // An operator must be able to tell a node that has silently fallen back to a read per request.
  it('a feed that cannot subscribe reports every attempt, counts them and never counts as fresh', async () => {
    const url = new URL(t.servingUrl ?? '');
    url.password = 'not-the-password';
    const trouble: number[] = [];
    const feed = await PostgresCommitFeed.start(url.toString(), {
      boundMs: TEST_CACHE_PUSH_BOUND_MS,
      tell: () => undefined,
      onTrouble: (_error, attempts) => trouble.push(attempts),
    });
    try {
      await until(() => trouble.length >= 2, 'a second failed attempt');
      expect(trouble.slice(0, 2)).toEqual([1, 2]);
      expect(feed.failedAttempts).toBeGreaterThanOrEqual(2);
      expect(feed.subscription).toBeUndefined();
      expect(feed.isFresh()).toBe(false);
    } finally {
      await feed.close();
    }
  });

  it('a feed that loses its subscription reports it, then subscribes again', async () => {
    const trouble: number[] = [];
    const feed = await PostgresCommitFeed.start(t.servingUrl ?? '', {
      boundMs: TEST_CACHE_PUSH_BOUND_MS,
      tell: () => undefined,
      onTrouble: (_error, attempts) => trouble.push(attempts),
    });
    try {
      await until(() => feed.isFresh(), 'a fresh feed');
      const first = feed.subscription;
      await t.superuser(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'bulwark-feed' AND datname = current_database()",
      );
      await until(() => trouble.length > 0, 'the loss reported');
      expect(trouble[0]).toBe(0);
      await until(() => feed.isFresh() && feed.subscription !== first, 'a new subscription');
      expect(feed.failedAttempts).toBe(0);
    } finally {
      await feed.close();
    }
  });
});
