/** A rendered e-mail of the billing outbox. */
export interface RenderedMessage {
  kind: 'recovery_authenticate' | 'recovery_update_card';
  subject: string;
  body: string;
}

function money(amount: number, currency: string): string {
  return `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;
}

// SECURITY: a message names the amount, the date and the processor's hosted link only (which carries the intent id,
// as the processor's own links do): never a card number, its brand or last digits, so a leaked e-mail shows no card.

/** Asks the billing contacts to complete 3-D Secure for a payment at the processor's hosted page. */
export function authenticateMessage(input: { amount: number; currency: string; url: string; graceEndsAt: Date }) {
  return {
    kind: 'recovery_authenticate',
    subject: 'Action needed: confirm your payment',
    body: [
      `Your bank asks you to confirm a payment of ${money(input.amount, input.currency)} to keep your plan.`,
      '',
      `Confirm it here: ${input.url}`,
      '',
      `Your plan stays active until ${input.graceEndsAt.toISOString().slice(0, 10)}.`,
    ].join('\n'),
  } satisfies RenderedMessage;
}

/** Asks the billing contacts to replace a card that can no longer be charged. */
export function updateCardMessage(input: { amount: number; currency: string; url: string | null; graceEndsAt: Date }) {
  return {
    kind: 'recovery_update_card',
    subject: 'Action needed: update your card',
    body: [
      `A payment of ${money(input.amount, input.currency)} failed because the card on file can no longer be used.`,
      '',
      input.url
        ? `Enter a new card on the payment processor's page: ${input.url}, then save it in your billing settings.`
        : 'Add a new card in your billing settings.',
      '',
      `Your plan stays active until ${input.graceEndsAt.toISOString().slice(0, 10)}; the payment is retried on the new card.`,
    ].join('\n'),
  } satisfies RenderedMessage;
}
