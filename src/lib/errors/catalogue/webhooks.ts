import { defineErrors } from '../error-spec.js';

/** Codes of outbound webhooks: endpoints, their URLs, deliveries. */
export const webhookErrors = defineErrors({
  'webhooks.endpoint_url_invalid': {
    status: 400,
    title: 'Webhook endpoint URL refused',
    description:
      'The endpoint URL is not an absolute https URL (plain http only with private targets allowed), carries credentials or a fragment, or points at a loopback, private, link-local or otherwise non-public address. `details.issues` names the field.',
  },
  'webhooks.endpoint_not_found': {
    status: 404,
    title: 'Webhook endpoint not found',
    description: 'The webhook endpoint does not exist in this organization (or was deleted).',
  },
  'webhooks.delivery_not_found': {
    status: 404,
    title: 'Webhook delivery not found',
    description: 'The delivery does not exist for this webhook endpoint of this organization.',
  },
  'webhooks.delivery_failed': {
    status: 502,
    title: 'Webhook delivery failed',
    description:
      'Every attempt of a delivery failed (the receiver was unreachable, timed out or answered other than 2xx); the reason code of the `webhooks.delivery.failed` audit event. The delivery can be replayed.',
  },
  'webhooks.target_refused': {
    status: 502,
    title: 'Webhook target refused',
    description:
      "A delivery's host resolved to a non-public address, so Bulwark did not connect to it (SSRF defence). Recorded on the delivery; never returned by the API.",
  },
});
