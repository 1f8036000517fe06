import type { Clock } from '../../../lib/clock.js';
import { AppError } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import type { Db, PlatformSql, TenantSql } from '../../../platform/db/index.js';
import type { AuditActor, AuditLog } from '../../audit/index.js';
import { isRole, type AuthzEngine, type Principal } from '../../authz/index.js';
import { readCounters, type CounterState } from './counters-repo.js';
import {
  planVersion,
  readPlan,
  readSpendLimits,
  resetCostGuard,
  writeLimits,
  type CostGuardMode,
  type OrgPlan,
  type SpendLimit,
} from './limits-repo.js';
import { periodStartDate } from './periods.js';
import { listPrices, upsertPrice, type ModelPrice } from './pricing.js';
import { settledTokens, usageTotals, type UsageGroup, type UsageTotal } from './usage-repo.js';

/** Dependencies of the usage use cases. */
export interface GatewayUsageServiceDeps {
  db: Db;
  audit: AuditLog;
  clock: Clock;
  platformOrgId: OrgId;
  /** Decides whether a principal may raise spend limits (`bill:payments`); without it only system callers may. */
  engine?: Pick<AuthzEngine, 'decide'>;
}

/** Who changed something, for the audit event. */
export interface ChangeContext {
  actor: AuditActor;
  requestId: string;
  /** The principal making the change through the API; absent only for Bulwark's own (system) callers. */
  principal?: Principal;
}

/** A plan, budget and caps as an administrator writes them (replacing the previous ones). */
export interface LimitsInput {
  monthlyTokens: number | null;
  rpm: number | null;
  tpm: number | null;
  costGuardMode: CostGuardMode;
  limits: SpendLimit[];
}

/** A spend limit with what its counter holds in the current period (org and key limits). */
export interface SpendLimitStatus extends SpendLimit {
  periodStart: string;
  current: CounterState | null;
}

/** The org's limits as read back. */
export interface LimitsView {
  plan: OrgPlan;
  tokensThisMonth: CounterState | null;
  limits: SpendLimitStatus[];
}

const MAX_LIMITS = 200;
const KEY_ID = /^key_[0-9a-hjkmnp-tv-z]{26}$/;

function badField(field: string, message: string): AppError {
  return new AppError('http.bad_request', {
    publicMessage: `${field}: ${message}`,
    details: { issues: [{ field, message }] },
  });
}

// SECURITY: the use case checks its own input (the route's schema is not the only caller).
function checkLimits(input: LimitsInput): void {
  if (input.limits.length > MAX_LIMITS) throw badField('body.caps', `at most ${MAX_LIMITS} limits`);
  const seen = new Set<string>();
  input.limits.forEach((limit, i) => {
    const at = limit.subjectKind === 'org' ? 'body.budget' : `body.caps[${i}]`;
    if (limit.subjectKind === 'role' && !isRole(limit.subjectId)) throw badField(`${at}.id`, 'not a role');
    if (limit.subjectKind === 'key' && !KEY_ID.test(limit.subjectId)) throw badField(`${at}.id`, 'not an API key id');
    if (limit.subjectKind === 'org' && limit.subjectId !== '') throw badField(`${at}.id`, 'must be empty');
    if (!Number.isSafeInteger(limit.limitMicros) || limit.limitMicros < 0)
      throw badField(`${at}.limit_micros`, 'a whole number of micro-units, 0 or more');
    if (limit.subjectKind !== 'org' && limit.alertThresholds.length > 0)
      throw badField(`${at}.alert_thresholds`, 'alert thresholds apply to the org budget only');
    if (limit.alertThresholds.some((t) => !Number.isInteger(t) || t < 1 || t > 100))
      throw badField(`${at}.alert_thresholds`, 'whole percentages from 1 to 100');
    const key = `${limit.subjectKind}:${limit.subjectId}:${limit.period}`;
    if (seen.has(key))
      throw badField(at, `duplicate limit for ${limit.subjectKind} ${limit.subjectId} per ${limit.period}`);
    seen.add(key);
  });
}

