import { randomBytes, randomInt } from 'node:crypto';
import { newId, type OrgId } from '../../lib/ids.js';
import type { PlatformSql, TenantSql } from '../db/index.js';

/** A job to enqueue: its kind (which handler runs it), its JSON payload and how often it may be tried. */
export interface NewJob {
  kind: string;
  payload: Record<string, unknown>;
  /** Enqueued once per org: a second enqueue with the same key is a no-op. */
  dedupeKey?: string;
  /** Tries before the job is `dead` (default 8). */
  maxAttempts?: number;
  /** When it may first run (default: now). */
  runAt?: Date;
}

/** A job leased to one runner until `leasedUntil`. */
export interface LeasedJob {
  orgId: OrgId;
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  /** This try's number, from 1. */
  attempt: number;
  maxAttempts: number;
  leaseToken: string;
  leasedUntil: Date;
}

const DEFAULT_MAX_ATTEMPTS = 8;

/**
 * Enqueues a job in the caller's tenant transaction, so it commits with the effect that asked for it. Answers
 * whether it was enqueued (false: a job with the same dedupe key already exists).
 */
export async function enqueueJob(sql: TenantSql, job: NewJob, now: Date): Promise<boolean> {
  const runAt = job.runAt ?? now;
  const { rowCount } = await sql.query(
    `INSERT INTO jobs (org_id, id, kind, dedupe_key, payload, status, max_attempts, run_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $8, $8)
     ON CONFLICT (org_id, dedupe_key) DO NOTHING`,
    [
      sql.orgId,
      newId('job', now.getTime()),
      job.kind,
      job.dedupeKey ?? null,
      JSON.stringify(job.payload),
      job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      runAt,
      now,
    ],
  );
  return rowCount === 1;
}

interface JobRow {
  org_id: OrgId;
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
  max_attempts: number;
  leased_until: Date;
}

/**
 * Leases up to `limit` due jobs of every org for `leaseMs`: queued jobs whose time has come, and running jobs whose
 * lease expired (their runner died). A job whose expired lease was its last try is `dead` instead.
 * INVARIANT: `FOR UPDATE SKIP LOCKED` lets several runners lease at once without waiting on or taking each other's
 * rows; the lease commits before any handler runs, so nothing is locked while a job runs (PGlite's one connection
 * never waits on itself).
 */
export async function leaseJobs(sql: PlatformSql, now: Date, leaseMs: number, limit: number): Promise<LeasedJob[]> {
  await sql.query(
    `UPDATE jobs SET status = 'dead', lease_token = NULL, leased_until = NULL, updated_at = $1,
            last_error = 'lease expired on its last attempt'
      WHERE status = 'running' AND leased_until <= $1 AND attempts >= max_attempts`,
    [now],
  );
  const leaseToken = randomBytes(16).toString('hex');
  const leasedUntil = new Date(now.getTime() + leaseMs);
  const { rows } = await sql.query<JobRow>(
    `UPDATE jobs j SET status = 'running', attempts = j.attempts + 1, lease_token = $2, leased_until = $3, updated_at = $1
       FROM (SELECT org_id, id FROM jobs
              WHERE (status = 'queued' AND run_at <= $1) OR (status = 'running' AND leased_until <= $1)
              ORDER BY run_at, id
              LIMIT $4
              FOR UPDATE SKIP LOCKED) due
      WHERE j.org_id = due.org_id AND j.id = due.id
      RETURNING j.org_id, j.id, j.kind, j.payload, j.attempts, j.max_attempts, j.leased_until`,
    [now, leaseToken, leasedUntil, limit],
  );
  return rows.map((row) => ({
    orgId: row.org_id,
    id: row.id,
    kind: row.kind,
    payload: row.payload,
    attempt: row.attempts,
    maxAttempts: row.max_attempts,
    leaseToken,
    leasedUntil: row.leased_until,
  }));
}

/** Marks a leased job done. False when the lease was lost (expired and taken by another runner). */
export async function completeJob(sql: PlatformSql, job: LeasedJob, now: Date): Promise<boolean> {
  const { rowCount } = await sql.query(
    `UPDATE jobs SET status = 'succeeded', lease_token = NULL, leased_until = NULL, last_error = NULL, updated_at = $4
      WHERE org_id = $1 AND id = $2 AND lease_token = $3 AND status = 'running'`,
    [job.orgId, job.id, job.leaseToken, now],
  );
  return rowCount === 1;
}

/** Exponential backoff with full jitter: a random delay up to base·2^(attempt-1), capped. */
export function retryDelayMs(attempt: number, baseMs: number, capMs: number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  // Half fixed, half random: never retries at once, and retries of many jobs spread out.
  return Math.floor(ceiling / 2) + randomInt(Math.max(1, Math.ceil(ceiling / 2)));
}

/**
 * Records a failed try: the job runs again after `delayMs`, or is `dead` after its last attempt. Answers the new
 * status, or null when the lease was lost.
 */
export async function failJob(
  sql: PlatformSql,
  job: LeasedJob,
  error: string,
  delayMs: number,
  now: Date,
): Promise<'queued' | 'dead' | null> {
  const status = job.attempt >= job.maxAttempts ? 'dead' : 'queued';
  const { rowCount } = await sql.query(
    `UPDATE jobs SET status = $4, run_at = $5, lease_token = NULL, leased_until = NULL, last_error = $6, updated_at = $7
      WHERE org_id = $1 AND id = $2 AND lease_token = $3 AND status = 'running'`,
    [job.orgId, job.id, job.leaseToken, status, new Date(now.getTime() + delayMs), error.slice(0, 1000), now],
  );
  return rowCount === 1 ? status : null;
}
