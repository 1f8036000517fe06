import { AppError } from '../../../lib/errors/index.js';
import type { TenantSql } from '../../../platform/db/index.js';
import type { MeterSubject } from '../ports.js';
import { addReserved, counterKey, lockCounters, type CounterHold } from './counters-repo.js';
import type { OrgPlan, SpendLimit } from './limits-repo.js';
import { periodStartDate } from './periods.js';
import { reservedMicros, type ModelPrice } from './pricing.js';
import { insertReservations, type NewReservation } from './usage-repo.js';

/** One call asking for a reservation. */
export interface ReservationRequest {
  subject: MeterSubject;
  requestId: string;
  tokens: number;
}

/** A call admitted by the rate windows, with what it asks the counters for. */
export type CounterCandidate = NewReservation;

/** Builds the reservations of a batch: what each call would hold on which counter, priced and sorted. */
export function candidateFor(
  request: ReservationRequest,
  plan: OrgPlan,
  limits: readonly SpendLimit[],
  price: ModelPrice,
  at: Date,
): CounterCandidate {
  const micros = reservedMicros(price, request.tokens);
  const holds = holdsFor(request.subject, plan, limits, at, request.tokens, micros);
  return { subject: request.subject, requestId: request.requestId, tokens: request.tokens, price, micros, holds };
}

function holdsFor(
  subject: MeterSubject,
  plan: OrgPlan,
  limits: readonly SpendLimit[],
  at: Date,
  tokens: number,
  micros: number,
): CounterHold[] {
  const holds: CounterHold[] = [];
  if (plan.monthlyTokens !== null)
    holds.push({
      counter: 'tokens:org:month',
      periodStart: periodStartDate('month', at),
      period: 'month',
      unit: 'tokens',
      amount: tokens,
      limit: plan.monthlyTokens,
      scope: 'org',
    });
  for (const limit of limits) {
    const base = {
      periodStart: periodStartDate(limit.period, at),
      period: limit.period,
      unit: 'micros' as const,
      amount: micros,
      limit: limit.limitMicros,
      scope: limit.subjectKind,
    };
    if (limit.subjectKind === 'org')
      holds.push({ ...base, counter: `spend:org:${limit.period}`, alertThresholds: limit.alertThresholds });
    else if (limit.subjectKind === 'key' && subject.apiKeyId === limit.subjectId)
      holds.push({ ...base, counter: `spend:key:${limit.subjectId}:${limit.period}`, seedApiKeyId: limit.subjectId });
    else if (limit.subjectKind === 'role' && subject.roles.includes(limit.subjectId))
      // A role cap bounds each principal acting with the role; every cap of every role held applies (the tightest wins).
      holds.push({
        ...base,
        counter: `spend:role:${limit.subjectId}:${subject.principalId}:${limit.period}`,
        seedPrincipalId: subject.principalId,
      });
  }
  return holds.sort(compareCounters);
}

/** The one order counters are locked in: by name (code units), then period. */
export function compareCounters(a: CounterHold, b: CounterHold): number {
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1;
  return a.periodStart < b.periodStart ? -1 : a.periodStart > b.periodStart ? 1 : 0;
}

/** The refusal of a call whose hold does not fit under its counter's limit. */
export function refusal(hold: CounterHold): AppError {
  if (hold.unit === 'tokens')
    return new AppError('gateway.quota_exceeded', {
      publicMessage: `the monthly token quota of ${hold.limit} tokens would be exceeded`,
      details: { limit: hold.limit, period: hold.period },
    });
  const whose =
    hold.scope === 'org'
      ? "the org's budget"
      : hold.scope === 'key'
        ? "the API key's spending cap"
        : "the role's spending cap";
  return new AppError('gateway.budget_exceeded', {
    publicMessage: `${whose} for this ${hold.period} would be exceeded`,
    details: { scope: hold.scope, period: hold.period, limit_micros: hold.limit },
  });
}

/**
 * Records the candidates' reservations and holds their amounts on the counters, in the caller's transaction; answers,
 * per candidate, null when it was reserved or the error that refuses it.
 * INVARIANT: the candidates are admitted in batch order against the counters as locked, each only if every one of its
 * holds fits (`used + reserved + amount <= limit`) after the ones admitted before it, so no batch, on any node, can
 * admit more than the limit leaves (the row locks serialise batches of every node).
 */
export async function reserveCandidates(
  sql: TenantSql,
  candidates: readonly CounterCandidate[],
  at: Date,
): Promise<(AppError | null)[]> {
  const outcomes: (AppError | null)[] = candidates.map(() => null);
  const state = await lockCounters(
    sql,
    candidates.flatMap((candidate) => candidate.holds),
  );
  const amounts = new Map<string, { hold: CounterHold; amount: number }>();
  const hold = (candidate: CounterCandidate, sign: 1 | -1) => {
    for (const h of candidate.holds) {
      const entry = amounts.get(counterKey(h)) ?? { hold: h, amount: 0 };
      entry.amount += sign * h.amount;
      amounts.set(counterKey(h), entry);
    }
  };
  const fitting = candidates.flatMap((candidate, index) => {
    const over = candidate.holds.find((h) => {
      const counter = state.get(counterKey(h));
      const pending = amounts.get(counterKey(h))?.amount ?? 0;
      return !counter || counter.used + counter.reserved + pending + h.amount > h.limit;
    });
    if (over) {
      outcomes[index] = refusal(over);
      return [];
    }
    hold(candidate, 1);
    return [{ candidate, index }];
  });
  const recorded = await insertReservations(
    sql,
    fitting.map(({ candidate }) => candidate),
    at,
  );
  const seen = new Set<string>();
  for (const { candidate, index } of fitting) {
    // A request id metered before, or twice in one batch (recorded once, held by its first call only), holds nothing.
    const first = !seen.has(candidate.requestId);
    seen.add(candidate.requestId);
    if (first && recorded.has(candidate.requestId)) continue;
    outcomes[index] = new AppError('gateway.duplicate_request', { details: { request_id: candidate.requestId } });
    hold(candidate, -1);
  }
  // The counters are raised last, by one statement for the whole batch.
  await addReserved(sql, amounts);
  return outcomes;
}
