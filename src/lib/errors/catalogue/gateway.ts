import { defineErrors } from '../error-spec.js';

/** Codes of the AI gateway (`/v1/chat/completions`, `/v1/responses`, `/v1/embeddings`, `/v1/models`). */
export const gatewayErrors = defineErrors({
  'gateway.model_not_found': {
    status: 404,
    title: 'Model not found',
    description:
      "The org has no model of that name (rendered with OpenAI's `code: model_not_found` and `param: model`). A model of another kind (an embedding model sent to chat) is not found either.",
  },
  'gateway.document_not_found': {
    status: 404,
    title: 'Document not found',
    description:
      "No retrieval document with this id exists in the caller's org, or policy does not let the caller see it (the same answer for both, and for an id of another org).",
  },
  'gateway.guardrail_blocked': {
    status: 422,
    title: 'Blocked by guardrail',
    description:
      "The input guards blocked the request before it reached a model (the org's guard policy blocks a class found in the prompt: PII, secrets, prompt injection). `details.classes` names the classes, never the matched text.",
  },
  'gateway.model_policy_denied': {
    status: 403,
    title: 'Model policy denied the request',
    description:
      "Cedar denied `invoke:models` on this model with the request's data classes and the model's attributes in the context (for example: no model may receive secrets; PII only to models whose `dataClassesAllowed` include it). `details.reasons` lists the deciding policies.",
  },
  'gateway.cross_tenant_request': {
    status: 403,
    title: 'Cross-tenant request refused',
    description:
      "The prompt asks for another tenant's data (it names another org id or slug, or asks for all orgs or to join across tenants). The answer is the same whether or not the named org exists.",
  },
  'gateway.output_blocked': {
    status: 502,
    title: 'Model response withheld',
    description:
      'The output guards stopped the model response (it was quarantined for review or blocked by policy). In a stream this arrives as an error event after the part already scanned and released.',
  },
  'gateway.provider_error': {
    status: 502,
    title: 'Model provider failed',
    description:
      "The model provider could not answer (unreachable, an error, or a malformed reply). The upstream's message is logged, never shown.",
  },
  'gateway.provider_rate_limited': {
    status: 429,
    title: 'Model provider rate limited',
    description: 'The model provider answered 429; retry later (`Retry-After` when the upstream sent one).',
  },
  'gateway.client_disconnected': {
    status: 499,
    title: 'Client closed the stream',
    description:
      'Recorded in the audit log only: the client went away before a streamed response ended; the upstream call was aborted and the usage received so far settled.',
  },
});
