import type { TenantSql } from '../../platform/db/index.js';

/** What an org's audit chain holds for a period: counts and chain positions, never the events' contents. */
export interface ActivitySummary {
  events: number;
  /** Events per action (`authz.decision`, `gateway.request.completed`, …). */
  byAction: Record<string, number>;
  distinctActors: number;
  firstAt: string | null;
  lastAt: string | null;
  /** The chain positions the period spans, so a reviewer can verify exactly these events in an export. */
  firstSeq: number | null;
  lastSeq: number | null;
  lastHash: string | null;
}

/** The first event of one of `actions` in the org's chain (its id and time), or null. */
export async function firstEventOf(
  sql: TenantSql,
  actions: readonly string[],
): Promise<{ id: string; occurredAt: string; seq: number } | null> {
  const { rows } = await sql.query<{ id: string; occurred_at: Date; seq: string }>(
    `SELECT id, occurred_at, seq::text AS seq FROM audit_events WHERE org_id = $1 AND action = ANY($2::text[])
     ORDER BY seq LIMIT 1`,
    [sql.orgId, actions],
  );
  const row = rows[0];
  return row ? { id: row.id, occurredAt: row.occurred_at.toISOString(), seq: Number(row.seq) } : null;
}

/** Summarises the org's audit events in [from, to] (counts per action, actors, chain span), in the caller's transaction. */
export async function activitySummary(sql: TenantSql, from: Date, to: Date): Promise<ActivitySummary> {
  const { rows } = await sql.query<{ action: string; n: string }>(
    `SELECT action, count(*)::text AS n FROM audit_events
     WHERE org_id = $1 AND occurred_at BETWEEN $2 AND $3 GROUP BY action ORDER BY action LIMIT 500`,
    [sql.orgId, from, to],
  );
  const { rows: span } = await sql.query<{
    events: string;
    actors: string;
    first_at: Date | null;
    last_at: Date | null;
    first_seq: string | null;
    last_seq: string | null;
  }>(
    `SELECT count(*)::text AS events, count(DISTINCT actor)::text AS actors, min(occurred_at) AS first_at,
       max(occurred_at) AS last_at, min(seq)::text AS first_seq, max(seq)::text AS last_seq
     FROM audit_events WHERE org_id = $1 AND occurred_at BETWEEN $2 AND $3`,
    [sql.orgId, from, to],
  );
  const s = span[0];
  const lastSeq = s?.last_seq ? Number(s.last_seq) : null;
  const { rows: last } =
    lastSeq === null
      ? { rows: [] as { hash: string }[] }
      : await sql.query<{ hash: string }>('SELECT hash FROM audit_events WHERE org_id = $1 AND seq = $2', [
          sql.orgId,
          lastSeq,
        ]);
  return {
    events: Number(s?.events ?? 0),
    byAction: Object.fromEntries(rows.map((r) => [r.action, Number(r.n)])),
    distinctActors: Number(s?.actors ?? 0),
    firstAt: s?.first_at ? s.first_at.toISOString() : null,
    lastAt: s?.last_at ? s.last_at.toISOString() : null,
    firstSeq: s?.first_seq ? Number(s.first_seq) : null,
    lastSeq,
    lastHash: last[0]?.hash ?? null,
  };
}
