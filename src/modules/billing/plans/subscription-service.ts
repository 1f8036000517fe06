import type { Clock } from '../../../lib/clock.js';
import { AppError } from '../../../lib/errors/index.js';
import { isId, newId, type OrgId } from '../../../lib/ids.js';
import { bumpOrgGeneration } from '../../../platform/cache-generation/index.js';
import type { Db, TenantSql } from '../../../platform/db/index.js';
import type { FieldCipher, FieldRef } from '../../../platform/vault/index.js';
import type { AuditActor, AuditDecision, AuditLog } from '../../audit/index.js';
import {
  cardRef,
  type BillingService,
  type PaymentView,
  type RequestFacts,
  type TenantScope,
} from '../payments/billing-service.js';
import { internalPaymentKey } from '../payments/internal-payment-key.js';
import { insertCard, selectCard } from '../payments/repo.js';
import { ProcessorUnavailable, type CardSummary, type PaymentProcessor, type ProcessorEvent } from '../ports.js';
import { planOf, type Entitlements, type PlanCode } from './catalogue.js';
import { entitles, entitlementsFor } from './entitlements.js';
import { quotePlanChange, type PlanChangeQuote } from './plan-charges.js';
import { appendSubscriptionEvent } from './subscription-event.js';
import {
  claimSubscriptionRequest,
  completeSubscriptionRequest,
  reclaimSubscriptionRequest,
  releaseSubscriptionRequest,
  selectSubscription,
  selectSubscriptionRequest,
  upsertSubscription,
  type SubscriptionRow,
  type SubscriptionStatus,
} from './subscription-repo.js';

/** Dependencies of the plan use cases. */
export interface PlanServiceDeps {
  db: Db;
  cipher: FieldCipher;
  audit: AuditLog;
  clock: Clock;
  processor: PaymentProcessor;
  /** The payment use case a plan change charges through. */
  payments: Pick<BillingService, 'pay'>;
  /** The org's processor customer, created on first use. */
  customerOf(sql: TenantSql): Promise<string>;
}

/** The org's subscription as the API shows it, with what it entitles to now. */
export interface SubscriptionView {
  /** Null (and plan, status, entitlements too) while the org never started a trial or subscription. */
  id: string | null;
  plan: PlanCode | null;
  status: SubscriptionStatus | null;
  trialEndsAt: Date | null;
  paymentMethodId: string | null;
  /** Where the customer completes the card check (3-D Secure) while the status is `incomplete`. */
  actionUrl: string | null;
  declineCode: string | null;
  /** The period the active plan is paid up to (null on Free and in a trial). */
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  /** The plan a change waits on its payment's 3-D Secure for, and that payment (`actionUrl` says where). */
  pendingPlan: PlanCode | null;
  pendingPaymentId: string | null;
  version: number;
  /** What the gateway enforces besides the org's written limits; null when the org is not on a billing plan. */
  entitlements: Entitlements | null;
}

const setupIntentRef = (orgId: string): FieldRef => ({
  table: 'billing_subscriptions',
  column: 'setup_intent_ciphertext',
  rowId: orgId,
});

const PROCESSOR = { type: 'system' as const, id: 'payment_processor' };
const DAY_MS = 86_400_000;
// How long a pending subscription change keeps a retry out (409) before the retry may take it over.
const CLAIM_LEASE_MS = 60_000;

async function view(sql: TenantSql, row: SubscriptionRow | null, now: Date): Promise<SubscriptionView> {
  if (!row)
    return {
      id: null,
      plan: null,
      status: null,
      trialEndsAt: null,
      paymentMethodId: null,
      actionUrl: null,
      declineCode: null,
      currentPeriodStart: null,
      currentPeriodEnd: null,
      pendingPlan: null,
      pendingPaymentId: null,
      version: 0,
      entitlements: null,
    };
  return {
    id: row.id,
    plan: row.plan,
    status: row.status,
    trialEndsAt: row.trial_ends_at,
    paymentMethodId: row.payment_method_id,
    actionUrl: row.action_url,
    declineCode: row.decline_code,
    currentPeriodStart: row.current_period_start,
    currentPeriodEnd: row.current_period_end,
    pendingPlan: row.pending_plan,
    pendingPaymentId: row.pending_payment_id,
    version: row.version,
    entitlements: await entitlementsFor(sql, row, now),
  };
}

