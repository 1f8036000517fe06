import type { Clock } from '../../../lib/clock.js';
import { appendBillingEvent } from '../billing-audit-event.js';
import { AppError } from '../../../lib/errors/index.js';
import { isId, newId, type OrgId } from '../../../lib/ids.js';
import { bumpOrgGeneration } from '../../../platform/cache-generation/index.js';
import type { Db, TenantSql } from '../../../platform/db/index.js';
import type { FieldCipher, FieldRef } from '../../../platform/vault/index.js';
import type { AuditActor, AuditDecision, AuditLog } from '../../audit/index.js';
import { cardRef, type RequestFacts, type TenantScope } from '../payments/billing-service.js';
import { insertCard } from '../payments/repo.js';
import { ProcessorUnavailable, type CardSummary, type PaymentProcessor, type ProcessorEvent } from '../ports.js';
import { planOf, type Entitlements, type PlanCode } from './catalogue.js';
import { entitles, entitlementsFor } from './entitlements.js';
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
    version: row.version,
    entitlements: await entitlementsFor(sql, row, now),
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
      id,
      plan: input.plan,
      trial_ends_at: null,
      payment_method_id: null,
      setup_intent_ciphertext:
        outcome.setupIntentId === null
          ? null
          : await this.deps.cipher.encrypt(sql, setupIntentRef(sql.orgId), outcome.setupIntentId),
      action_url: null,
      decline_code: null,
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
   * Moves the org to a plan (upgrade, downgrade, or a trial made active) once per `Idempotency-Key`. A paid plan
   * needs the verified card of the org's trial or subscription. The key is claimed first in a transaction of its
   * own, so a concurrent duplicate gets 409 and another body with the key 400; the change, its audit event and the
   * stored answer commit together in `finalize`.
   */
  async subscribe(
    orgId: OrgId,
    finalize: TenantScope,
    actor: AuditActor,
    input: { plan: PlanCode },
    key: { key: string; requestHash: string },
    facts: RequestFacts,
  ): Promise<{ subscription: SubscriptionView; replayed: boolean }> {
    const replay = await this.deps.db.withTenant(orgId, async (sql) => {
      const now = this.deps.clock.now();
      if (await claimSubscriptionRequest(sql, key.key, key.requestHash, now)) return null;
      const existing = await selectSubscriptionRequest(sql, key.key);
      if (!existing || existing.request_hash !== key.requestHash) throw new AppError('billing.idempotency_conflict');
      if (existing.state === 'done') return existing.result as SubscriptionView;
      // INVARIANT: a claim is released when its change fails; one still pending after the lease lost its node, and
      // exactly one retry (compare-and-set on the claim time) takes it over.
      const leased = now.getTime() - new Date(existing.created_at).getTime() < CLAIM_LEASE_MS;
      if (leased || !(await reclaimSubscriptionRequest(sql, key.key, existing.created_at, now)))
        throw new AppError('billing.idempotency_in_progress');
      return null;
    });
    if (replay) {
      await finalize(async () => undefined);
      return { subscription: revive(replay), replayed: true };
    }
    try {
      const subscription = await finalize(async (sql) => {
        const result = await this.changePlan(sql, actor, input.plan, facts);
        await completeSubscriptionRequest(sql, key.key, result);
        return result;
      });
      return { subscription, replayed: false };
    } catch (error) {
      await this.deps.db.withTenant(orgId, (sql) => releaseSubscriptionRequest(sql, key.key)).catch(() => undefined);
      throw error;
    }
  }

  private async changePlan(
    sql: TenantSql,
    actor: AuditActor,
    code: PlanCode,
    facts: RequestFacts,
  ): Promise<SubscriptionView> {
    const now = this.deps.clock.now();
    const current = await selectSubscription(sql, { forUpdate: true });
    const card = current && current.status !== 'canceled' ? current.payment_method_id : null;
    // SECURITY: a paid plan's entitlements need a card the processor verified; no card, no paid plan.
    if (planOf(code).priceCents > 0 && card === null) throw new AppError('billing.card_required');
    const from = current && entitles(current, now) ? current.plan : 'free';
    const row = await upsertSubscription(
      sql,
      {
        ...(current ? keep(current) : { setup_intent_ciphertext: null, trial_ends_at: null }),
        id: current?.id ?? newId('sub', now.getTime()),
        plan: code,
        status: 'active',
        payment_method_id: card,
        action_url: null,
        decline_code: null,
      },
      now,
    );
    const delta = planOf(code).priceCents - planOf(from).priceCents;
    const action =
      delta > 0
        ? 'billing.subscription.upgraded'
        : delta < 0
          ? 'billing.subscription.downgraded'
          : 'billing.subscription.activated';
    await this.record(sql, actor, action, 'allow', [], facts, row, { from_plan: from });
    await bumpOrgGeneration(sql);
    return view(sql, row, now);
  }

  /** Cancels the org's subscription: it drops to Free at once (`billing.subscription.canceled`). */
  async cancel(sql: TenantSql, actor: AuditActor, facts: RequestFacts): Promise<SubscriptionView> {
    const now = this.deps.clock.now();
    const current = await selectSubscription(sql, { forUpdate: true });
    if (!current || current.status === 'canceled') throw new AppError('billing.subscription_not_found');
    const row = await upsertSubscription(sql, { ...keep(current), status: 'canceled', action_url: null }, now);
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
    row: SubscriptionRow,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    await appendBillingEvent(this.deps.audit, sql, {
      actor,
      action,
      decision,
      reasonCodes,
      facts,
      details: {
        subscription_id: row.id,
        plan: row.plan,
        status: row.status,
        version: row.version,
        ...(row.trial_ends_at ? { trial_ends_at: row.trial_ends_at.toISOString() } : {}),
        ...(row.decline_code ? { decline_code: row.decline_code } : {}),
        ...extra,
      },
    });
  }
}

// A replayed answer comes back from JSON: its dates are strings again.
function revive(stored: SubscriptionView): SubscriptionView {
  return { ...stored, trialEndsAt: stored.trialEndsAt === null ? null : new Date(stored.trialEndsAt) };
}