/** The budgets and caps `next` raises or removes compared with `current` (a removed limit is no limit at all). */
export function raisedLimits(current: readonly SpendLimit[], next: readonly SpendLimit[]): SpendLimit[] {
  const key = (l: SpendLimit) => `${l.subjectKind}:${l.subjectId}:${l.period}`;
  const proposed = new Map(next.map((l) => [key(l), l]));
  return current.filter((l) => {
    const replacement = proposed.get(key(l));
    return replacement === undefined || replacement.limitMicros > l.limitMicros;
  });
}

/** Usage reports, plan and budget management, the cost-guard reset and the price table. */
export class GatewayUsageService {
  constructor(private readonly deps: GatewayUsageServiceDeps) {}

  /** Settled usage totals of the org over [from, to), grouped, one page. */
  report(
    orgId: OrgId,
    q: { from: Date; to: Date; groupBy: UsageGroup; limit: number; after?: string },
  ): Promise<UsageTotal[]> {
    if (!(q.from < q.to)) throw badField('query.from', 'must be before `to`');
    return this.deps.db.withTenant(orgId, (sql) => usageTotals(sql, q));
  }

  /** Tokens (input + output) of the org's settled calls over [from, to): what metered billing reports. */
  meteredTokens(orgId: OrgId, from: Date, to: Date): Promise<number> {
    return this.deps.db.withTenant(orgId, (sql) => settledTokens(sql, from, to));
  }

  /** The org's plan, budgets and caps with what the current period has used. */
  limits(orgId: OrgId): Promise<LimitsView> {
    return this.deps.db.withTenant(orgId, (sql) => this.view(sql));
  }

  private async view(sql: TenantSql): Promise<LimitsView> {
    const at = this.deps.clock.now();
    const plan = await readPlan(sql);
    const limits = await readSpendLimits(sql);
    const keys = limits.map((l) => ({
      counter: l.subjectKind === 'org' ? `spend:org:${l.period}` : `spend:${l.subjectKind}:${l.subjectId}:${l.period}`,
      periodStart: periodStartDate(l.period, at),
    }));
    const tokenKey = { counter: 'tokens:org:month', periodStart: periodStartDate('month', at) };
    const counters = await readCounters(sql, [...keys, tokenKey]);
    return {
      plan,
      tokensThisMonth: counters.get(`${tokenKey.counter}@${tokenKey.periodStart}`) ?? null,
      limits: limits.map((l, i) => {
        const key = keys[i] as { counter: string; periodStart: string };
        // Role caps are counted per principal, so there is no single figure to show for them.
        const current = l.subjectKind === 'role' ? null : (counters.get(`${key.counter}@${key.periodStart}`) ?? null);
        return { ...l, periodStart: key.periodStart, current };
      }),
    };
  }

  /** Replaces the org's plan, budget and caps (If-Match: `expectedVersion`), audited in the same transaction. */
  async updateLimits(
    sql: TenantSql,
    input: LimitsInput,
    expectedVersion: number,
    ctx: ChangeContext,
  ): Promise<LimitsView> {
    checkLimits(input);
    await this.assertMayRaise(sql, await readSpendLimits(sql), input.limits, ctx);
    const current = await planVersion(sql);
    if (current !== expectedVersion)
      throw new AppError('http.precondition_failed', {
        publicMessage: `the limits changed (now version ${current}); read them again`,
        details: { current_version: current },
      });
    const version = await writeLimits(
      sql,
      { monthlyTokens: input.monthlyTokens, rpm: input.rpm, tpm: input.tpm, costGuardMode: input.costGuardMode },
      input.limits,
    );
    await this.deps.audit.append(sql, [
      {
        orgId: sql.orgId,
        actor: ctx.actor,
        action: 'gateway.limits.updated',
        resource: { type: 'Org', id: sql.orgId },
        decision: 'allow',
        requestId: ctx.requestId,
        details: {
          version,
          monthly_tokens: input.monthlyTokens,
          rpm: input.rpm,
          tpm: input.tpm,
          cost_guard_mode: input.costGuardMode,
          limits: input.limits.map((l) => ({
            subject: l.subjectKind,
            id: l.subjectId,
            period: l.period,
            limit_micros: l.limitMicros,
            alert_thresholds: l.alertThresholds,
          })),
        },
      },
    ]);
    return this.view(sql);
  }

