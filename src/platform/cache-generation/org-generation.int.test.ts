import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName, createTestDb, type TestDb } from '../../../test/support/test-db.js';
import type { Db } from '../db/index.js';
import { newId, type OrgId } from '../../lib/ids.js';
import { bumpOrgGeneration, GenerationCache, OrgGenerations, selectOrgGeneration } from './org-generation.js';

describe(`org cache generations (${backendName})`, () => {
  let t: TestDb;

  async function newOrg(): Promise<OrgId> {
    const orgId = newId('org');
    await t.db.withPlatform((sql) =>
      sql.query('INSERT INTO orgs (id, name, slug) VALUES ($1, $2, $3)', [orgId, 'Gen', `gen-${orgId.slice(-12)}`]),
    );
    return orgId;
  }

  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => t.close());

  it('starts at 0, rises by one per committed bump, and a rolled-back bump leaves it as it was', async () => {
    const orgId = await newOrg();
    const generations = new OrgGenerations(t.db);
    expect(await generations.read(orgId)).toBe(0);
    await t.db.withTenant(orgId, bumpOrgGeneration);
    await t.db.withTenant(orgId, bumpOrgGeneration);
    expect(await generations.read(orgId)).toBe(2);
    await expect(
      t.db.withTenant(orgId, async (sql) => {
        await bumpOrgGeneration(sql);
        throw new Error('the change fails');
      }),
    ).rejects.toThrow('the change fails');
    expect(await generations.read(orgId)).toBe(2);
  });

  it("bumps only the transaction's own org, and another org's generation is not readable from a tenant", async () => {
    const [a, b] = [await newOrg(), await newOrg()];
    await t.db.withTenant(a, bumpOrgGeneration);
    const generations = new OrgGenerations(t.db);
    expect(await generations.read(a)).toBe(1);
    expect(await generations.read(b)).toBe(0);
    // Row-level security: org B's transaction sees no row of org A.
    expect(await t.db.withTenant(b, (sql) => selectOrgGeneration(sql, a))).toBe(0);
  });

  // A bump by another writer (another node, an operator's shell): no commit notice reaches this node.
  const bumpElsewhere = (orgId: OrgId) =>
    t.superuser(
      `INSERT INTO org_generations (org_id, generation) VALUES ($1, 1)
       ON CONFLICT (org_id) DO UPDATE SET generation = org_generations.generation + 1`,
      [orgId],
    );
  // The database as a node sees it when it is (or is not) the only writer, without other writers' changes pushed to
  // it (those have their own suite: postgres-commit-feed.int.test.ts).
  const writing = (soleWriter: boolean): Db => ({
    kind: t.db.kind,
    soleWriter,
    withTenant: (orgId, fn) => t.db.withTenant(orgId, fn),
    withPlatform: (fn) => t.db.withPlatform(fn),
    onCommitted: (listener) => t.db.onCommitted((notice) => (notice.pushed ? undefined : listener(notice))),
    keyTenantContext: (signer) => t.db.keyTenantContext(signer),
    ping: () => t.db.ping(),
    close: () => t.db.close(),
  });

  it('shares a read only among callers who asked before it started, so none misses a change committed before it asked', async () => {
    const orgId = await newOrg();
    let release: () => void = () => undefined;
    let gate: Promise<void> = Promise.resolve();
    let reads = 0;
    let firstCommitted: () => void = () => undefined;
    const firstReadCommitted = new Promise<void>((resolve) => (firstCommitted = resolve));
    // The read's answer is held back after its transaction committed, so later callers arrive while it is in flight.
    const held = writing(false);
    held.withTenant = (org, fn) => {
      reads++;
      const waitFor = gate;
      return t.db.withTenant(org, fn).then(async (result) => {
        firstCommitted();
        await waitFor;
        return result;
      });
    };
    const generations = new OrgGenerations(held);
    gate = new Promise((resolve) => (release = resolve));
    const first = generations.read(orgId);
    // On PostgreSQL the read runs on its own connection: bump only once it has committed, or it may see the bump.
    await firstReadCommitted;
    await bumpElsewhere(orgId);
    gate = Promise.resolve();
    const later = [generations.read(orgId), generations.read(orgId), generations.read(orgId)];
    release();
    expect(await first).toBe(0);
    expect(await Promise.all(later)).toEqual([1, 1, 1]);
    expect(reads).toBe(2);
    expect(await generations.read(orgId)).toBe(1);
    expect(reads).toBe(3);
  });

  it('current() answers the highest generation seen, never an older one observed later', async () => {
    const orgId = await newOrg();
    const generations = new OrgGenerations(writing(false));
    expect(await generations.current(orgId)).toBe(0);
    await bumpElsewhere(orgId);
    // Not read again yet: current() is what this node last read.
    expect(await generations.current(orgId)).toBe(0);
    expect(await generations.read(orgId)).toBe(1);
    expect(generations.observe(orgId, 0)).toBe(1);
    expect(await generations.current(orgId)).toBe(1);
  });

  it('sees a bump this node commits at its commit, before any read; a rolled-back bump is never seen', async () => {
    const orgId = await newOrg();
    const generations = new OrgGenerations(writing(false));
    expect(await generations.read(orgId)).toBe(0);
    await t.db.withTenant(orgId, bumpOrgGeneration);
    expect(await generations.current(orgId)).toBe(1);
    await t.db
      .withTenant(orgId, async (sql) => {
        await bumpOrgGeneration(sql);
        throw new Error('the change fails');
      })
      .catch(() => undefined);
    expect(await generations.current(orgId)).toBe(1);
  });

  it('as the only writer, answers an org it has seen from memory, every committed bump included', async () => {
    const orgId = await newOrg();
    const db = writing(true);
    let reads = 0;
    const withTenant = db.withTenant.bind(db);
    db.withTenant = (org, fn) => {
      reads++;
      return withTenant(org, fn);
    };
    const generations = new OrgGenerations(db);
    expect(await generations.read(orgId)).toBe(0);
    await t.db.withTenant(orgId, bumpOrgGeneration);
    reads = 0;
    expect(await generations.read(orgId)).toBe(1);
    expect(await generations.read(orgId)).toBe(1);
    expect(reads).toBe(0);
  });

  // Attack: change something a node caches from another node (revoke a key there), then use it here at once.
  it('with other writers, reads the database every time, so their bumps count on the next request', async () => {
    const orgId = await newOrg();
    const generations = new OrgGenerations(writing(false));
    expect(await generations.read(orgId)).toBe(0);
    await bumpElsewhere(orgId);
    expect(await generations.read(orgId)).toBe(1);
  });
});

describe('GenerationCache', () => {
  it('answers an entry only under the generation it was loaded at, and never replaces a newer one', () => {
    const cache = new GenerationCache<string, { v: string }>(10);
    cache.set('k', 3, { v: 'three' });
    expect(cache.get('k', 3)).toEqual({ v: 'three' });
    expect(cache.get('k', 4)).toBeUndefined();
    expect(cache.get('k', 2)).toBeUndefined();
    cache.set('k', 2, { v: 'two' });
    expect(cache.get('k', 3)).toEqual({ v: 'three' });
    cache.set('k', 4, { v: 'four' });
    expect(cache.peek('k')).toEqual({ v: 'four' });
    cache.delete('k');
    expect(cache.peek('k')).toBeUndefined();
  });

  it('is bounded: the least recently used entry goes first', () => {
    const cache = new GenerationCache<string, { v: number }>(2);
    cache.set('a', 1, { v: 1 });
    cache.set('b', 1, { v: 2 });
    cache.get('a', 1);
    cache.set('c', 1, { v: 3 });
    expect(cache.peek('b')).toBeUndefined();
    expect(cache.peek('a')).toEqual({ v: 1 });
  });
});