/** The payment a plan change made, as its answer shows it. */
export interface PlanCharge {
  paymentId: string;
  status: PaymentView['status'];
  amount: number;
  currency: string;
  declineCode: string | null;
  actionUrl: string | null;
}

/** A plan change's answer: the subscription after it, and the charge it made (null when it cost nothing). */
export interface SubscriptionChange {
  subscription: SubscriptionView;
  charge: PlanCharge | null;
}

function chargeOf(payment: PaymentView): PlanCharge {
  return {
    paymentId: payment.id,
    status: payment.status,
    amount: payment.amount,
    currency: payment.currency,
    declineCode: payment.declineCode,
    actionUrl: payment.actionUrl,
  };
}

// A new subscription on Free: an org entering billing with a change still to be paid, or the base of a new trial.
function freeSubscription(id: string): Omit<SubscriptionRow, 'version' | 'created_at' | 'updated_at'> {
  return {
    id,
    plan: 'free',
    status: 'active',
    trial_ends_at: null,
    payment_method_id: null,
    setup_intent_ciphertext: null,
    action_url: null,
    decline_code: null,
    current_period_start: null,
    current_period_end: null,
    pending_plan: null,
    pending_payment_id: null,
  };
}

function keep(row: SubscriptionRow): Omit<SubscriptionRow, 'version' | 'created_at' | 'updated_at'> {
  const { version: _v, created_at: _c, updated_at: _u, ...rest } = row;
  return rest;
}

/** What a processor event changes on the org's subscription, applied once the event id is stored. */
export interface SubscriptionEventChange {
  subscriptionId: string;
  status: SubscriptionStatus;
  apply(sql: TenantSql, at: Date, requestId: string): Promise<void>;
}

/**
 * Use cases of plans: trials that start only once a setup intent verified the card, subscription changes by
 * Idempotency-Key, cancellation, and the processor's card events that disable a trial. Every change bumps the org's
 * cache generation in its transaction, so every node's hot-path caches see the new entitlements.
 */
export class PlanService {
  constructor(private readonly deps: PlanServiceDeps) {}

  /** The org's subscription (Free when it has none) and its entitlements now. */
  async subscription(orgId: OrgId): Promise<SubscriptionView> {
    return this.deps.db.withTenant(orgId, async (sql) =>
      view(sql, await selectSubscription(sql), this.deps.clock.now()),
    );
  }

  /**
   * Starts a trial of a paid plan with a card token: a confirmed off-session setup intent checks the card first.
   * Verified: `trialing` with the plan's entitlements (`billing.trial.started`). 3-D Secure: `incomplete` on Free
   * until the processor's webhook says how the check ended. Declined: the trial is disabled at once (`canceled`,
   * `billing.trial.disabled`, reason `billing.card_declined`) and the org stays on Free.
   */
  async startTrial(
    sql: TenantSql,
    actor: AuditActor,
    input: { plan: PlanCode; token: string },
    facts: RequestFacts,
  ): Promise<SubscriptionView> {
    const plan = planOf(input.plan);
    if (plan.trialDays === 0)
      throw new AppError('http.bad_request', {
        publicMessage: `body.plan: the ${plan.name} plan has no trial`,
        details: { issues: [{ field: 'body.plan', message: 'has no trial' }] },
      });
    const current = await selectSubscription(sql, { forUpdate: true });
    // INVARIANT: one trial per org; a trial whose card check never passed may be tried again with another card.
    if (current && !(current.status === 'canceled' && current.trial_ends_at === null && current.plan !== 'free'))
      throw new AppError('billing.trial_unavailable');
    const customerId = await this.deps.customerOf(sql);
    const now = this.deps.clock.now();
    const id = newId('sub', now.getTime());
    let outcome;
    try {
      outcome = await this.deps.processor.checkCard(
        { customerId, token: input.token, metadata: { bulwark_org_id: sql.orgId, bulwark_subscription_id: id } },
        `bulwark-trial-${id}`,
      );
    } catch (error) {
      throw error instanceof ProcessorUnavailable
        ? new AppError('billing.processor_unavailable', { cause: error })
        : error;
    }
    const base = {
      ...freeSubscription(id),
      plan: input.plan,
      setup_intent_ciphertext:
        outcome.setupIntentId === null
          ? null
          : await this.deps.cipher.encrypt(sql, setupIntentRef(sql.orgId), outcome.setupIntentId),
    };
    let row: SubscriptionRow;
    if (outcome.status === 'succeeded') {
      const cardId = await this.saveCard(sql, outcome.card, actor, now);
      const trialEnds = new Date(now.getTime() + plan.trialDays * DAY_MS);
      row = await upsertSubscription(
        sql,
        { ...base, status: 'trialing', trial_ends_at: trialEnds, payment_method_id: cardId },
        now,
      );
      await this.record(sql, actor, 'billing.trial.started', 'allow', [], facts, row);
    } else if (outcome.status === 'requires_action') {
      row = await upsertSubscription(sql, { ...base, status: 'incomplete', action_url: outcome.actionUrl }, now);
      await this.record(sql, actor, 'billing.trial.verification_pending', 'info', [], facts, row);
    } else {
      row = await upsertSubscription(
        sql,
        { ...base, status: 'canceled', decline_code: outcome.declineCode.slice(0, 64) },
        now,
      );
      await this.record(sql, actor, 'billing.trial.disabled', 'deny', ['billing.card_declined'], facts, row);
    }
    await bumpOrgGeneration(sql);
    return view(sql, row, now);
  }

