import Stripe from 'stripe';
import type { Clock } from '../../../lib/clock.js';
import {
  CardDeclined,
  ProcessorUnavailable,
  RefundRefused,
  type CardCheckOutcome,
  type CardSummary,
  type DisputeEvidence,
  type PaymentOutcome,
  type ProcessorDispute,
  type ProcessorRefund,
  type PaymentProcessor,
  type ProcessorEvent,
} from '../ports.js';
import { verifyStripeSignature } from '../webhooks/verify-stripe-signature.js';

/** Where the adapter sends its requests: Stripe itself, or the sandbox processor (`http` on 127.0.0.1). */
export interface StripeEndpoint {
  secretKey: string;
  /** Webhook signing secrets (`whsec_…`); several while one is being rotated. */
  webhookSecrets: readonly string[];
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
}

// SECURITY: the processor's error message can echo request data; only the decline code and a fixed text leave here.
function declineOf(error: Stripe.errors.StripeCardError): CardDeclined {
  const code = error.decline_code || error.code || 'card_declined';
  const intent = (error.payment_intent as { id?: string } | undefined)?.id ?? null;
  const setupIntent = (error.setup_intent as { id?: string } | undefined)?.id ?? null;
  return new CardDeclined(code, error.message, intent, setupIntent);
}

function refundStatus(status: string | null): ProcessorRefund['status'] {
  if (status === 'succeeded' || status === 'failed' || status === 'canceled') return status;
  return 'pending';
}

function disputeOf(dispute: Stripe.Dispute): ProcessorDispute {
  return {
    id: dispute.id,
    status: dispute.status,
    submissionCount: dispute.evidence_details?.submission_count ?? 0,
  };
}

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof Stripe.errors.StripeCardError) throw declineOf(error);
    if (
      error instanceof Stripe.errors.StripeConnectionError ||
      error instanceof Stripe.errors.StripeAPIError ||
      error instanceof Stripe.errors.StripeRateLimitError
    )
      throw new ProcessorUnavailable('the payment processor is unavailable', { cause: error });
    throw error;
  }
}

/**
 * The processor port on the official `stripe` SDK: Stripe in production, the sandbox processor in development and
 * tests (same SDK, other host). The SDK retries network failures itself (twice) with the same idempotency key.
 */
export class StripeProcessor implements PaymentProcessor {
  private readonly stripe: Stripe;

  constructor(
    readonly name: 'stripe' | 'sandbox',
    private readonly endpoint: StripeEndpoint,
    private readonly clock: Clock,
  ) {
    this.stripe = new Stripe(endpoint.secretKey, {
      maxNetworkRetries: 2,
      timeout: 20_000,
      ...(endpoint.host !== undefined ? { host: endpoint.host } : {}),
      ...(endpoint.port !== undefined ? { port: endpoint.port } : {}),
      ...(endpoint.protocol !== undefined ? { protocol: endpoint.protocol } : {}),
    });
  }

  async createCustomer(input: { orgId: string; email?: string }, idempotencyKey: string): Promise<string> {
    const customer = await call(() =>
      this.stripe.customers.create(
        { metadata: { bulwark_org_id: input.orgId }, ...(input.email !== undefined ? { email: input.email } : {}) },
        { idempotencyKey },
      ),
    );
    return customer.id;
  }

  async attachCard(token: string, customerId: string): Promise<CardSummary> {
    const pm = await call(() => this.stripe.paymentMethods.attach(token, { customer: customerId }));
    const card = pm.card;
    if (!card) throw new ProcessorUnavailable('the processor returned a payment method without card details');
    return {
      processorId: pm.id,
      brand: card.brand,
      last4: card.last4,
      expMonth: card.exp_month,
      expYear: card.exp_year,
    };
  }

  async pay(input: Parameters<PaymentProcessor['pay']>[0], idempotencyKey: string): Promise<PaymentOutcome> {
    try {
      const intent = await call(() =>
        this.stripe.paymentIntents.create(
          {
            amount: input.amount,
            currency: input.currency,
            customer: input.customerId,
            payment_method: input.cardId,
            confirm: true,
            metadata: input.metadata,
            ...(input.offSession === true ? { off_session: true } : {}),
            ...(input.description !== undefined ? { description: input.description } : {}),
          },
          { idempotencyKey },
        ),
      );
      if (intent.status === 'succeeded') return { status: 'succeeded', intentId: intent.id };
      const url = intent.next_action?.redirect_to_url?.url;
      if (intent.status === 'requires_action' && url)
        return { status: 'requires_action', intentId: intent.id, actionUrl: url };
      throw new ProcessorUnavailable(`unexpected payment intent status ${intent.status}`);
    } catch (error) {
      if (error instanceof CardDeclined)
        return { status: 'failed', intentId: error.intentId, declineCode: error.declineCode, message: error.message };
      throw error;
    }
  }

