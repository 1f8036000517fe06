/** The `error` object of a Stripe API error response. */
export interface StripeErrorBody {
  type: 'card_error' | 'invalid_request_error' | 'idempotency_error' | 'authentication_error' | 'api_error';
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  payment_intent?: unknown;
  setup_intent?: unknown;
  payment_method?: unknown;
}

/**
 * A failure the sandbox answers with Stripe's status and error body, so that the official SDK raises the same
 * exception class it raises against Stripe (StripeCardError for 402 `card_error`, StripeInvalidRequestError, …).
 */
export class StripeFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
    this.name = 'StripeFailure';
  }
}

/** 400 (or 404 with `resource_missing`) `invalid_request_error` naming the parameter at fault. */
export function invalidRequest(message: string, param?: string, code?: string): StripeFailure {
  return new StripeFailure(code === 'resource_missing' ? 404 : 400, {
    type: 'invalid_request_error',
    message,
    ...(param !== undefined ? { param } : {}),
    ...(code !== undefined ? { code } : {}),
  });
}

/** 404 `resource_missing` for an object id this account does not have. */
export function noSuch(kind: string, id: string, param = 'id'): StripeFailure {
  return invalidRequest(`No such ${kind}: '${id.slice(0, 64)}'`, param, 'resource_missing');
}