  /**
   * Moves the org to a plan (upgrade, downgrade, or a trial made active) once per `Idempotency-Key`, charging what
   * `quotePlanChange` says it costs. The key is claimed first in a transaction of its own, so a concurrent duplicate
   * gets 409 and another body with the key 400. A paid move is charged on-session with the org's verified card
   * through the payment use case, under a charge key derived from this key; the payment's outcome, the plan change
   * (or none), their audit events and the stored answer commit together. A declined charge changes nothing; one
   * that needs 3-D Secure leaves the plan pending until the processor's webhook says it was paid.
   */
  async subscribe(
    orgId: OrgId,
    finalize: TenantScope,
    actor: AuditActor,
    input: { plan: PlanCode; paymentMethodId?: string },
    key: { key: string; requestHash: string },
    facts: RequestFacts,
  ): Promise<{ change: SubscriptionChange; replayed: boolean }> {
    const replay = await this.deps.db.withTenant(orgId, async (sql) => {
      const now = this.deps.clock.now();
      if (await claimSubscriptionRequest(sql, key.key, key.requestHash, now)) return null;
      const existing = await selectSubscriptionRequest(sql, key.key);
      if (!existing || existing.request_hash !== key.requestHash) throw new AppError('billing.idempotency_conflict');
      if (existing.state === 'done') return existing.result as SubscriptionChange;
      // INVARIANT: a claim is released when its change fails; one still pending after the lease lost its node, and
      // exactly one retry (compare-and-set on the claim time) takes it over.
      const leased = now.getTime() - new Date(existing.created_at).getTime() < CLAIM_LEASE_MS;
      if (leased || !(await reclaimSubscriptionRequest(sql, key.key, existing.created_at, now)))
        throw new AppError('billing.idempotency_in_progress');
      return null;
    });
    if (replay) {
      await finalize(async () => undefined);
      return { change: reviveChange(replay), replayed: true };
    }
    try {
      return { change: await this.changePlan(orgId, finalize, actor, input, key.key, facts), replayed: false };
    } catch (error) {
      await this.deps.db.withTenant(orgId, (sql) => releaseSubscriptionRequest(sql, key.key)).catch(() => undefined);
      throw error;
    }
  }