  async refund(input: Parameters<PaymentProcessor['refund']>[0], idempotencyKey: string): Promise<ProcessorRefund> {
    try {
      const refund = await call(() =>
        this.stripe.refunds.create(
          { payment_intent: input.intentId, amount: input.amount, metadata: input.metadata },
          { idempotencyKey },
        ),
      );
      return { id: refund.id, status: refundStatus(refund.status) };
    } catch (error) {
      // SECURITY: only the processor's code leaves; its message may echo request data.
      if (error instanceof Stripe.errors.StripeInvalidRequestError)
        throw new RefundRefused(error.code ?? 'invalid_request', 'the processor refused the refund');
      throw error;
    }
  }

  async checkCard(
    input: Parameters<PaymentProcessor['checkCard']>[0],
    idempotencyKey: string,
  ): Promise<CardCheckOutcome> {
    let intent: Stripe.SetupIntent;
    try {
      intent = await call(() =>
        this.stripe.setupIntents.create(
          {
            customer: input.customerId,
            payment_method: input.token,
            confirm: true,
            usage: 'off_session',
            metadata: input.metadata,
          },
          { idempotencyKey },
        ),
      );
    } catch (error) {
      if (error instanceof CardDeclined)
        return { status: 'failed', setupIntentId: error.setupIntentId, declineCode: error.declineCode };
      throw error;
    }
    const url = intent.next_action?.redirect_to_url?.url;
    if (intent.status === 'requires_action' && url)
      return { status: 'requires_action', setupIntentId: intent.id, actionUrl: url };
    if (intent.status !== 'succeeded')
      throw new ProcessorUnavailable(`unexpected setup intent status ${intent.status}`);
    const pmId = typeof intent.payment_method === 'string' ? intent.payment_method : intent.payment_method?.id;
    if (!pmId) throw new ProcessorUnavailable('the processor returned a setup intent without a payment method');
    return { status: 'succeeded', setupIntentId: intent.id, card: await this.cardOf(pmId) };
  }

  async cardOf(paymentMethodId: string): Promise<CardSummary> {
    const pm = await call(() => this.stripe.paymentMethods.retrieve(paymentMethodId));
    if (!pm.card) throw new ProcessorUnavailable('the processor returned a payment method without card details');
    return {
      processorId: pm.id,
      brand: pm.card.brand,
      last4: pm.card.last4,
      expMonth: pm.card.exp_month,
      expYear: pm.card.exp_year,
    };
  }

  async reportUsage(input: Parameters<PaymentProcessor['reportUsage']>[0]): Promise<{ duplicate: boolean }> {
    try {
      // The identifier is the idempotency key too: a retry is replayed (same value) or refused (another value, or the
      // identifier seen after the key expired); either way the processor holds one event, the first.
      const event = await call(() =>
        this.stripe.billing.meterEvents.create(
          {
            event_name: input.eventName,
            identifier: input.identifier,
            timestamp: Math.floor(input.timestamp.getTime() / 1000),
            payload: { stripe_customer_id: input.customerId, value: String(input.value) },
          },
          { idempotencyKey: input.identifier },
        ),
      );
      return { duplicate: event.lastResponse.headers['idempotent-replayed'] === 'true' };
    } catch (error) {
      if (
        (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_already_exists') ||
        error instanceof Stripe.errors.StripeIdempotencyError
      )
        return { duplicate: true };
      throw error;
    }
  }

  async paymentIntentMetadata(intentId: string): Promise<Record<string, string>> {
    const intent = await call(() => this.stripe.paymentIntents.retrieve(intentId));
    return intent.metadata;
  }

  async updateDispute(id: string, evidence: DisputeEvidence, submit: boolean): Promise<ProcessorDispute> {
    return disputeOf(await call(() => this.stripe.disputes.update(id, { evidence, submit })));
  }

  async retrieveDispute(id: string): Promise<ProcessorDispute> {
    return disputeOf(await call(() => this.stripe.disputes.retrieve(id)));
  }

  verifyWebhook(rawBody: Buffer, signature: string | undefined): ProcessorEvent {
    const event = verifyStripeSignature(rawBody, signature, this.endpoint.webhookSecrets, this.clock);
    return { id: event.id, type: event.type, object: event.data.object as unknown as ProcessorEvent['object'] };
  }
}
