/** A decline as Stripe reports it: the error `code` and, for `card_declined`, the issuer's `decline_code`. */
export interface Decline {
  code: 'card_declined' | 'expired_card' | 'incorrect_cvc' | 'processing_error' | 'authentication_required';
  declineCode?: string;
  message: string;
}

/** How a test card behaves, per Stripe's testing documentation (https://docs.stripe.com/testing). */
export interface CardBehaviour {
  brand: 'visa' | 'mastercard' | 'amex';
  last4: string;
  funding: 'credit' | 'debit';
  /** Declined when attached to a customer (Stripe checks the card on attach). */
  attachDecline?: Decline;
  /** Declined on every charge (after any 3D Secure step). */
  chargeDecline?: Decline;
  /**
   * 3D Secure: `always` on every payment and setup; `unless_setup` on off-session payments until the card was set up
   * for future use (on-session payments always ask); `none` never.
   */
  authentication: 'always' | 'unless_setup' | 'none';
  /** A successful charge is disputed right after (reason `fraudulent`). */
  disputed?: boolean;
  /**
   * Bulwark-sandbox renewal cards only: the first charge fails with `chargeDecline`; each later charge succeeds with
   * this seeded, deterministic chance (0: never).
   */
  laterChargeSucceeds?: number;
}

const declined = (declineCode: string, message: string): Decline => ({ code: 'card_declined', declineCode, message });

const GENERIC = declined('generic_decline', 'Your card was declined.');

// Test card numbers and the PaymentMethod ids Stripe documents for them. A card number here is a public test number,
// never a real card; the hosted tokenization page turns it into a PaymentMethod id.
const CARDS: readonly { number: string; aliases: readonly string[]; behaviour: CardBehaviour }[] = [
  {
    number: '4242424242424242',
    aliases: ['pm_card_visa', 'tok_visa'],
    behaviour: { brand: 'visa', last4: '4242', funding: 'credit', authentication: 'none' },
  },
  {
    number: '4000056655665556',
    aliases: ['pm_card_visa_debit', 'tok_visa_debit'],
    behaviour: { brand: 'visa', last4: '5556', funding: 'debit', authentication: 'none' },
  },
  {
    number: '5555555555554444',
    aliases: ['pm_card_mastercard', 'tok_mastercard'],
    behaviour: { brand: 'mastercard', last4: '4444', funding: 'credit', authentication: 'none' },
  },
  {
    number: '378282246310005',
    aliases: ['pm_card_amex', 'tok_amex'],
    behaviour: { brand: 'amex', last4: '0005', funding: 'credit', authentication: 'none' },
  },
  {
    number: '4000000000000002',
    aliases: ['pm_card_chargeDeclined', 'tok_chargeDeclined'],
    behaviour: { brand: 'visa', last4: '0002', funding: 'credit', authentication: 'none', attachDecline: GENERIC },
  },
  {
    number: '4000000000009995',
    aliases: ['pm_card_chargeDeclinedInsufficientFunds', 'tok_chargeDeclinedInsufficientFunds'],
    behaviour: {
      brand: 'visa',
      last4: '9995',
      funding: 'credit',
      authentication: 'none',
      attachDecline: declined('insufficient_funds', 'Your card has insufficient funds.'),
    },
  },
  {
    number: '4000000000009987',
    aliases: ['pm_card_chargeDeclinedLostCard', 'tok_chargeDeclinedLostCard'],
    behaviour: {
      brand: 'visa',
      last4: '9987',
      funding: 'credit',
      authentication: 'none',
      attachDecline: declined('lost_card', 'Your card was declined.'),
    },
  },
  {
    number: '4000000000009979',
    aliases: ['pm_card_chargeDeclinedStolenCard', 'tok_chargeDeclinedStolenCard'],
    behaviour: {
      brand: 'visa',
      last4: '9979',
      funding: 'credit',
      authentication: 'none',
      attachDecline: declined('stolen_card', 'Your card was declined.'),
    },
  },
  {
    number: '4100000000000019',
    aliases: ['pm_card_chargeDeclinedFraudulent', 'tok_chargeDeclinedFraudulent'],
    behaviour: {
      brand: 'visa',
      last4: '0019',
      funding: 'credit',
      authentication: 'none',
      attachDecline: declined('fraudulent', 'Your card was declined.'),
    },
  },
  {
    number: '4000000000000069',
    aliases: ['pm_card_chargeDeclinedExpiredCard', 'tok_chargeDeclinedExpiredCard'],
    behaviour: {
      brand: 'visa',
      last4: '0069',
      funding: 'credit',
      authentication: 'none',
      attachDecline: { code: 'expired_card', declineCode: 'expired_card', message: 'Your card has expired.' },
    },
  },
  {
    number: '4000000000000127',
    aliases: ['pm_card_chargeDeclinedIncorrectCvc', 'tok_chargeDeclinedIncorrectCvc'],
    behaviour: {
      brand: 'visa',
      last4: '0127',
      funding: 'credit',
      authentication: 'none',
      attachDecline: {
        code: 'incorrect_cvc',
        declineCode: 'incorrect_cvc',
        message: "Your card's security code is incorrect.",
      },
    },
  },
  {
    number: '4000000000000119',
    aliases: ['pm_card_chargeDeclinedProcessingError', 'tok_chargeDeclinedProcessingError'],
    behaviour: {
      brand: 'visa',
      last4: '0119',
      funding: 'credit',
      authentication: 'none',
      attachDecline: {
        code: 'processing_error',
        declineCode: 'processing_error',
        message: 'An error occurred while processing your card.',
      },
    },
  },
  {
    // Attaching succeeds; every charge fails.
    number: '4000000000000341',
    aliases: ['pm_card_chargeCustomerFail', 'tok_chargeCustomerFail'],
    behaviour: { brand: 'visa', last4: '0341', funding: 'credit', authentication: 'none', chargeDecline: GENERIC },
  },
  {
    number: '4000002760003184',
    aliases: ['pm_card_authenticationRequired', 'tok_authenticationRequired'],
    behaviour: { brand: 'visa', last4: '3184', funding: 'credit', authentication: 'always' },
  },
  {
    number: '4000002500003155',
    aliases: ['pm_card_authenticationRequiredOnSetup', 'tok_authenticationRequiredOnSetup'],
    behaviour: { brand: 'visa', last4: '3155', funding: 'credit', authentication: 'unless_setup' },
  },
  {
    number: '4000000000003220',
    aliases: ['pm_card_threeDSecure2Required', 'tok_threeDSecure2Required'],
    behaviour: { brand: 'visa', last4: '3220', funding: 'credit', authentication: 'always' },
  },
  {
    // 3D Secure required, then declined for insufficient funds once authenticated.
    number: '4000008260003178',
    aliases: ['pm_card_authenticationRequiredChargeDeclinedInsufficientFunds'],
    behaviour: {
      brand: 'visa',
      last4: '3178',
      funding: 'credit',
      authentication: 'always',
      chargeDecline: declined('insufficient_funds', 'Your card has insufficient funds.'),
    },
  },
  {
    // 3D Secure required, then declined (card_declined) once authenticated. Stripe documents no alias for it: it is
    // reached through the hosted tokenization page.
    number: '4000008400001629',
    aliases: [],
    behaviour: { brand: 'visa', last4: '1629', funding: 'credit', authentication: 'always', chargeDecline: GENERIC },
  },
  {
    number: '4000000000000259',
    aliases: ['pm_card_createDispute', 'tok_createDispute'],
    behaviour: { brand: 'visa', last4: '0259', funding: 'credit', authentication: 'none', disputed: true },
  },
];