  private async changePlan(
    orgId: OrgId,
    finalize: TenantScope,
    actor: AuditActor,
    input: { plan: PlanCode; paymentMethodId?: string },
    requestKey: string,
    facts: RequestFacts,
  ): Promise<SubscriptionChange> {
    const code = input.plan;
    const quote = await this.deps.db.withTenant(orgId, async (sql) => {
      const current = await selectSubscription(sql);
      if (input.paymentMethodId !== undefined && !(await selectCard(sql, input.paymentMethodId)))
        throw new AppError('billing.payment_method_not_found');
      const card =
        input.paymentMethodId ?? (current && current.status !== 'canceled' ? current.payment_method_id : null);
      // SECURITY: a paid plan is paid for with a card of the org's; no card, no paid plan.
      if (planOf(code).priceCents > 0 && card === null) throw new AppError('billing.card_required');
      return { ...quotePlanChange(current, code, this.deps.clock.now()), card };
    });
    if (quote.amount === 0 || quote.card === null)
      return finalize(async (sql) => {
        const change = { subscription: await this.applyPlan(sql, actor, quote, null, facts), charge: null };
        await completeSubscriptionRequest(sql, requestKey, change);
        return change;
      });
    let change: SubscriptionChange | undefined;
    await this.deps.payments.pay(
      orgId,
      finalize,
      actor,
      {
        paymentMethodId: quote.card,
        amount: quote.amount,
        currency: 'usd',
        description: `Bulwark ${planOf(code).name}`,
      },
      internalPaymentKey('plan-change', `${orgId}\n${requestKey}`, { plan: code, card: quote.card }),
      facts,
      async (sql, payment) => {
        change = {
          subscription: await this.settleCharge(sql, actor, quote, payment, facts),
          charge: chargeOf(payment),
        };
        await completeSubscriptionRequest(sql, requestKey, change);
      },
    );
    if (!change) throw new Error('a plan charge settled nothing');
    return change;
  }

  // What a plan change's payment changes: the plan once paid, a pending plan while 3-D Secure waits, else nothing.
  private async settleCharge(
    sql: TenantSql,
    actor: AuditActor,
    quote: PlanChangeQuote & { card: string | null },
    payment: PaymentView,
    facts: RequestFacts,
  ): Promise<SubscriptionView> {
    if (payment.status === 'succeeded') return this.applyPlan(sql, actor, quote, payment, facts);
    const now = this.deps.clock.now();
    const current = await selectSubscription(sql, { forUpdate: true });
    const details = { to_plan: quote.plan, payment_id: payment.id, amount: payment.amount };
    if (payment.status === 'requires_action') {
      // An org on no plan yet waits on Free: it has entered billing, and is not entitled to more until paid.
      const row = await upsertSubscription(
        sql,
        {
          ...(current ? keep(current) : freeSubscription(newId('sub', now.getTime()))),
          pending_plan: quote.plan,
          pending_payment_id: payment.id,
          action_url: payment.actionUrl,
        },
        now,
      );
      await this.record(sql, actor, 'billing.subscription.payment_action_required', 'info', [], facts, row, details);
      await bumpOrgGeneration(sql);
      return view(sql, row, now);
    }
    await this.record(
      sql,
      actor,
      'billing.subscription.change_declined',
      'deny',
      ['billing.card_declined'],
      facts,
      current,
      {
        ...details,
        ...(payment.declineCode ? { decline_code: payment.declineCode } : {}),
      },
    );
    return view(sql, current, now);
  }

  // Puts the org on the quoted plan (paid for by `payment` when it cost something) in the caller's transaction.
  private async applyPlan(
    sql: TenantSql,
    actor: AuditActor,
    quote: PlanChangeQuote & { card: string | null },
    payment: PaymentView | null,
    facts: RequestFacts,
  ): Promise<SubscriptionView> {
    const now = this.deps.clock.now();
    const current = await selectSubscription(sql, { forUpdate: true });
    const from = current && entitles(current, now) ? current.plan : 'free';
    // An upgrade inside the period keeps the period it was prorated over, as it stands now.
    const period =
      quote.keepsPeriod && current?.current_period_start && current.current_period_end
        ? { start: current.current_period_start, end: current.current_period_end }
        : quote.period;
    const row = await upsertSubscription(
      sql,
      {
        ...(current ? keep(current) : { setup_intent_ciphertext: null, trial_ends_at: null }),
        id: current?.id ?? newId('sub', now.getTime()),
        plan: quote.plan,
        status: 'active',
        // The card that paid (or was named) becomes the subscription's: renewals charge it.
        payment_method_id: payment?.paymentMethodId ?? quote.card,
        action_url: null,
        decline_code: null,
        current_period_start: period?.start ?? null,
        current_period_end: period?.end ?? null,
        pending_plan: null,
        pending_payment_id: null,
      },
      now,
    );
    const delta = planOf(quote.plan).priceCents - planOf(from).priceCents;
    const action =
      delta > 0
        ? 'billing.subscription.upgraded'
        : delta < 0
          ? 'billing.subscription.downgraded'
          : 'billing.subscription.activated';
    await this.record(sql, actor, action, payment ? 'charge' : 'allow', [], facts, row, {
      from_plan: from,
      ...(payment ? { payment_id: payment.id, amount: payment.amount, currency: payment.currency } : {}),
    });
    await bumpOrgGeneration(sql);
    return view(sql, row, now);
  }

