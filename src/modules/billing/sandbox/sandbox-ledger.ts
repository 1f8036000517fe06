import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../../lib/clock.js';
import { invalidRequest, noSuch, StripeFailure } from './stripe-failure.js';
import { testCardByAlias, type CardBehaviour, type Decline } from './test-cards.js';

type Metadata = Record<string, string>;

/** What the sandbox keeps of a card: never its number, only what Stripe itself returns. */
interface PaymentMethod {
  id: string;
  customer: string | null;
  behaviour: CardBehaviour;
  /** Set once a setup intent authenticated it for later off-session use. */
  setUpForFutureUse: boolean;
  /** The order it was created in (seeds the outcome of a Bulwark-sandbox renewal card's later charges). */
  sequence: number;
  /** Charges attempted on it so far. */
  charges: number;
  created: number;
}

interface Customer {
  id: string;
  email: string | null;
  name: string | null;
  metadata: Metadata;
  created: number;
}

type IntentStatus = 'requires_payment_method' | 'requires_confirmation' | 'requires_action' | 'succeeded' | 'canceled';

interface LastError {
  type: 'card_error';
  code: string;
  decline_code?: string;
  message: string;
}

interface PaymentIntent {
  id: string;
  amount: number;
  currency: string;
  customer: string | null;
  paymentMethod: string | null;
  status: IntentStatus;
  offSession: boolean;
  metadata: Metadata;
  description: string | null;
  lastError: LastError | null;
  latestCharge: string | null;
  created: number;
}

interface SetupIntent {
  id: string;
  customer: string | null;
  paymentMethod: string | null;
  status: IntentStatus;
  usage: 'off_session' | 'on_session';
  metadata: Metadata;
  lastError: LastError | null;
  created: number;
}

interface Charge {
  id: string;
  paymentIntent: string;
  amount: number;
  amountRefunded: number;
  currency: string;
  customer: string | null;
  paymentMethod: string;
  status: 'succeeded' | 'failed';
  failure: LastError | null;
  disputed: boolean;
  created: number;
}

interface Dispute {
  id: string;
  charge: string;
  paymentIntent: string;
  amount: number;
  currency: string;
  reason: string;
  status: 'needs_response' | 'under_review' | 'won' | 'lost';
  evidence: Metadata;
  submissionCount: number;
  metadata: Metadata;
  created: number;
}

/** A state change the sandbox announces as a webhook event. */
export interface LedgerEvent {
  type: string;
  object: Record<string, unknown>;
}

function stripeId(prefix: string): string {
  return `${prefix}_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x').slice(0, 24)}`;
}

// The seed of the Bulwark-sandbox renewal cards' later-charge outcomes: fixed, so runs are reproducible.
const RENEWAL_SEED = 'bulwark-sandbox-renewals-v1';