  // SECURITY: raising or removing a budget or cap lets more money be spent, so it needs `bill:payments` (finance,
  // owner) on top of the route's `manage:org`: an admin or a developer cannot spend past a cap finance set. The use
  // case checks it itself; only Bulwark's own system callers come without a principal.
  private async assertMayRaise(
    sql: TenantSql,
    current: readonly SpendLimit[],
    next: readonly SpendLimit[],
    ctx: ChangeContext,
  ): Promise<void> {
    const raised = raisedLimits(current, next);
    if (raised.length === 0) return;
    const allowed = ctx.principal
      ? this.deps.engine?.decide(ctx.principal, 'bill:payments', { type: 'Org', id: sql.orgId, orgId: sql.orgId })
          .decision === 'allow'
      : ctx.actor.type === 'system';
    if (!allowed)
      throw new AppError('billing.cap_raise_forbidden', {
        details: { raised: raised.map((l) => ({ subject: l.subjectKind, id: l.subjectId, period: l.period })) },
      });
  }

  /** Clears a tripped cost guard so model calls proceed again; 409 when it had not tripped. */
  async resetCostGuard(sql: TenantSql, ctx: ChangeContext): Promise<{ trippedAt: Date }> {
    const trippedAt = await resetCostGuard(sql);
    if (!trippedAt) throw new AppError('db.conflict', { publicMessage: 'the cost guard has not tripped' });
    await this.deps.audit.append(sql, [
      {
        orgId: sql.orgId,
        actor: ctx.actor,
        action: 'gateway.cost_guard.reset',
        resource: { type: 'Org', id: sql.orgId },
        decision: 'allow',
        reasonCodes: ['gateway.cost_guard_tripped'],
        requestId: ctx.requestId,
        details: { tripped_at: trippedAt.toISOString() },
      },
    ]);
    return { trippedAt };
  }

  /** The price table. */
  prices(): Promise<ModelPrice[]> {
    return this.deps.db.withPlatform((sql) => listPrices(sql));
  }

  /** Sets one model's price (platform scope), audited in the platform org's chain in the same transaction. */
  async setPrice(platform: PlatformSql, price: ModelPrice, ctx: ChangeContext): Promise<ModelPrice> {
    if (!/^[\x21-\x7e]{1,200}$/.test(price.model)) throw badField('body.model', '1 to 200 printable ASCII characters');
    for (const [field, value] of [
      ['body.input_micros_per_mtok', price.inputMicrosPerMTok],
      ['body.output_micros_per_mtok', price.outputMicrosPerMTok],
    ] as const)
      if (!Number.isSafeInteger(value) || value < 0) throw badField(field, 'a whole number of micro-units, 0 or more');
    const previous = await upsertPrice(platform, price);
    await platform.inTenant(this.deps.platformOrgId, (sql) =>
      this.deps.audit.append(sql, [
        {
          orgId: this.deps.platformOrgId,
          actor: ctx.actor,
          action: 'gateway.price.updated',
          resource: { type: 'ModelPrice', id: price.model },
          decision: 'allow',
          requestId: ctx.requestId,
          details: {
            input_micros_per_mtok: price.inputMicrosPerMTok,
            output_micros_per_mtok: price.outputMicrosPerMTok,
            previous: previous
              ? {
                  input_micros_per_mtok: previous.inputMicrosPerMTok,
                  output_micros_per_mtok: previous.outputMicrosPerMTok,
                }
              : null,
          },
        },
      ]),
    );
    return price;
  }
}