  /**
   * Cancels the org's subscription: it drops to Free at once, and a change waiting on its payment's 3-D Secure is
   * dropped too (`billing.subscription.canceled`).
   */
  async cancel(sql: TenantSql, actor: AuditActor, facts: RequestFacts): Promise<SubscriptionView> {
    const now = this.deps.clock.now();
    const current = await selectSubscription(sql, { forUpdate: true });
    // A cancelled subscription with a change still waiting on 3-D Secure may be cancelled again: that drops the change.
    if (!current || (current.status === 'canceled' && current.pending_plan === null))
      throw new AppError('billing.subscription_not_found');
    // A change still waiting on 3-D Secure is dropped with it: paying it later no longer moves the org.
    const row = await upsertSubscription(
      sql,
      { ...keep(current), status: 'canceled', action_url: null, pending_plan: null, pending_payment_id: null },
      now,
    );
    await this.record(sql, actor, 'billing.subscription.canceled', 'allow', [], facts, row);
    await bumpOrgGeneration(sql);
    return view(sql, row, now);
  }

  /**
   * What a processor event about the org's subscription changes: a failed card check (`setup_intent.setup_failed`)
   * or a failed payment (`payment_intent.payment_failed`) disables a trial (Free entitlements) and makes an active
   * subscription `past_due`; a passed 3-D Secure check (`setup_intent.succeeded`) starts an incomplete trial. Null
   * when the event is about no subscription of this org, or changes nothing.
   */
  async eventChange(sql: TenantSql, event: ProcessorEvent): Promise<SubscriptionEventChange | null> {
    const subscriptionId = event.object.metadata?.bulwark_subscription_id;
    if (!subscriptionId || !isId('sub', subscriptionId)) return null;
    const current = await selectSubscription(sql, { forUpdate: true });
    if (!current || current.id !== subscriptionId) return null;
    if (event.object.object === 'setup_intent') {
      // SECURITY: only the setup intent this subscription's card check made may move it.
      if (current.setup_intent_ciphertext === null) return null;
      const intent = await this.deps.cipher.decryptString(
        sql,
        setupIntentRef(sql.orgId),
        current.setup_intent_ciphertext,
      );
      if (intent !== event.object.id) return null;
    } else if (event.object.object !== 'payment_intent') return null;
    let status: SubscriptionStatus;
    if (event.type === 'setup_intent.succeeded' && current.status === 'incomplete') status = 'trialing';
    else if (
      (event.type === 'setup_intent.setup_failed' || event.type === 'payment_intent.payment_failed') &&
      (current.status === 'incomplete' || current.status === 'trialing')
    )
      status = 'canceled';
    else if (event.type === 'payment_intent.payment_failed' && current.status === 'active') status = 'past_due';
    else return null;
    const lastError = (event.object.last_setup_error ?? event.object.last_payment_error) as
      { decline_code?: unknown; code?: unknown } | null | undefined;
    const code = [lastError?.decline_code, lastError?.code].find((c): c is string => typeof c === 'string' && c !== '');
    return {
      subscriptionId,
      status,
      apply: async (tx, at, requestId) => {
        // A trial started by a passed 3-D Secure check saves the card it checked, as a verified check at once does.
        const pmId = event.object.payment_method;
        const card =
          status === 'trialing' && typeof pmId === 'string'
            ? await this.saveCard(tx, await this.deps.processor.cardOf(pmId), PROCESSOR, at)
            : current.payment_method_id;
        const trialEnds =
          status === 'trialing'
            ? new Date(at.getTime() + planOf(current.plan).trialDays * DAY_MS)
            : current.trial_ends_at;
        const row = await upsertSubscription(
          tx,
          {
            ...keep(current),
            status,
            payment_method_id: card,
            trial_ends_at: status === 'canceled' && current.status === 'incomplete' ? null : trialEnds,
            action_url: null,
            decline_code: status === 'trialing' ? null : (code ?? 'card_declined').slice(0, 64),
          },
          at,
        );
        const action =
          status === 'trialing'
            ? 'billing.trial.started'
            : status === 'canceled'
              ? 'billing.trial.disabled'
              : 'billing.subscription.past_due';
        await this.record(
          tx,
          PROCESSOR,
          action,
          status === 'trialing' ? 'allow' : 'deny',
          status === 'trialing' ? [] : ['billing.card_declined'],
          { requestId },
          row,
          { event_id: event.id.slice(0, 255), event_type: event.type.slice(0, 100) },
        );
        await bumpOrgGeneration(tx);
      },
    };
  }

