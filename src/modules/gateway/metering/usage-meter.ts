import { LRUCache } from 'lru-cache';
import type { Clock } from '../../../lib/clock.js';
import { AppError, isAppError } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import type { Db, TenantSql } from '../../../platform/db/index.js';
import type { AuditEventInput, AuditLog } from '../../audit/index.js';
import type { MeterSubject, UsageMeter, UsageReservation } from '../ports.js';
import { isSpendSpike, recordSpend, spendRate, type CostGuardRule } from './cost-guard.js';
import { settleOnCounter, type CounterHold } from './counters-repo.js';
import { GenerationCache, selectOrgGeneration } from '../../../platform/cache-generation/index.js';
import { readEntitlements } from '../../billing/index.js';
import { narrowToEntitlements } from './effective-plan.js';
import {
  readPlan,
  readSpendLimits,
  tripCostGuard,
  type CostGuardMode,
  type OrgPlan,
  type SpendLimit,
} from './limits-repo.js';
import { OrgBatches } from './org-batches.js';
import { costMicros, pricesOf, type ModelPrice } from './pricing.js';
import type { RateHold, RateWindows } from './rate-windows.js';
import {
  candidateFor,
  compareCounters,
  reserveCandidates,
  type CounterCandidate,
  type ReservationRequest,
} from './reservation-batch.js';
import {
  lockOpenUsage,
  lockOpenUsages,
  markReleased,
  markSettled,
  staleReservations,
  type UsageRow,
} from './usage-repo.js';

/** Dependencies of the database-backed meter. */
export interface DbUsageMeterDeps {
  db: Db;
  audit: AuditLog;
  clock: Clock;
  rates: RateWindows;
  costGuard: CostGuardRule;
  /** A reservation older than this is treated as abandoned (its node died) and released when a limit is reached. */
  staleReservationSeconds: number;
}

/** A reservation as this meter returns it: the port's fields plus what it holds outside the database. */
export interface MeteredReservation extends UsageReservation {
  readonly reservedMicros: number;
  readonly rateHold: RateHold;
  /** The cost-guard mode the reservation was admitted under (its settlement checks the spend rate unless `off`). */
  readonly costGuardMode: CostGuardMode;
}

/** A call asking for a reservation, with the audit events it carries to the reservation's commit. */
interface CarryingRequest extends ReservationRequest {
  carried: AuditEventInput[];
}

/** One call's settlement as it waits for its org's batch. */
interface Settlement {
  reservation: UsageReservation;
  inputTokens: number;
  outputTokens: number;
  events: readonly AuditEventInput[];
}

/** One call's share of a counter settled for a batch. */
interface SettledPart {
  hold: CounterHold;
  used: number;
  requestId: string;
}

/** What an org's admins wrote (plan row, budgets and caps), as the meter caches it under the org's generation. */
interface WrittenLimits {
  plan: OrgPlan;
  spendLimits: SpendLimit[];
}

/** Least time between two sweeps of one org's abandoned reservations. */
export const STALE_SWEEP_INTERVAL_MS = 5_000;

/** Largest token estimate one call may reserve. */
export const MAX_ESTIMATED_TOKENS = 10_000_000;

const SYSTEM_ACTOR = { type: 'system', id: 'gateway.meter' } as const;

/**
 * The usage meter: RPM/TPM in `RateWindows`, token quota, budget and caps as counters in the database, usage rows
 * idempotent by request id. INVARIANT: every reservation and release is one database transaction, and so is each
 * batch of settlements (a settlement is never split across transactions); a call's audit events are appended in
 * the transaction that reserves (or refuses), settles or releases it.
 */
