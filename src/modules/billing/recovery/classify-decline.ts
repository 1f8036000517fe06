/**
 * Why a payment failed, as recovery acts on it:
 * - `insufficient_funds`: soft, retried on a schedule aligned to likely paydays;
 * - `expired_card`: the card cannot be charged again; the customer updates it through a hosted link;
 * - `authentication_required`: the issuer wants 3-D Secure; the customer completes it through a hosted link;
 * - `do_not_honor`: soft, the issuer gave no reason; a few retries;
 * - `hard_decline`: fraud, stolen, lost or picked-up card (or the issuer says never to retry): never retried.
 */
export type DeclineReason =
  'insufficient_funds' | 'expired_card' | 'authentication_required' | 'do_not_honor' | 'hard_decline';

// Stripe's documented decline codes (https://docs.stripe.com/declines/codes), grouped by what a retry can achieve.
// A code not listed is treated as `do_not_honor` (a soft decline with few retries): retrying an unknown soft
// decline a couple of times is what Stripe's own Smart Retries do, and a hard decline is always named.
const REASONS: Readonly<Record<string, DeclineReason>> = {
  // Funds: usually paid after the next payday.
  insufficient_funds: 'insufficient_funds',
  card_velocity_exceeded: 'insufficient_funds',
  withdrawal_count_limit_exceeded: 'insufficient_funds',
  // The card itself is no longer usable: only a new card helps.
  expired_card: 'expired_card',
  invalid_expiry_month: 'expired_card',
  invalid_expiry_year: 'expired_card',
  invalid_number: 'expired_card',
  incorrect_number: 'expired_card',
  new_account_information_available: 'expired_card',
  card_not_supported: 'expired_card',
  // The issuer asks the cardholder to authenticate.
  authentication_required: 'authentication_required',
  approve_with_id: 'authentication_required',
  // Soft, unexplained declines.
  do_not_honor: 'do_not_honor',
  generic_decline: 'do_not_honor',
  call_issuer: 'do_not_honor',
  card_declined: 'do_not_honor',
  issuer_not_available: 'do_not_honor',
  processing_error: 'do_not_honor',
  try_again_later: 'do_not_honor',
  reenter_transaction: 'do_not_honor',
  no_action_taken: 'do_not_honor',
  not_permitted: 'do_not_honor',
  service_not_allowed: 'do_not_honor',
  transaction_not_allowed: 'do_not_honor',
  currency_not_supported: 'do_not_honor',
  duplicate_transaction: 'do_not_honor',
  incorrect_cvc: 'do_not_honor',
  invalid_cvc: 'do_not_honor',
  incorrect_pin: 'do_not_honor',
  invalid_pin: 'do_not_honor',
  offline_pin_required: 'do_not_honor',
  online_or_offline_pin_required: 'do_not_honor',
  pin_try_exceeded: 'do_not_honor',
  incorrect_zip: 'do_not_honor',
  invalid_amount: 'do_not_honor',
  invalid_account: 'do_not_honor',
  testmode_decline: 'do_not_honor',
  // SECURITY: retrying these is card testing or charging a stolen card; networks fine merchants who do.
  fraudulent: 'hard_decline',
  stolen_card: 'hard_decline',
  lost_card: 'hard_decline',
  pickup_card: 'hard_decline',
  merchant_blacklist: 'hard_decline',
  restricted_card: 'hard_decline',
  security_violation: 'hard_decline',
  revocation_of_all_authorizations: 'hard_decline',
  revocation_of_authorization: 'hard_decline',
  stop_payment_order: 'hard_decline',
};

/** The recovery reason of a processor decline code (Stripe's `decline_code`, else its error `code`). */
export function classifyDecline(declineCode: string): DeclineReason {
  return REASONS[declineCode.trim().toLowerCase()] ?? 'do_not_honor';
}

/** The decline codes the classifier names explicitly (for its table-driven test and the docs). */
export const CLASSIFIED_DECLINE_CODES: readonly string[] = Object.keys(REASONS);
