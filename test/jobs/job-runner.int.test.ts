import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner, type JobRunnerOptions } from '../../src/jobs/index.js';
import { ManualClock } from '../../src/lib/clock.js';
import { newId, type OrgId } from '../../src/lib/ids.js';
import { enqueueJob, type LeasedJob } from '../../src/platform/jobs/index.js';
import { backendName, createTestDb, type TestDb } from '../support/test-db.js';

describe(`job runner (${backendName})`, () => {
  let t: TestDb;
  const orgA = newId('org');
  const orgB = newId('org');
  const clock = new ManualClock('2026-03-01T00:00:00Z');

  const runner = (overrides: Partial<JobRunnerOptions> = {}) =>
    new JobRunner({
      db: t.db,
      clock,
      pollIntervalMs: 50,
      leaseMs: 30_000,
      batchSize: 8,
      retryBaseMs: 1_000,
      retryCapMs: 60_000,
      ...overrides,
    });

  const jobRow = async (orgId: OrgId, kind: string) =>
    (
      await t.superuser(
        'SELECT status, attempts, run_at, last_error FROM jobs WHERE org_id = $1 AND kind = $2 ORDER BY id',
        [orgId, kind],
      )
    )[0] as { status: string; attempts: number; run_at: Date; last_error: string | null };

  beforeAll(async () => {
    t = await createTestDb();
    await t.db.withPlatform(async (sql) => {
      for (const [id, slug] of [
        [orgA, 'jobs-a'],
        [orgB, 'jobs-b'],
      ] as const)
        await sql.query('INSERT INTO orgs (id, name, slug) VALUES ($1, $2, $3)', [id, slug, slug]);
    });
  });

  afterAll(async () => t.close());

  it('runs each of N jobs exactly once with two runners polling one database', async () => {
    const runs = new Map<string, number>();
    const handler = async (job: LeasedJob) => {
      await new Promise((resolve) => setImmediate(resolve));
      const n = String(job.payload.n);
      runs.set(n, (runs.get(n) ?? 0) + 1);
    };
    const n = 60;
    for (let i = 0; i < n; i += 1)
      await t.db.withTenant(i % 2 ? orgA : orgB, (sql) =>
        enqueueJob(sql, { kind: 'test.count', payload: { n: i } }, clock.now()),
      );
    const one = runner().register('test.count', handler);
    const two = runner().register('test.count', handler);
    await Promise.all([one.drain(), two.drain(), one.drain(), two.drain()]);
    expect(runs.size).toBe(n);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    const statuses = await t.superuser(
      `SELECT status, count(*)::int AS n FROM jobs WHERE kind = 'test.count' GROUP BY status`,
    );
    expect(statuses).toEqual([{ status: 'succeeded', n }]);
  });

  it('enqueues a job with the same dedupe key once', async () => {
    const enqueued = await t.db.withTenant(orgA, async (sql) => [
      await enqueueJob(sql, { kind: 'test.dedupe', payload: {}, dedupeKey: 'same' }, clock.now()),
      await enqueueJob(sql, { kind: 'test.dedupe', payload: {}, dedupeKey: 'same' }, clock.now()),
    ]);
    expect(enqueued).toEqual([true, false]);
    // Dedupe keys are per org.
    expect(
      await t.db.withTenant(orgB, (sql) =>
        enqueueJob(sql, { kind: 'test.dedupe', payload: {}, dedupeKey: 'same' }, clock.now()),
      ),
    ).toBe(true);
    let ran = 0;
    await runner()
      .register('test.dedupe', async () => {
        ran += 1;
      })
      .drain();
    expect(ran).toBe(2);
  });

  it('runs a job again after the lease of a runner that died mid-job expired, and refuses the dead runner its completion', async () => {
    await t.db.withTenant(orgA, (sql) => enqueueJob(sql, { kind: 'test.crash', payload: {} }, clock.now()));
    let releaseDead: () => void = () => undefined;
    let entered: () => void = () => undefined;
    const deadEntered = new Promise<void>((resolve) => (entered = resolve));
    const deadErrors: unknown[] = [];
    // The first node takes the job and never comes back (its process hangs or died).
    const dead = runner({ onError: (error) => deadErrors.push(error) }).register('test.crash', async () => {
      entered();
      await new Promise<void>((resolve) => (releaseDead = resolve));
    });
    const deadPass = dead.runDue();
    await deadEntered;
    let survivorRuns = 0;
    const survivor = runner().register('test.crash', async () => {
      survivorRuns += 1;
    });
    expect(await survivor.runDue()).toBe(0); // still leased
    clock.advance(30_001);
    expect(await survivor.runDue()).toBe(1);
    expect(survivorRuns).toBe(1);
    expect(await jobRow(orgA, 'test.crash')).toMatchObject({ status: 'succeeded', attempts: 2 });
    releaseDead();
    await deadPass;
    expect(String(deadErrors[0])).toMatch(/lease of job .* was lost/);
    expect(await jobRow(orgA, 'test.crash')).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('retries a failing job with growing backoff and jitter, then marks it dead after its last attempt', async () => {
    await t.db.withTenant(orgB, (sql) =>
      enqueueJob(sql, { kind: 'test.fail', payload: {}, maxAttempts: 3 }, clock.now()),
    );
    let tries = 0;
    const failing = runner().register('test.fail', async () => {
      tries += 1;
      throw new Error('receiver down');
    });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      expect(await failing.runDue()).toBe(1);
      expect(await failing.runDue()).toBe(0); // not due again before its backoff
      const row = await jobRow(orgB, 'test.fail');
      delays.push(new Date(row.run_at).getTime() - clock.now().getTime());
      clock.advance(delays.at(-1) ?? 0);
    }
    expect(tries).toBe(3);
    // Attempt k waits between half and all of base·2^(k-1).
    expect(delays[0]).toBeGreaterThanOrEqual(500);
    expect(delays[0]).toBeLessThanOrEqual(1_000);
    expect(delays[1]).toBeGreaterThanOrEqual(1_000);
    expect(delays[1]).toBeLessThanOrEqual(2_000);
    const row = await jobRow(orgB, 'test.fail');
    expect(row).toMatchObject({ status: 'dead', attempts: 3 });
    expect(row.last_error).toContain('receiver down');
    clock.advance(3_600_000);
    expect(await failing.runDue()).toBe(0);
  });

  it("keeps a tenant to its own org's jobs", async () => {
    const seen = await t.db.withTenant(orgA, async (sql) => {
      const { rows } = await sql.query<{ org_id: string }>('SELECT DISTINCT org_id FROM jobs');
      return rows.map((r) => r.org_id);
    });
    expect(seen).toEqual([orgA]);
    await expect(
      t.db.withTenant(orgA, (sql) =>
        sql.query(
          `INSERT INTO jobs (org_id, id, kind, payload, status, max_attempts, run_at, created_at, updated_at)
           VALUES ($1, $2, 'test.cross', '{}', 'queued', 1, now(), now(), now())`,
          [orgB, newId('job')],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
  });
  it('runs a sweep from the poll loop at most once per interval of the clock, and a failing sweep stops nothing', async () => {
    const seen: string[] = [];
    const errors: unknown[] = [];
    const loop = runner({ pollIntervalMs: 5, onError: (error) => errors.push(error) })
      .every('hourly', 60 * 60 * 1000, async (now) => void seen.push(now.toISOString()))
      .every('broken', 0, () => Promise.reject(new Error('sweep down')));
    loop.start();
    await expect.poll(() => errors.length).toBeGreaterThan(3);
    expect(seen).toEqual([clock.now().toISOString()]);
    clock.advance(60 * 60 * 1000);
    await expect.poll(() => seen.length).toBe(2);
    await loop.stop();
    const after = errors.length;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(errors.length).toBe(after);
  });
});