export class DbUsageMeter implements UsageMeter {
  // Only what admins write is cached, never the counters: budgets stay authoritative in the database.
  readonly #written = new GenerationCache<OrgId, WrittenLimits>(10_000);
  readonly #lastSweep = new LRUCache<OrgId, number>({ max: 10_000 });
  readonly #reservations = new OrgBatches<CarryingRequest, MeteredReservation | AppError>((orgId, batch) =>
    this.#reserveBatch(orgId, batch),
  );
  readonly #settlements = new OrgBatches<Settlement, boolean>((orgId, batch) => this.#settleBatch(orgId, batch));

  constructor(private readonly deps: DbUsageMeterDeps) {}

  /**
   * Reserves quota and estimated cost for one call; throws a gateway code when the call may not proceed. The events in
   * `carried` are appended in the transaction that decides the call (it reserves or refuses by the limits) and taken
   * out of `carried` once it commits; when the meter cannot decide, they stay.
   */
  async reserve(
    subject: MeterSubject,
    requestId: string,
    estimatedTokens: number,
    carried: AuditEventInput[] = [],
  ): Promise<MeteredReservation> {
    if (!Number.isSafeInteger(estimatedTokens) || estimatedTokens < 0 || estimatedTokens > MAX_ESTIMATED_TOKENS)
      throw new AppError('http.bad_request', {
        publicMessage: `estimated tokens must be a whole number from 0 to ${MAX_ESTIMATED_TOKENS}`,
        details: { issues: [{ field: 'max_tokens', message: 'out of range' }] },
      });
    try {
      return await this.reserveOnce(subject, requestId, estimatedTokens, carried);
    } catch (error) {
      if (!isAppError(error, 'gateway.budget_exceeded') && !isAppError(error, 'gateway.quota_exceeded')) throw error;
      // A node that died mid-call leaves its reservation held; release abandoned ones and try once more.
      if (!this.#sweepDue(subject.orgId) || (await this.releaseStale(subject.orgId)) === 0) throw error;
      return this.reserveOnce(subject, requestId, estimatedTokens, carried);
    }
  }

  // SECURITY: every refused call of a spent budget would otherwise pay a sweep transaction of its own, so a flood of
  // them would multiply the database work; an org is swept at most once per `STALE_SWEEP_INTERVAL_MS`.
  #sweepDue(orgId: OrgId): boolean {
    const now = this.deps.clock.now().getTime();
    const last = this.#lastSweep.get(orgId);
    if (last !== undefined && now - last < STALE_SWEEP_INTERVAL_MS) return false;
    this.#lastSweep.set(orgId, now);
    return true;
  }

  private async reserveOnce(
    subject: MeterSubject,
    requestId: string,
    tokens: number,
    carried: AuditEventInput[],
  ): Promise<MeteredReservation> {
    let outcome: MeteredReservation | AppError;
    try {
      outcome = await this.#reservations.add(subject.orgId, { subject, requestId, tokens, carried });
    } catch (error) {
      if (error instanceof AppError) throw error;
      // SECURITY: the budget store could not answer, so the call does not proceed.
      throw new AppError('gateway.meter_unavailable', { cause: error });
    }
    if (outcome instanceof AppError) throw outcome;
    return outcome;
  }

  // INVARIANT: one transaction reserves the batch: the generation, written limits, entitlements and prices are read
  // once for all its calls, and the counters decide each call in batch order (`reserveCandidates`); the calls' carried
  // events are appended last (the chain's head locked after the counters, as settlements lock them). A refused call's
  // rate hold is given back after the commit; when the transaction fails, every hold taken for it is.
  async #reserveBatch(orgId: OrgId, batch: readonly CarryingRequest[]): Promise<(MeteredReservation | AppError)[]> {
    const at = this.deps.clock.now();
    const taken: RateHold[] = [];
    const candidates: { index: number; candidate: CounterCandidate; rateHold: RateHold }[] = [];
    let outcomes: (MeteredReservation | AppError)[];
    // How many of each call's carried events the transaction appended: those are taken out once it commits.
    let appended: number[] = [];
    const appendCarried = async (sql: TenantSql) => {
      appended = batch.map((request) => request.carried.length);
      await this.#appendEvents(
        sql,
        batch.flatMap((request) => request.carried),
      );
    };
    try {
      outcomes = await this.deps.db.withTenant(orgId, async (sql) => {
        // INVARIANT: read in the reservation's own transaction (the generation before the limits it validates), so a
        // change of limits, cost-guard state or subscription is enforced on the next call.
        const generation = await selectOrgGeneration(sql, orgId);
        const written = await this.#writtenLimits(sql, generation);
        const plan = narrowToEntitlements(written.plan, await readEntitlements(sql, this.deps.clock));
        if (plan.costGuardMode === 'block' && plan.costGuardTrippedAt) {
          const tripped = new AppError('gateway.cost_guard_tripped', {
            details: { tripped_at: plan.costGuardTrippedAt.toISOString() },
          });
          await appendCarried(sql);
          return batch.map(() => tripped);
        }
        const prices = await pricesOf(
          sql,
          batch.map((r) => r.subject.model),
        );
        const outcomes: (MeteredReservation | AppError)[] = [];
        const admit = async (request: ReservationRequest, index: number): Promise<void> => {
          const price = prices.get(request.subject.model);
          // SECURITY: an unpriced model fails closed; a budget must never be spent by calls it cannot price.
          if (!price) {
            outcomes[index] = new AppError('gateway.price_missing', { details: { model: request.subject.model } });
            return;
          }
          try {
            const rateHold = await this.deps.rates.admit(orgId, plan, request.tokens);
            taken.push(rateHold);
            candidates.push({
              index,
              candidate: candidateFor(request, plan, written.spendLimits, price, at),
              rateHold,
            });
          } catch (error) {
            if (!isAppError(error, 'gateway.rate_limited')) throw error;
            outcomes[index] = error;
          }
        };
        // Every admission ends before a failure is thrown, so each hold taken is in `taken` when it is given back.
        const admitted = await Promise.allSettled(batch.map(admit));
        const failed = admitted.find((result) => result.status === 'rejected');
        if (failed) throw failed.reason;
        // Counters decide in batch order, whatever order the rate windows answered in.
        candidates.sort((a, b) => a.index - b.index);
        const decided = await reserveCandidates(
          sql,
          candidates.map((c) => c.candidate),
          at,
        );
        for (const [i, { index, candidate, rateHold }] of candidates.entries())
          outcomes[index] = decided[i] ?? {
            requestId: candidate.requestId,
            subject: candidate.subject,
            reservedTokens: candidate.tokens,
            reservedMicros: candidate.micros,
            rateHold,
            costGuardMode: plan.costGuardMode,
          };
        await appendCarried(sql);
        return outcomes;
      });
    } catch (error) {
      await Promise.all(taken.map((hold) => this.deps.rates.giveBack(orgId, hold).catch(() => undefined)));
      throw error;
    }
    for (const [i, request] of batch.entries()) request.carried.splice(0, appended[i] ?? 0);
    const refused = candidates.filter(({ index }) => outcomes[index] instanceof AppError);
    await Promise.all(refused.map(({ rateHold }) => this.deps.rates.giveBack(orgId, rateHold).catch(() => undefined)));
    return outcomes;
  }

  /**
   * Replaces the reservation by the real cost; a second settle (or one after release) of the request changes nothing
   * but still records `events`. Settlements of one org are group-committed (`OrgBatches`): resolves once the batch
   * holding this one committed.
   */
  async settle(
    reservation: UsageReservation,
    usage: { inputTokens: number; outputTokens: number },
    events: readonly AuditEventInput[],
  ): Promise<void> {
    const inputTokens = Math.max(0, Math.floor(usage.inputTokens) || 0);
    const outputTokens = Math.max(0, Math.floor(usage.outputTokens) || 0);
    const settlement = { reservation, inputTokens, outputTokens, events };
    const settled = await this.#settlements.add(reservation.subject.orgId, settlement);
    const hold = (reservation as Partial<MeteredReservation>).rateHold;
    if (settled && hold)
      await this.deps.rates
        .correctTokens(reservation.subject.orgId, hold, inputTokens + outputTokens)
        .catch(() => undefined);
  }

  // INVARIANT: one transaction settles the batch. Locks are taken in the order single calls take them: each call's own
  // usage row, then the org's minute bucket, then each counter once for the whole batch, sorted as reservations sort
  // them, so a batch cannot deadlock with reservations, releases or another node's batch. The audit chain's head is
  // locked last (`appendEvents`) unless a trip of the cost guard takes it earlier (`checkCostGuard`).
  async #settleBatch(orgId: OrgId, batch: readonly Settlement[]): Promise<boolean[]> {
    return this.deps.db.withTenant(orgId, async (sql) => {
      const calls = batch.flatMap((s) => s.events);
      const at = this.deps.clock.now();
      const rows = await lockOpenUsages(
        sql,
        batch.map((s) => s.reservation.requestId),
      );
      const open: { settlement: Settlement; row: UsageRow; cost: number }[] = [];
      // A request id twice in one batch settles once: the first report counts.
      const settled = batch.map((settlement) => {
        const row = rows.get(settlement.reservation.requestId);
        rows.delete(settlement.reservation.requestId);
        if (!row) return false;
        const cost = costMicros(priceFromRow(row), settlement.inputTokens, settlement.outputTokens);
        open.push({ settlement, row, cost });
        return true;
      });
      await markSettled(
        sql,
        open.map(({ settlement, cost }) => ({
          requestId: settlement.reservation.requestId,
          inputTokens: settlement.inputTokens,
          outputTokens: settlement.outputTokens,
          cost,
        })),
        at,
      );
      const last = open.at(-1);
      if (!last) {
        await this.#appendEvents(sql, calls);
        return settled;
      }
      const total = open.reduce((sum, o) => sum + o.cost, 0);
      const modes = open.map((o) => (o.settlement.reservation as Partial<MeteredReservation>).costGuardMode);
      const guarded = modes.includes(undefined)
        ? (await readPlan(sql)).costGuardMode !== 'off'
        : modes.some((mode) => mode !== 'off');
      const tripped = guarded ? await this.checkCostGuard(sql, at, last.settlement.reservation.requestId, total) : null;
      // The org's rows that every settlement updates (its minute bucket and counters) come last, so their row locks
      // are held from here to the commit only.
      await recordSpend(sql, at, total);
      const counters = new Map<string, { hold: CounterHold; reserved: number; used: number; parts: SettledPart[] }>();
      for (const { settlement, row, cost } of open)
        for (const hold of row.holds) {
          const used = hold.unit === 'tokens' ? settlement.inputTokens + settlement.outputTokens : cost;
          const key = `${hold.counter}\u0000${hold.periodStart}`;
          const entry = counters.get(key) ?? { hold, reserved: 0, used: 0, parts: [] };
          entry.reserved += hold.amount;
          entry.used += used;
          entry.parts.push({ hold, used, requestId: settlement.reservation.requestId });
          counters.set(key, entry);
        }
      const events: AuditEventInput[] = [];
      for (const entry of [...counters.values()].sort((a, b) => compareCounters(a.hold, b.hold))) {
        const { counter, periodStart } = entry.hold;
        const change = await settleOnCounter(sql, { counter, periodStart, amount: entry.reserved }, entry.used);
        if (!change) continue;
        // Each call's share, in batch order, so every threshold is attributed to the call that crossed it.
        let running = change.after.used - entry.used;
        for (const part of entry.parts) {
          const before = running;
          running += part.used;
          if (part.hold.scope === 'org' && part.hold.unit === 'micros')
            events.push(...thresholdEvents(orgId, part.hold, before, running, part.requestId));
        }
      }
      if (tripped) events.push(tripped);
      await this.#appendEvents(sql, [...calls, ...events]);
      return settled;
    });
  }

  // SECURITY: a call's events commit with its settlement or neither does: a failed append rolls the batch back (and
  // `OrgBatches` retries each call alone), so no call is charged unrecorded or recorded uncharged.
  async #appendEvents(sql: TenantSql, events: readonly AuditEventInput[]): Promise<void> {
    if (events.length > 0) await this.deps.audit.append(sql, events);
  }

  /**
   * Gives the whole reservation back (the call failed before the provider answered); idempotent like settle, and
   * like settle records `events` in the same transaction.
   */
  async release(reservation: UsageReservation, events: readonly AuditEventInput[]): Promise<void> {
    const released = await this.deps.db.withTenant(reservation.subject.orgId, async (sql) => {
      const row = await lockOpenUsage(sql, reservation.requestId);
      if (row) {
        await markReleased(sql, reservation.requestId, this.deps.clock.now());
        for (const hold of row.holds) await settleOnCounter(sql, hold, 0);
      }
      await this.#appendEvents(sql, events);
      return row !== null;
    });
    const hold = (reservation as Partial<MeteredReservation>).rateHold;
    if (released && hold)
      await this.deps.rates
        .giveBack(reservation.subject.orgId, { rpm: false, tpmTokens: hold.tpmTokens })
        .catch(() => undefined);
  }

  /** Releases the org's reservations older than the stale bound; returns how many. */
  async releaseStale(orgId: OrgId): Promise<number> {
    const before = new Date(this.deps.clock.now().getTime() - this.deps.staleReservationSeconds * 1000);
    return this.deps.db.withTenant(orgId, async (sql) => {
      const stale = await staleReservations(sql, before);
      for (const row of stale) {
        for (const hold of row.holds) await settleOnCounter(sql, hold, 0);
        await markReleased(sql, row.requestId, this.deps.clock.now());
      }
      return stale.length;
    });
  }

  /** The org's written limits, from cache when loaded under `generation` (read earlier in the same transaction). */
  async #writtenLimits(sql: TenantSql, generation: number): Promise<WrittenLimits> {
    const cached = this.#written.get(sql.orgId, generation);
    if (cached) return cached;
    const written = { plan: await readPlan(sql), spendLimits: await readSpendLimits(sql) };
    this.#written.set(sql.orgId, generation, written);
    return written;
  }

  // Trips the cost guard on a spike; `tripCostGuard` re-checks the stored mode and state, so the mode the call was
  // admitted under only decides whether to look at the spend rate at all.
  // `unrecorded` is this settlement's cost, not yet in the minute bucket (recorded later, with the other hot rows).
  private async checkCostGuard(
    sql: TenantSql,
    at: Date,
    requestId: string,
    unrecorded: number,
  ): Promise<AuditEventInput | null> {
    const rule = this.deps.costGuard;
    const stored = await spendRate(sql, rule, at);
    const rate = { ...stored, windowMicros: stored.windowMicros + Math.max(0, unrecorded) };
    if (!isSpendSpike(rule, rate)) return null;
    // INVARIANT: the chain before the limits row, the order an admin's change of limits takes them in (its decision
    // is appended first), so a trip racing that change cannot deadlock with it.
    await this.deps.audit.lockChain(sql);
    const mode = await tripCostGuard(sql, at);
    if (mode === null) return null;
    return {
      orgId: sql.orgId,
      actor: SYSTEM_ACTOR,
      action: 'gateway.cost_guard.tripped',
      resource: { type: 'Org', id: sql.orgId },
      decision: mode === 'block' ? 'block' : 'info',
      reasonCodes: ['gateway.cost_guard_tripped'],
      requestId,
      details: {
        mode,
        window_micros: rate.windowMicros,
        baseline_micros_per_window: Math.round(rate.baselineMicrosPerWindow),
        factor: rule.factor,
        floor_micros: rule.floorMicros,
        window_seconds: rule.windowSeconds,
      },
    };
  }
}

function priceFromRow(row: UsageRow): ModelPrice {
  return { model: row.model, inputMicrosPerMTok: row.inputMicrosPerMTok, outputMicrosPerMTok: row.outputMicrosPerMTok };
}

/** Audit events for each alert threshold of the org budget that this settlement crossed (each fires once per period). */
function thresholdEvents(
  orgId: OrgId,
  hold: CounterHold,
  before: number,
  after: number,
  requestId: string,
): AuditEventInput[] {
  return (hold.alertThresholds ?? [])
    .filter((percent) => {
      const mark = Math.ceil((hold.limit * percent) / 100);
      return before < mark && after >= mark;
    })
    .map((percent) => ({
      orgId,
      actor: SYSTEM_ACTOR,
      action: 'gateway.budget.threshold_crossed',
      resource: { type: 'Org', id: orgId },
      decision: 'info' as const,
      reasonCodes: percent >= 100 ? ['gateway.budget_exceeded'] : [],
      requestId,
      details: {
        threshold_percent: percent,
        limit_micros: hold.limit,
        spent_micros: after,
        period: hold.period,
        period_start: hold.periodStart,
      },
    }));
}