// A uniform number in [0, 1) from the card's creation order and its charge attempt: deterministic, not random.
function seededUniform(sequence: number, attempt: number): number {
  const digest = createHash('sha256').update(`${RENEWAL_SEED}:${sequence}:${attempt}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

function declineError(decline: Decline): LastError {
  return {
    type: 'card_error',
    code: decline.code,
    ...(decline.declineCode !== undefined ? { decline_code: decline.declineCode } : {}),
    message: decline.message,
  };
}

/**
 * The sandbox's accounts book: customers, payment methods, setup and payment intents, charges, refunds and disputes,
 * kept in memory and changed the way Stripe's test mode changes them for its documented test cards. Every change
 * that Stripe announces is passed to `emit` as an event.
 */
export class SandboxLedger {
  private readonly customers = new Map<string, Customer>();
  private readonly paymentMethods = new Map<string, PaymentMethod>();
  private readonly paymentIntents = new Map<string, PaymentIntent>();
  private readonly setupIntents = new Map<string, SetupIntent>();
  private readonly charges = new Map<string, Charge>();
  private readonly refunds = new Map<string, Record<string, unknown>>();
  private readonly disputes = new Map<string, Dispute>();
  private paymentMethodCount = 0;

  constructor(
    private readonly deps: {
      clock: Clock;
      /** Base URL of the sandbox's hosted pages (3D Secure). */
      publicUrl: string;
      emit(event: LedgerEvent): void;
    },
  ) {}

  private now(): number {
    return Math.floor(this.deps.clock.now().getTime() / 1000);
  }

  // --- customers

  createCustomer(params: { email?: string; name?: string; metadata?: Metadata }): Record<string, unknown> {
    const customer: Customer = {
      id: stripeId('cus'),
      email: params.email ?? null,
      name: params.name ?? null,
      metadata: params.metadata ?? {},
      created: this.now(),
    };
    this.customers.set(customer.id, customer);
    this.deps.emit({ type: 'customer.created', object: this.customerView(customer) });
    return this.customerView(customer);
  }

  retrieveCustomer(id: string): Record<string, unknown> {
    return this.customerView(this.customer(id));
  }

  private customer(id: string, param = 'id'): Customer {
    const customer = this.customers.get(id);
    if (!customer) throw noSuch('customer', id, param);
    return customer;
  }

  private customerView(c: Customer): Record<string, unknown> {
    return {
      id: c.id,
      object: 'customer',
      email: c.email,
      name: c.name,
      metadata: c.metadata,
      created: c.created,
      livemode: false,
    };
  }

  // --- payment methods

  /** Creates a PaymentMethod for a card the hosted page tokenized (the number itself is not kept). */
  tokenizeCard(behaviour: CardBehaviour): Record<string, unknown> {
    return this.paymentMethodView(this.newPaymentMethod(behaviour));
  }

  private newPaymentMethod(behaviour: CardBehaviour): PaymentMethod {
    const pm: PaymentMethod = {
      id: stripeId('pm'),
      customer: null,
      behaviour,
      setUpForFutureUse: false,
      sequence: (this.paymentMethodCount += 1),
      charges: 0,
      created: this.now(),
    };
    this.paymentMethods.set(pm.id, pm);
    return pm;
  }

  // A documented test id (`pm_card_visa`) stands for a new PaymentMethod of that card each time it is used.
  private paymentMethod(id: string, param = 'payment_method'): PaymentMethod {
    const existing = this.paymentMethods.get(id);
    if (existing) return existing;
    const behaviour = testCardByAlias(id);
    if (!behaviour) throw noSuch('PaymentMethod', id, param);
    return this.newPaymentMethod(behaviour);
  }

  retrievePaymentMethod(id: string): Record<string, unknown> {
    const pm = this.paymentMethods.get(id);
    if (!pm) throw noSuch('PaymentMethod', id);
    return this.paymentMethodView(pm);
  }

  attachPaymentMethod(id: string, customerId: string): Record<string, unknown> {
    const customer = this.customer(customerId, 'customer');
    const pm = this.paymentMethod(id, 'payment_method');
    if (pm.customer !== null && pm.customer !== customer.id)
      throw invalidRequest('The payment method you provided has already been attached to a customer.');
    // Stripe checks the card with the issuer when it is attached: a card that declines every charge fails here.
    if (pm.behaviour.attachDecline) throw this.cardFailure(pm.behaviour.attachDecline, {});
    pm.customer = customer.id;
    const view = this.paymentMethodView(pm);
    this.deps.emit({ type: 'payment_method.attached', object: view });
    return view;
  }

  detachPaymentMethod(id: string): Record<string, unknown> {
    const pm = this.paymentMethods.get(id);
    if (!pm) throw noSuch('PaymentMethod', id);
    if (pm.customer === null) throw invalidRequest('The payment method you provided is not attached to a customer.');
    pm.customer = null;
    pm.setUpForFutureUse = false;
    const view = this.paymentMethodView(pm);
    this.deps.emit({ type: 'payment_method.detached', object: view });
    return view;
  }

  private paymentMethodView(pm: PaymentMethod): Record<string, unknown> {
    const year = new Date(pm.created * 1000).getUTCFullYear() + 3;
    return {
      id: pm.id,
      object: 'payment_method',
      type: 'card',
      customer: pm.customer,
      card: {
        brand: pm.behaviour.brand,
        last4: pm.behaviour.last4,
        funding: pm.behaviour.funding,
        exp_month: 12,
        exp_year: year,
        country: 'US',
      },
      created: pm.created,
      livemode: false,
    };
  }

  private cardFailure(decline: Decline, attach: Record<string, unknown>): StripeFailure {
    return new StripeFailure(402, {
      type: 'card_error',
      code: decline.code,
      ...(decline.declineCode !== undefined ? { decline_code: decline.declineCode } : {}),
      message: decline.message,
      ...attach,
    });
  }

  // --- setup intents

  createSetupIntent(params: {
    customer?: string;
    paymentMethod?: string;
    confirm: boolean;
    usage?: 'off_session' | 'on_session';
    metadata?: Metadata;
  }): Record<string, unknown> {
    if (params.customer !== undefined) this.customer(params.customer, 'customer');
    const si: SetupIntent = {
      id: stripeId('seti'),
      customer: params.customer ?? null,
      paymentMethod: params.paymentMethod ? this.paymentMethod(params.paymentMethod).id : null,
      status: params.paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
      usage: params.usage ?? 'off_session',
      metadata: params.metadata ?? {},
      lastError: null,
      created: this.now(),
    };
    this.setupIntents.set(si.id, si);
    this.deps.emit({ type: 'setup_intent.created', object: this.setupIntentView(si) });
    return params.confirm ? this.confirmSetupIntent(si.id, {}) : this.setupIntentView(si);
  }

  retrieveSetupIntent(id: string): Record<string, unknown> {
    return this.setupIntentView(this.setupIntent(id));
  }

  private setupIntent(id: string): SetupIntent {
    const si = this.setupIntents.get(id);
    if (!si) throw noSuch('setup_intent', id, 'intent');
    return si;
  }

  confirmSetupIntent(id: string, params: { paymentMethod?: string }): Record<string, unknown> {
    const si = this.setupIntent(id);
    if (params.paymentMethod !== undefined) si.paymentMethod = this.paymentMethod(params.paymentMethod).id;
    if (si.status !== 'requires_confirmation' && si.status !== 'requires_payment_method')
      throw invalidRequest(`You cannot confirm this SetupIntent because it has a status of ${si.status}.`);
    const pm = si.paymentMethod ? this.paymentMethods.get(si.paymentMethod) : undefined;
    if (!pm)
      throw invalidRequest('You cannot confirm this SetupIntent because it has no payment method.', 'payment_method');
    if (pm.behaviour.attachDecline) return this.failSetup(si, pm.behaviour.attachDecline);
    if (pm.behaviour.authentication !== 'none') {
      si.status = 'requires_action';
      const view = this.setupIntentView(si);
      this.deps.emit({ type: 'setup_intent.requires_action', object: view });
      return view;
    }
    return this.completeSetup(si, pm);
  }

  private failSetup(si: SetupIntent, decline: Decline): never {
    si.status = 'requires_payment_method';
    si.lastError = declineError(decline);
    const view = this.setupIntentView(si);
    this.deps.emit({ type: 'setup_intent.setup_failed', object: view });
    throw this.cardFailure(decline, { setup_intent: view });
  }

  private completeSetup(si: SetupIntent, pm: PaymentMethod): Record<string, unknown> {
    if (si.customer !== null) pm.customer = si.customer;
    pm.setUpForFutureUse = si.usage === 'off_session';
    si.status = 'succeeded';
    si.lastError = null;
    const view = this.setupIntentView(si);
    this.deps.emit({ type: 'setup_intent.succeeded', object: view });
    return view;
  }

  private setupIntentView(si: SetupIntent): Record<string, unknown> {
    return {
      id: si.id,
      object: 'setup_intent',
      customer: si.customer,
      payment_method: si.paymentMethod,
      status: si.status,
      usage: si.usage,
      metadata: si.metadata,
      client_secret: `${si.id}_secret_${si.id.slice(-8)}`,
      last_setup_error: si.lastError,
      next_action: si.status === 'requires_action' ? this.redirect(si.id) : null,
      created: si.created,
      livemode: false,
    };
  }

  // --- payment intents

  createPaymentIntent(params: {
    amount: number;
    currency: string;
    customer?: string;
    paymentMethod?: string;
    confirm: boolean;
    offSession: boolean;
    metadata?: Metadata;
    description?: string;
  }): Record<string, unknown> {
    if (params.customer !== undefined) this.customer(params.customer, 'customer');
    const pi: PaymentIntent = {
      id: stripeId('pi'),
      amount: params.amount,
      currency: params.currency,
      customer: params.customer ?? null,
      paymentMethod: params.paymentMethod ? this.paymentMethod(params.paymentMethod).id : null,
      status: params.paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
      offSession: params.offSession,
      metadata: params.metadata ?? {},
      description: params.description ?? null,
      lastError: null,
      latestCharge: null,
      created: this.now(),
    };
    this.paymentIntents.set(pi.id, pi);
    this.deps.emit({ type: 'payment_intent.created', object: this.paymentIntentView(pi) });
    return params.confirm ? this.confirmPaymentIntent(pi.id, {}) : this.paymentIntentView(pi);
  }

  retrievePaymentIntent(id: string): Record<string, unknown> {
    return this.paymentIntentView(this.paymentIntent(id));
  }

  private paymentIntent(id: string, param = 'intent'): PaymentIntent {
    const pi = this.paymentIntents.get(id);
    if (!pi) throw noSuch('payment_intent', id, param);
    return pi;
  }

  confirmPaymentIntent(id: string, params: { paymentMethod?: string; offSession?: boolean }): Record<string, unknown> {
    const pi = this.paymentIntent(id);
    if (params.paymentMethod !== undefined) pi.paymentMethod = this.paymentMethod(params.paymentMethod).id;
    if (params.offSession !== undefined) pi.offSession = params.offSession;
    if (pi.status !== 'requires_confirmation' && pi.status !== 'requires_payment_method')
      throw invalidRequest(`You cannot confirm this PaymentIntent because it has a status of ${pi.status}.`);
    const pm = pi.paymentMethod ? this.paymentMethods.get(pi.paymentMethod) : undefined;
    if (!pm)
      throw invalidRequest('You cannot confirm this PaymentIntent because it has no payment method.', 'payment_method');
    if (pm.customer !== null && pi.customer !== null && pm.customer !== pi.customer)
      throw invalidRequest('The provided PaymentMethod belongs to another customer.', 'payment_method');
    if (pm.behaviour.attachDecline) return this.failPayment(pi, pm, pm.behaviour.attachDecline);
    const needsAuthentication =
      pm.behaviour.authentication === 'always' ||
      (pm.behaviour.authentication === 'unless_setup' && !(pi.offSession && pm.setUpForFutureUse));
    if (needsAuthentication) {
      // Off session nobody can complete 3D Secure: Stripe fails the payment with `authentication_required`.
      if (pi.offSession)
        return this.failPayment(pi, pm, {
          code: 'authentication_required',
          declineCode: 'authentication_required',
          message: 'Your card was declined. This transaction requires authentication.',
        });
      pi.status = 'requires_action';
      const view = this.paymentIntentView(pi);
      this.deps.emit({ type: 'payment_intent.requires_action', object: view });
      return view;
    }
    return this.charge(pi, pm);
  }

  cancelPaymentIntent(id: string): Record<string, unknown> {
    const pi = this.paymentIntent(id);
    if (pi.status === 'succeeded' || pi.status === 'canceled')
      throw invalidRequest(`You cannot cancel this PaymentIntent because it has a status of ${pi.status}.`);
    pi.status = 'canceled';
    const view = this.paymentIntentView(pi);
    this.deps.emit({ type: 'payment_intent.canceled', object: view });
    return view;
  }

  /** The customer's answer on the hosted 3D Secure page of a payment or setup intent. */
  authenticate(intentId: string, approved: boolean): Record<string, unknown> {
    const si = this.setupIntents.get(intentId);
    if (si) {
      if (si.status !== 'requires_action') throw invalidRequest('This SetupIntent does not require authentication.');
      const pm = this.paymentMethods.get(si.paymentMethod ?? '');
      if (!pm) throw noSuch('PaymentMethod', si.paymentMethod ?? '');
      if (!approved) return this.failAuthentication(si);
      return this.completeSetup(si, pm);
    }
    const pi = this.paymentIntent(intentId);
    if (pi.status !== 'requires_action') throw invalidRequest('This PaymentIntent does not require authentication.');
    const pm = this.paymentMethods.get(pi.paymentMethod ?? '');
    if (!pm) throw noSuch('PaymentMethod', pi.paymentMethod ?? '');
    if (!approved) return this.failAuthentication(pi);
    try {
      return this.charge(pi, pm);
    } catch (error) {
      // The page shows the outcome; the decline is on the intent (`last_payment_error`) and in its event.
      if (error instanceof StripeFailure && error.status === 402) return this.paymentIntentView(pi);
      throw error;
    }
  }

  private failAuthentication(intent: PaymentIntent | SetupIntent): Record<string, unknown> {
    intent.status = 'requires_payment_method';
    intent.lastError = {
      type: 'card_error',
      code: intent.id.startsWith('seti_')
        ? 'setup_intent_authentication_failure'
        : 'payment_intent_authentication_failure',
      message: 'The provided PaymentMethod has failed authentication.',
    };
    if ('amount' in intent) {
      const view = this.paymentIntentView(intent);
      this.deps.emit({ type: 'payment_intent.payment_failed', object: view });
      return view;
    }
    const view = this.setupIntentView(intent);
    this.deps.emit({ type: 'setup_intent.setup_failed', object: view });
    return view;
  }

  private charge(pi: PaymentIntent, pm: PaymentMethod): Record<string, unknown> {
    pm.charges += 1;
    const decline = pm.behaviour.chargeDecline;
    if (decline && !this.laterChargeSucceeds(pm)) return this.failPayment(pi, pm, decline);
    const charge = this.newCharge(pi, pm, null);
    pi.status = 'succeeded';
    pi.lastError = null;
    const view = this.paymentIntentView(pi);
    this.deps.emit({ type: 'charge.succeeded', object: this.chargeView(charge) });
    this.deps.emit({ type: 'payment_intent.succeeded', object: view });
    if (pm.behaviour.disputed) this.openDispute(charge);
    return view;
  }

  // A Bulwark-sandbox renewal card fails its first charge; a later one succeeds with the card's stated chance.
  private laterChargeSucceeds(pm: PaymentMethod): boolean {
    const chance = pm.behaviour.laterChargeSucceeds;
    if (chance === undefined || pm.charges === 1) return false;
    return seededUniform(pm.sequence, pm.charges) < chance;
  }

  private failPayment(pi: PaymentIntent, pm: PaymentMethod, decline: Decline): never {
    const error = declineError(decline);
    const charge = this.newCharge(pi, pm, error);
    pi.status = 'requires_payment_method';
    pi.lastError = error;
    const view = this.paymentIntentView(pi);
    this.deps.emit({ type: 'charge.failed', object: this.chargeView(charge) });
    this.deps.emit({ type: 'payment_intent.payment_failed', object: view });
    throw this.cardFailure(decline, { payment_intent: view });
  }

  private newCharge(pi: PaymentIntent, pm: PaymentMethod, failure: LastError | null): Charge {
    const charge: Charge = {
      id: stripeId('ch'),
      paymentIntent: pi.id,
      amount: pi.amount,
      amountRefunded: 0,
      currency: pi.currency,
      customer: pi.customer,
      paymentMethod: pm.id,
      status: failure ? 'failed' : 'succeeded',
      failure,
      disputed: false,
      created: this.now(),
    };
    this.charges.set(charge.id, charge);
    pi.latestCharge = charge.id;
    return charge;
  }

  private redirect(intentId: string): Record<string, unknown> {
    return {
      type: 'redirect_to_url',
      redirect_to_url: { url: `${this.deps.publicUrl}/sandbox/authenticate/${intentId}`, return_url: null },
    };
  }

  private paymentIntentView(pi: PaymentIntent): Record<string, unknown> {
    const charge = pi.latestCharge ? this.charges.get(pi.latestCharge) : undefined;
    return {
      id: pi.id,
      object: 'payment_intent',
      amount: pi.amount,
      amount_received: pi.status === 'succeeded' ? pi.amount : 0,
      currency: pi.currency,
      customer: pi.customer,
      payment_method: pi.paymentMethod,
      status: pi.status,
      metadata: pi.metadata,
      description: pi.description,
      client_secret: `${pi.id}_secret_${pi.id.slice(-8)}`,
      last_payment_error: pi.lastError,
      latest_charge: charge?.id ?? null,
      next_action: pi.status === 'requires_action' ? this.redirect(pi.id) : null,
      created: pi.created,
      livemode: false,
    };
  }

  // --- charges and refunds

  retrieveCharge(id: string): Record<string, unknown> {
    const charge = this.charges.get(id);
    if (!charge) throw noSuch('charge', id);
    return this.chargeView(charge);
  }

  private chargeView(c: Charge): Record<string, unknown> {
    return {
      id: c.id,
      object: 'charge',
      amount: c.amount,
      amount_refunded: c.amountRefunded,
      refunded: c.amountRefunded === c.amount,
      currency: c.currency,
      customer: c.customer,
      payment_intent: c.paymentIntent,
      payment_method: c.paymentMethod,
      status: c.status,
      paid: c.status === 'succeeded',
      disputed: c.disputed,
      failure_code: c.failure?.code ?? null,
      failure_message: c.failure?.message ?? null,
      outcome: c.failure?.decline_code ? { reason: c.failure.decline_code } : null,
      created: c.created,
      livemode: false,
    };
  }

  createRefund(params: { paymentIntent?: string; charge?: string; amount?: number; metadata?: Metadata }) {
    let charge: Charge | undefined;
    if (params.charge !== undefined) {
      charge = this.charges.get(params.charge);
      if (!charge) throw noSuch('charge', params.charge, 'charge');
    } else if (params.paymentIntent !== undefined) {
      const pi = this.paymentIntent(params.paymentIntent, 'payment_intent');
      charge = pi.latestCharge ? this.charges.get(pi.latestCharge) : undefined;
      if (!charge || charge.status !== 'succeeded')
        throw invalidRequest('This PaymentIntent does not have a successful charge to refund.', 'payment_intent');
    } else
      throw invalidRequest(
        'One of the following params should be provided for this request: payment_intent or charge.',
      );
    if (charge.status !== 'succeeded') throw invalidRequest('This charge cannot be refunded.', 'charge');
    const remaining = charge.amount - charge.amountRefunded;
    const amount = params.amount ?? remaining;
    if (amount <= 0 || amount > remaining)
      throw invalidRequest(
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
        'amount',
        'amount_too_large',
      );
    charge.amountRefunded += amount;
    const refund = {
      id: stripeId('re'),
      object: 'refund',
      amount,
      currency: charge.currency,
      charge: charge.id,
      payment_intent: charge.paymentIntent,
      status: 'succeeded',
      metadata: params.metadata ?? {},
      created: this.now(),
    };
    this.refunds.set(refund.id, refund);
    this.deps.emit({ type: 'refund.created', object: refund });
    this.deps.emit({ type: 'charge.refunded', object: this.chargeView(charge) });
    return refund;
  }

  retrieveRefund(id: string): Record<string, unknown> {
    const refund = this.refunds.get(id);
    if (!refund) throw noSuch('refund', id);
    return refund;
  }

  // --- disputes

  private openDispute(charge: Charge): void {
    charge.disputed = true;
    const dispute: Dispute = {
      id: stripeId('dp'),
      charge: charge.id,
      paymentIntent: charge.paymentIntent,
      amount: charge.amount,
      currency: charge.currency,
      reason: 'fraudulent',
      status: 'needs_response',
      evidence: {},
      submissionCount: 0,
      metadata: {},
      created: this.now(),
    };
    this.disputes.set(dispute.id, dispute);
    this.deps.emit({ type: 'charge.dispute.created', object: this.disputeView(dispute) });
  }

  retrieveDispute(id: string): Record<string, unknown> {
    return this.disputeView(this.dispute(id));
  }

  private dispute(id: string): Dispute {
    const dispute = this.disputes.get(id);
    if (!dispute) throw noSuch('dispute', id, 'dispute');
    return dispute;
  }

  /**
   * Stores evidence; with `submit` it goes to the issuer. As in Stripe's test mode, evidence whose
   * `uncategorized_text` is `winning_evidence` wins the dispute and `losing_evidence` loses it; anything else stays
   * under review.
   */
  updateDispute(id: string, params: { evidence?: Metadata; submit: boolean; metadata?: Metadata }) {
    const dispute = this.dispute(id);
    if (dispute.status !== 'needs_response')
      throw invalidRequest(`This dispute is already ${dispute.status}; evidence can no longer be changed.`);
    dispute.evidence = { ...dispute.evidence, ...params.evidence };
    if (params.metadata) dispute.metadata = { ...dispute.metadata, ...params.metadata };
    if (params.submit) {
      dispute.status = 'under_review';
      dispute.submissionCount += 1;
    }
    this.deps.emit({ type: 'charge.dispute.updated', object: this.disputeView(dispute) });
    const verdict = dispute.evidence.uncategorized_text;
    if (params.submit && (verdict === 'winning_evidence' || verdict === 'losing_evidence'))
      this.closeDispute(dispute, verdict === 'winning_evidence' ? 'won' : 'lost');
    return this.disputeView(dispute);
  }

  /** Accepts the dispute (the merchant concedes): it closes as lost. */
  acceptDispute(id: string): Record<string, unknown> {
    const dispute = this.dispute(id);
    if (dispute.status !== 'needs_response') throw invalidRequest(`This dispute is already ${dispute.status}.`);
    this.closeDispute(dispute, 'lost');
    return this.disputeView(dispute);
  }

  private closeDispute(dispute: Dispute, outcome: 'won' | 'lost'): void {
    dispute.status = outcome;
    this.deps.emit({ type: 'charge.dispute.closed', object: this.disputeView(dispute) });
  }

  private disputeView(d: Dispute): Record<string, unknown> {
    return {
      id: d.id,
      object: 'dispute',
      amount: d.amount,
      currency: d.currency,
      charge: d.charge,
      payment_intent: d.paymentIntent,
      reason: d.reason,
      status: d.status,
      evidence: d.evidence,
      evidence_details: { submission_count: d.submissionCount, has_evidence: Object.keys(d.evidence).length > 0 },
      metadata: d.metadata,
      created: d.created,
      livemode: false,
    };
  }
}
