import type { Clock } from '../../../lib/clock.js';
import { AppError } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import type { Db, TenantSql } from '../../../platform/db/index.js';
import type { AuditActor, AuditLog } from '../../audit/index.js';
import type { RequestFacts, TenantScope } from '../payments/billing-service.js';
import { ProcessorUnavailable, type PaymentProcessor } from '../ports.js';

/** Where metered billing reads an org's usage (the composition root wires it to the gateway's meter). */
export interface MeteredUsageSource {
  /** Tokens (input + output) of the org's settled calls over [from, to). */
  meteredTokens(orgId: OrgId, from: Date, to: Date): Promise<number>;
}

/** Dependencies of usage reporting. */
export interface UsageReportDeps {
  db: Db;
  audit: AuditLog;
  clock: Clock;
  processor: PaymentProcessor;
  usage: MeteredUsageSource;
  customerOf(sql: TenantSql): Promise<string>;
}

/** One period's report as stored. */
export interface UsageReportView {
  period: string;
  eventId: string;
  tokens: number;
  reportedAt: Date;
}

// The processor's meter the gateway's tokens are reported to.
const TOKEN_METER_EVENT = 'bulwark_tokens';

const REPORT_WINDOW_MS = 35 * 86_400_000 - 60_000;

const PERIOD = /^([0-9]{4})-(0[1-9]|1[0-2])$/;

function periodBounds(period: string): { from: Date; to: Date } {
  const match = PERIOD.exec(period);
  if (!match)
    throw new AppError('http.bad_request', {
      publicMessage: 'body.period: a month as YYYY-MM',
      details: { issues: [{ field: 'body.period', message: 'a month as YYYY-MM' }] },
    });
  const year = Number(match[1]);
  const month = Number(match[2]) - 1;
  return { from: new Date(Date.UTC(year, month, 1)), to: new Date(Date.UTC(year, month + 1, 1)) };
}

interface ReportRow {
  period: string;
  event_id: string;
  tokens: string | number;
  reported_at: Date;
}

const toView = (row: ReportRow): UsageReportView => ({
  period: row.period,
  eventId: row.event_id,
  tokens: Number(row.tokens),
  reportedAt: row.reported_at,
});

/** The stored report of a period, if any. */
export async function selectReport(sql: TenantSql, period: string): Promise<ReportRow | null> {
  const { rows } = await sql.query<ReportRow>(
    'SELECT period, event_id, tokens, reported_at FROM billing_usage_reports WHERE org_id = $1 AND period = $2',
    [sql.orgId, period],
  );
  return rows[0] ?? null;
}

/**
 * Reports one closed month of the org's metered tokens to the processor as a meter event whose identifier is
 * `usage-<org>-<period>`, then records the report and its audit event (`billing.usage.reported`) together. A period
 * reported before is answered from its record without asking the processor again.
 * INVARIANT: one identifier per org and period, so a retry, a crash between the processor's answer and the record,
 * or two concurrent reports all leave the processor holding one event: it refuses the identifier a second time.
 */
export async function reportUsage(
  deps: UsageReportDeps,
  orgId: OrgId,
  finalize: TenantScope,
  actor: AuditActor,
  period: string,
  facts: RequestFacts,
): Promise<{ report: UsageReportView; replayed: boolean }> {
  const { from, to } = periodBounds(period);
  // Only a closed month: its total no longer grows, so the one event the processor keeps is the whole month.
  if (to > deps.clock.now())
    throw new AppError('http.bad_request', {
      publicMessage: 'body.period: only a month that has ended can be reported',
      details: { issues: [{ field: 'body.period', message: 'the month has not ended' }] },
    });
  const stored = await deps.db.withTenant(orgId, (sql) => selectReport(sql, period));
  if (stored) {
    await finalize(async () => undefined);
    return { report: toView(stored), replayed: true };
  }
  // The processor takes meter events up to 35 days old (Stripe's limit).
  if (deps.clock.now().getTime() - to.getTime() > REPORT_WINDOW_MS)
    throw new AppError('http.bad_request', {
      publicMessage: 'body.period: the processor takes usage only up to 35 days after the month ended',
      details: { issues: [{ field: 'body.period', message: 'ended more than 35 days ago' }] },
    });
  const tokens = await deps.usage.meteredTokens(orgId, from, to);
  const eventId = `usage-${orgId}-${period}`;
  const customerId = await deps.db.withTenant(orgId, (sql) => deps.customerOf(sql));
  let duplicate: boolean;
  try {
    ({ duplicate } = await deps.processor.reportUsage({
      customerId,
      eventName: TOKEN_METER_EVENT,
      value: tokens,
      timestamp: new Date(to.getTime() - 1000),
      identifier: eventId,
    }));
  } catch (error) {
    throw error instanceof ProcessorUnavailable
      ? new AppError('billing.processor_unavailable', { cause: error })
      : error;
  }
  const report = await finalize(async (sql) => {
    const now = deps.clock.now();
    const inserted = await sql.query<ReportRow>(
      `INSERT INTO billing_usage_reports (org_id, period, event_id, tokens, reported_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING RETURNING period, event_id, tokens, reported_at`,
      [sql.orgId, period, eventId, tokens, now],
    );
    const row = inserted.rows[0];
    // A concurrent report of the period recorded it first; its record is the answer.
    if (!row) {
      const winner = await selectReport(sql, period);
      if (!winner) throw new AppError('billing.processor_unavailable');
      return toView(winner);
    }
    await deps.audit.append(sql, [
      {
        orgId: sql.orgId,
        actor,
        action: 'billing.usage.reported',
        resource: { type: 'Org', id: sql.orgId },
        decision: 'charge',
        ...facts,
        details: { period, event_id: eventId, tokens, processor_duplicate: duplicate },
      },
    ]);
    return toView(row);
  });
  return { report, replayed: false };
}