  /**
   * Settles a plan change that waited on its payment's 3-D Secure, in the transaction where the processor's webhook
   * recorded how that payment ended: paid, the org moves to the pending plan (a new period, or the one an upgrade
   * was prorated over); failed, the pending plan is dropped and nothing else changes. Null when no change waits on
   * this payment.
   */
  async pendingPaymentSettled(
    sql: TenantSql,
    payment: PaymentView,
    facts: RequestFacts,
  ): Promise<{ subscriptionId: string; status: SubscriptionStatus } | null> {
    if (payment.status !== 'succeeded' && payment.status !== 'failed') return null;
    const current = await selectSubscription(sql, { forUpdate: true });
    if (!current || current.pending_payment_id !== payment.id || current.pending_plan === null) return null;
    const now = this.deps.clock.now();
    if (payment.status === 'succeeded') {
      const quote = { ...quotePlanChange(current, current.pending_plan, now), card: payment.paymentMethodId };
      const paid = await this.applyPlan(sql, PROCESSOR, quote, payment, facts);
      return { subscriptionId: current.id, status: paid.status ?? 'active' };
    }
    const row = await upsertSubscription(
      sql,
      { ...keep(current), pending_plan: null, pending_payment_id: null, action_url: null },
      now,
    );
    await this.record(
      sql,
      PROCESSOR,
      'billing.subscription.change_declined',
      'deny',
      ['billing.card_declined'],
      facts,
      row,
      {
        to_plan: current.pending_plan,
        payment_id: payment.id,
        ...(payment.declineCode ? { decline_code: payment.declineCode } : {}),
      },
    );
    return { subscriptionId: row.id, status: row.status };
  }

  // Saves the card a setup intent verified as one of the org's cards; returns its id.
  private async saveCard(sql: TenantSql, card: CardSummary, actor: AuditActor, at: Date): Promise<string> {
    const id = newId('pmt', at.getTime());
    await insertCard(sql, {
      id,
      processor_ciphertext: await this.deps.cipher.encrypt(sql, cardRef(id), card.processorId),
      brand: card.brand.slice(0, 32),
      last4: card.last4,
      exp_month: card.expMonth,
      exp_year: card.expYear,
      created_by: actor.id ?? actor.type,
      created_at: at,
    });
    return id;
  }

  private async record(
    sql: TenantSql,
    actor: AuditActor,
    action: string,
    decision: AuditDecision,
    reasonCodes: string[],
    facts: RequestFacts,
    row: SubscriptionRow | null,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    await appendSubscriptionEvent(this.deps.audit, sql, { actor, action, decision, reasonCodes, facts, row, extra });
  }
}

const date = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

// A replayed answer comes back from JSON: its dates are strings again.
function reviveChange(stored: SubscriptionChange): SubscriptionChange {
  const { subscription } = stored;
  return {
    charge: stored.charge,
    subscription: {
      ...subscription,
      trialEndsAt: date(subscription.trialEndsAt),
      currentPeriodStart: date(subscription.currentPeriodStart),
      currentPeriodEnd: date(subscription.currentPeriodEnd),
    },
  };
}
