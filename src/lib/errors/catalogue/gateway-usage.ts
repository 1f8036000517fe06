import { defineErrors } from '../error-spec.js';

/** Codes of gateway metering: rate limits, token quotas, budgets and caps, the cost guard, the price table. */
export const gatewayUsageErrors = defineErrors({
  'gateway.rate_limited': {
    status: 429,
    title: 'Rate limit exceeded',
    description:
      "The org's requests per minute (RPM) or tokens per minute (TPM) limit is reached. `details.limit` names it and `details.retry_after_seconds` says when the window resets.",
  },
  'gateway.quota_exceeded': {
    status: 429,
    title: 'Token quota exceeded',
    description:
      "The org's monthly token quota (its plan) would be exceeded by this call, counting calls in flight. It resets at the start of the next UTC month.",
  },
  'gateway.budget_exceeded': {
    status: 402,
    title: 'Budget exceeded',
    description:
      "The call's estimated cost would take the org's budget, or a daily or monthly spending cap of a role or API key, over its limit (calls in flight included). `details.scope` (`org`, `role`, `key`) and `details.period` (`day`, `month`) name the limit. 402, not 429: retrying does not help until the period ends or the limit is raised.",
  },
  'gateway.cost_guard_tripped': {
    status: 429,
    title: 'Cost guard tripped',
    description:
      "The org's spend rate jumped far above its trailing baseline and its cost guard is in `block` mode: model calls are refused until an administrator resets it (`POST /v1/orgs/{org_id}/gateway/cost-guard/reset`).",
  },
  'gateway.meter_unavailable': {
    status: 503,
    title: 'Usage meter unavailable',
    description:
      'The rate-limit counters (Redis) or the budget database could not be reached, so the call is refused (metering fails closed).',
  },
  'gateway.price_missing': {
    status: 503,
    title: 'No price for model',
    description:
      'The price table has no row for the model and no `*` fallback row, so its cost cannot be reserved against a budget (fails closed). An operator sets one with `PUT /v1/gateway/prices`.',
  },
  'gateway.duplicate_request': {
    status: 409,
    title: 'Request already metered',
    description: 'A reservation for this request id already exists; a request id is metered once.',
  },
});
