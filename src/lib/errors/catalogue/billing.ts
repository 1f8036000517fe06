import { defineErrors } from '../error-spec.js';

/** Codes of payments: card numbers refused, declines, idempotent charges, processor webhooks. */
export const billingErrors = defineErrors({
  'billing.pan_forbidden': {
    status: 400,
    title: 'Card number refused',
    description:
      "A field of the request holds a card number (a Luhn-valid PAN). Bulwark never takes card data: a card is added with the token the processor's hosted card page returns. `details.field` names the field; the number is neither stored nor logged.",
  },
  'billing.idempotency_key_required': {
    status: 400,
    title: 'Idempotency-Key required',
    description:
      'Charges must carry an `Idempotency-Key` header (1 to 255 printable ASCII characters), so that a retry never charges twice.',
  },
  'billing.idempotency_conflict': {
    status: 400,
    title: 'Idempotency key reused with other parameters',
    description:
      'The `Idempotency-Key` was first used with a different request. Its first result is kept for 24 hours; use a new key for a different charge.',
  },
  'billing.idempotency_in_progress': {
    status: 409,
    title: 'Charge with this key in progress',
    description:
      'A request with the same `Idempotency-Key` is still being processed. Retry after a moment: the retry gets its result, and no second charge is made.',
  },
  'billing.card_declined': {
    status: 402,
    title: 'Card declined',
    description:
      "The processor declined the card. `details.decline_code` is the processor's reason (`insufficient_funds`, `expired_card`, `authentication_required`, …); the attempt is recorded.",
  },
  'billing.payment_method_not_found': {
    status: 404,
    title: 'Payment method not found',
    description: "The payment method is not one of this organization's saved cards.",
  },
  'billing.payment_not_found': {
    status: 404,
    title: 'Payment not found',
    description: 'The payment does not exist in this organization.',
  },
  'billing.processor_unavailable': {
    status: 503,
    title: 'Payment processor unavailable',
    description:
      'The payment processor could not be reached or failed. Retry with the same `Idempotency-Key`: the processor is asked with the same key, so nothing is charged twice.',
  },
  'billing.payment_not_refundable': {
    status: 409,
    title: 'Payment cannot be refunded',
    description:
      "Only a succeeded payment can be refunded; `details.status` is the payment's state (`pending`, `requires_action`, `failed`).",
  },
  'billing.refund_exceeds_remaining': {
    status: 409,
    title: 'Refund exceeds the refundable amount',
    description:
      "The refund's `amount` is more than what remains of the payment after its earlier refunds (pending ones included); `details.remaining` is that amount.",
  },
  'billing.refund_refused': {
    status: 409,
    title: 'Refund refused by the processor',
    description: "The processor refused the refund; the attempt is recorded as `failed` with the processor's code.",
  },
  'billing.refund_not_found': {
    status: 404,
    title: 'Refund not found',
    description: 'The refund does not exist in this organization.',
  },
  'billing.dispute_not_found': {
    status: 404,
    title: 'Dispute not found',
    description: 'The dispute does not exist in this organization.',
  },
  'billing.dispute_already_submitted': {
    status: 409,
    title: 'Dispute evidence already submitted',
    description:
      'Evidence for this dispute was submitted to the issuer; it is final and cannot be staged or submitted again.',
  },
  'billing.dispute_closed': {
    status: 409,
    title: 'Dispute closed',
    description: 'The dispute is closed (`won` or `lost`); evidence can no longer be staged or submitted.',
  },
  'billing.dispute_open': {
    status: 409,
    title: 'Dispute still open',
    description:
      'The freeze of a dispute that is still open cannot be lifted by hand: it is lifted when the dispute is won, or by an operator after it is lost.',
  },
  'billing.dispute_not_frozen': {
    status: 409,
    title: 'Dispute holds no freeze',
    description: "This dispute's freeze of paid entitlements is already lifted.",
  },
  'billing.dispute_lost': {
    status: 409,
    title: 'Dispute lost',
    description:
      'Reason code of a dispute the issuer decided for the cardholder; the freeze of paid entitlements stays until an operator lifts it.',
  },
  'billing.dispute_opened': {
    status: 409,
    title: 'Payment disputed',
    description: "Reason code of the freeze a dispute puts on the org's paid entitlements while it is open.",
  },
  'billing.dispute_evidence_not_staged': {
    status: 409,
    title: 'No evidence staged',
    description: 'Stage the evidence (`POST …/disputes/{id}/evidence`) and review it before submitting it.',
  },
  'billing.dispute_won': {
    status: 409,
    title: 'Dispute won',
    description: 'Reason code of the restored paid entitlements when the issuer decided a dispute for the merchant.',
  },
  'billing.webhook_signature_invalid': {
    status: 400,
    title: 'Webhook signature invalid',
    description:
      'The webhook has no valid `Stripe-Signature` for its exact body under a current signing secret, or its timestamp is more than 300 s old or more than 60 s ahead. Nothing in it was read.',
  },
  'billing.trial_unavailable': {
    status: 409,
    title: 'Trial not available',
    description:
      'An organization gets one trial, and only before it has subscribed; a trial whose card check failed may be started again with another card.',
  },
  'billing.card_required': {
    status: 409,
    title: 'Verified card required',
    description:
      "A paid plan is paid for with a card of the organization's: name a saved card (`payment_method_id`), keep the subscription's card, or start a trial with a card token (its setup intent checks the card). The renewal job also reports it when it drops a paid plan that has no card to charge.",
  },
  'billing.plan_feature_required': {
    status: 402,
    title: 'Not in your plan',
    description:
      "The organization's plan does not include the feature (`details.feature`: `retrieval`, `canary_routes` or `shadow_routes`); upgrade to use it. Checked at each use, so a downgrade ends it at once. An organization on no billing plan is not restricted.",
  },
  'billing.payment_overdue': {
    status: 402,
    title: 'Payment overdue',
    description:
      "The organization's last failed payment is still owed after its grace period; the renewal job does not charge the next period and drops the plan to Free (the reason of `billing.subscription.canceled`).",
  },
  'billing.subscription_not_found': {
    status: 404,
    title: 'No subscription',
    description: 'The organization has no subscription to change (it is on the Free plan).',
  },
  'billing.cap_raise_forbidden': {
    status: 403,
    title: 'Raising a spending cap needs bill:payments',
    description:
      'Raising or removing a budget or spending cap lets more money be spent, so it needs the `bill:payments` action (finance or owner) besides the one that edits limits. Lowering or adding caps does not.',
  },
});
