import { defineErrors } from '../error-spec.js';

/** Codes of the gateway's providers: outbound calls, circuit breakers, fallback, per-org provider connections and models. */
export const gatewayProviderErrors = defineErrors({
  'gateway.provider_unavailable': {
    status: 503,
    title: 'Model provider unavailable',
    description:
      'Every target of the model could not be reached, timed out or was rate limited by the upstream, after retries and fallback. `details.attempts` lists the outcome per target.',
  },
  'gateway.upstream_error': {
    status: 502,
    title: 'Model provider error',
    description:
      'The upstream answered with a server error or with something that is not its documented wire format, on every target tried.',
  },
  'gateway.upstream_rejected': {
    status: 400,
    title: 'Request rejected by the model provider',
    description:
      'The upstream refused the request as invalid (a 4xx other than 401, 403 and 429); retrying or falling back cannot help. `details.upstream_status` is its status.',
  },
  'gateway.provider_credential_rejected': {
    status: 502,
    title: 'Provider credential rejected',
    description:
      "The upstream refused the org's provider credential (401 or 403). An org admin updates the provider connection's key.",
  },
  'gateway.circuit_open': {
    status: 503,
    title: 'Model provider circuit open',
    description:
      'The circuit breaker of every target of the model is open after repeated failures; calls resume after a half-open probe succeeds.',
  },
  'gateway.provider_not_found': {
    status: 404,
    title: 'Provider connection not found',
    description: 'No provider connection with this id exists in the org (an id of another org is not found either).',
  },
  'gateway.provider_config_invalid': {
    status: 400,
    title: 'Invalid provider configuration',
    description:
      'The provider connection is invalid: for example a base URL that is not http(s), carries credentials, a query or a fragment, or is plain http in production to a host other than loopback. `issues[].field` names the field.',
  },
  'gateway.provider_in_use': {
    status: 409,
    title: 'Provider connection in use',
    description:
      'The provider connection is a target of one or more org models; delete those models (or change their targets) first. `details.models` names them.',
  },
  'gateway.model_in_use': {
    status: 409,
    title: 'Model in use',
    description:
      "The org model is a target or the shadow of one or more model routes' current versions; point those routes elsewhere first. `details.routes` names them.",
  },
  'gateway.provider_name_taken': {
    status: 409,
    title: 'Provider name taken',
    description: 'The org already has a provider connection of this name.',
  },
  'gateway.org_model_not_found': {
    status: 404,
    title: 'Model configuration not found',
    description: 'No org model with this id exists in the org (an id of another org is not found either).',
  },
  'gateway.model_name_taken': {
    status: 409,
    title: 'Model name taken',
    description: 'The org already has a model of this public name.',
  },
});
