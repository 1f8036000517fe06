import { isAppError } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import type { OrgService } from '../../tenancy/index.js';
import { selectSubscription } from './subscription-repo.js';
import { reportUsage, selectReport, type UsageReportDeps } from './usage-reports.js';

/** What one run of the usage-report job did. */
export interface UsageReportRunSummary {
  period: string;
  /** Orgs in billing whose last month was not reported yet. */
  due: number;
  reported: number;
  /** Left for the next run: the processor was unreachable. */
  deferred: number;
}

const REPORTER = { type: 'system' as const, id: 'billing_usage_reports' };

/** The month before the one `now` falls in, as `YYYY-MM` (UTC). */
export function previousMonth(now: Date): string {
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return `${month.getUTCFullYear()}-${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

/**
 * Reports last month's metered tokens of every org in billing (one that has a subscription, Free included) that
 * was not reported yet, through `reportUsage`, whose one identifier per org and month keeps a rerun, a manual
 * report or another node's run from counting anything twice. The jobs runner calls this periodically.
 */
export async function runDueUsageReports(
  deps: UsageReportDeps & { orgs: Pick<OrgService, 'allIds'> },
  now: Date,
): Promise<UsageReportRunSummary> {
  const period = previousMonth(now);
  const summary: UsageReportRunSummary = { period, due: 0, reported: 0, deferred: 0 };
  const due: OrgId[] = [];
  // The org list first: it opens its own transaction, and the embedded database has one connection.
  const orgIds = await deps.orgs.allIds();
  await deps.db.withPlatform(async (platform) => {
    for (const orgId of orgIds)
      if (
        await platform.inTenant(
          orgId,
          async (sql) => (await selectSubscription(sql)) !== null && (await selectReport(sql, period)) === null,
        )
      )
        due.push(orgId);
  });
  for (const orgId of due) {
    summary.due += 1;
    try {
      const { replayed } = await reportUsage(deps, orgId, (fn) => deps.db.withTenant(orgId, fn), REPORTER, period, {});
      if (!replayed) summary.reported += 1;
    } catch (error) {
      if (!isAppError(error, 'billing.processor_unavailable')) throw error;
      summary.deferred += 1;
    }
  }
  return summary;
}
