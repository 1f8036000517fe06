export { checkWebhookUrl, isPublicAddress, type WebhookTargetRules } from './check-webhook-target.js';
export { WebhookDeliverer, type WebhookDelivererDeps } from './deliver-webhook.js';
export {
  WebhookEndpointService,
  type AttemptView,
  type DeliveryView,
  type EndpointView,
  type NewEndpoint,
  type WebhookEndpointServiceDeps,
} from './endpoint-service.js';
export { EVENT_FILTER_PATTERN, matchesEventFilter } from './event-type-filter.js';
export { DELIVER_JOB_KIND, publishEvent, type OutboundEvent } from './publish-event.js';
export { newWebhookSecret, signWebhook } from './webhook-signature.js';