/**
 * BULWARK-SANDBOX-ONLY payment method ids, not Stripe's (Stripe knows none of them): cards that attach, fail their
 * first charge with a given decline code, and succeed on a later charge with a stated chance per attempt, so
 * failed-payment recovery can be exercised. The chance is decided by a seeded hash of the card's creation order in
 * the sandbox and the attempt number, so a run that creates cards in the same order sees the same outcomes.
 */
export const SANDBOX_RENEWAL_CARDS: readonly { id: string; decline: Decline; laterChargeSucceeds: number }[] = [
  {
    id: 'pm_card_bulwarkSandbox_renewalDeclined_insufficientFunds',
    decline: declined('insufficient_funds', 'Your card has insufficient funds.'),
    laterChargeSucceeds: 0.3,
  },
  {
    // For tests: the first charge fails for insufficient funds, every later one succeeds.
    id: 'pm_card_bulwarkSandbox_renewalDeclined_insufficientFunds_thenSucceeds',
    decline: declined('insufficient_funds', 'Your card has insufficient funds.'),
    laterChargeSucceeds: 1,
  },
  {
    id: 'pm_card_bulwarkSandbox_renewalDeclined_doNotHonor',
    decline: declined('do_not_honor', 'Your card was declined.'),
    laterChargeSucceeds: 0.2,
  },
  { id: 'pm_card_bulwarkSandbox_renewalDeclined_genericDecline', decline: GENERIC, laterChargeSucceeds: 0.2 },
  {
    id: 'pm_card_bulwarkSandbox_renewalDeclined_expiredCard',
    decline: { code: 'expired_card', declineCode: 'expired_card', message: 'Your card has expired.' },
    laterChargeSucceeds: 0,
  },
  {
    id: 'pm_card_bulwarkSandbox_renewalDeclined_fraudulent',
    decline: declined('fraudulent', 'Your card was declined.'),
    laterChargeSucceeds: 0,
  },
  {
    id: 'pm_card_bulwarkSandbox_renewalDeclined_stolenCard',
    decline: declined('stolen_card', 'Your card was declined.'),
    laterChargeSucceeds: 0,
  },
  {
    id: 'pm_card_bulwarkSandbox_renewalDeclined_lostCard',
    decline: declined('lost_card', 'Your card was declined.'),
    laterChargeSucceeds: 0,
  },
];

const renewalCards = SANDBOX_RENEWAL_CARDS.map(
  (card, i) =>
    [
      card.id,
      {
        brand: 'visa',
        last4: String(9000 + i),
        funding: 'credit',
        authentication: 'none',
        chargeDecline: card.decline,
        laterChargeSucceeds: card.laterChargeSucceeds,
      },
    ] as const satisfies readonly [string, CardBehaviour],
);

const byAlias = new Map<string, CardBehaviour>([
  ...CARDS.flatMap((card) => card.aliases.map((alias) => [alias, card.behaviour] as const)),
  ...renewalCards,
]);
const byNumber = new Map(CARDS.map((card) => [card.number, card.behaviour] as const));

/** The behaviour of a documented test PaymentMethod id or token (`pm_card_visa`, `tok_visa`, …), if it is one. */
export function testCardByAlias(id: string): CardBehaviour | undefined {
  return byAlias.get(id);
}

/** The behaviour of a documented test card number (digits only), if it is one. */
export function testCardByNumber(digits: string): CardBehaviour | undefined {
  return byNumber.get(digits);
}
