/** A saved card as the processor describes it: never the number. */
export interface CardSummary {
  processorId: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
}

/** The outcome of one payment attempt at the processor. */
export type PaymentOutcome =
  | { status: 'succeeded'; intentId: string }
  /** 3-D Secure: the customer completes it at `actionUrl`; the payment succeeds only after. */
  | { status: 'requires_action'; intentId: string; actionUrl: string }
  | { status: 'failed'; intentId: string | null; declineCode: string; message: string };

/** The outcome of checking a card with a setup intent (saved for later off-session payments when it succeeds). */
export type CardCheckOutcome =
  | { status: 'succeeded'; setupIntentId: string; card: CardSummary }
  /** 3-D Secure on setup: the customer completes it at `actionUrl`; the processor's webhook tells the result. */
  | { status: 'requires_action'; setupIntentId: string; actionUrl: string }
  | { status: 'failed'; setupIntentId: string | null; declineCode: string };

/** The processor's answer to a request it refused as a card decline (`card_error`). */
export class CardDeclined extends Error {
  constructor(
    readonly declineCode: string,
    message: string,
    readonly intentId: string | null,
    /** The setup intent the decline happened on, when it was a card check. */
    readonly setupIntentId: string | null = null,
  ) {
    super(message);
    this.name = 'CardDeclined';
  }
}

/** The processor could not be reached or answered with an error of its own (retryable). */
export class ProcessorUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProcessorUnavailable';
  }
}

/** A verified processor event: what Bulwark reads of it. */
export interface ProcessorEvent {
  id: string;
  type: string;
  /** The event's object (a payment intent, a dispute, …) as the processor sent it. */
  object: { id: string; object: string; status?: string; metadata?: Record<string, string> } & Record<string, unknown>;
}

/** A refund as the processor answered it. */
export interface ProcessorRefund {
  id: string;
  status: 'pending' | 'succeeded' | 'failed' | 'canceled';
}

/** The processor refused a refund as invalid (more than the charge's unrefunded amount, a charge it cannot refund). */
export class RefundRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RefundRefused';
  }
}

/** A dispute as the processor describes it (what Bulwark reads of it). */
export interface ProcessorDispute {
  id: string;
  status: string;
  submissionCount: number;
}

/** Evidence fields Bulwark sends with a dispute response (Stripe's names, text only). */
export type DisputeEvidence = Partial<
  Record<
    | 'access_activity_log'
    | 'customer_communication'
    | 'product_description'
    | 'service_date'
    | 'service_documentation'
    | 'uncategorized_text',
    string
  >
>;

/**
 * The payment processor port: customers, cards by token, payments (3-D Secure included) and webhook verification.
 * Idempotency keys are passed through, so a retried call never creates a second object at the processor.
 */
export interface PaymentProcessor {
  readonly name: 'stripe' | 'sandbox';
  createCustomer(input: { orgId: string; email?: string }, idempotencyKey: string): Promise<string>;
  /** Attaches a card token (from the processor's hosted page) to the customer; throws CardDeclined. */
  attachCard(token: string, customerId: string): Promise<CardSummary>;
  pay(
    input: {
      customerId: string;
      cardId: string;
      amount: number;
      currency: string;
      description?: string;
      metadata: Record<string, string>;
      /** The customer is not present (a renewal or a recovery retry): the processor fails rather than ask for 3DS. */
      offSession?: boolean;
    },
    idempotencyKey: string,
  ): Promise<PaymentOutcome>;
  /** Refunds (part of) a succeeded payment intent; throws RefundRefused when the processor refuses it as invalid. */
  refund(
    input: { intentId: string; amount: number; metadata: Record<string, string> },
    idempotencyKey: string,
  ): Promise<ProcessorRefund>;
  /** The metadata Bulwark set on a payment intent (its org and payment ids), read back from the processor. */
  paymentIntentMetadata(intentId: string): Promise<Record<string, string>>;
  /** Stages evidence on a dispute (`submit: false`) or sends it to the issuer (`submit: true`, final). */
  updateDispute(id: string, evidence: DisputeEvidence, submit: boolean): Promise<ProcessorDispute>;
  retrieveDispute(id: string): Promise<ProcessorDispute>;
  /** Checks a card token with a confirmed off-session setup intent for the customer (attaching it on success). */
  checkCard(
    input: { customerId: string; token: string; metadata: Record<string, string> },
    idempotencyKey: string,
  ): Promise<CardCheckOutcome>;
  /** A payment method's card details (brand, last 4 digits, expiry), never its number. */
  cardOf(paymentMethodId: string): Promise<CardSummary>;
  /**
   * Reports metered usage (a billing meter event) under `identifier`, which the processor records once: a second
   * report with the identifier returns `duplicate: true` and counts nothing.
   */
  reportUsage(input: {
    customerId: string;
    eventName: string;
    value: number;
    timestamp: Date;
    identifier: string;
  }): Promise<{ duplicate: boolean }>;
  /** Verifies a webhook's signature over the raw body and returns its event; throws WebhookSignatureError. */
  verifyWebhook(rawBody: Buffer, signature: string | undefined): ProcessorEvent;
}
