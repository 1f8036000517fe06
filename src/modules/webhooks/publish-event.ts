import { newId } from '../../lib/ids.js';
import type { TenantSql } from '../../platform/db/index.js';
import { enqueueJob } from '../../platform/jobs/index.js';
import { EVENT_TYPE_PATTERN, matchesEventFilter } from './event-type-filter.js';
import { insertDelivery, insertEvent, selectEndpoints } from './repo.js';

/** The job kind that sends one delivery. */
export const DELIVER_JOB_KIND = 'webhooks.deliver';

/** Tries of one delivery before it is `failed` (with the runner's backoff, spread over 3 to 6 hours). */
export const DELIVERY_MAX_ATTEMPTS = 12;

/** An event of this org to send to its subscribed endpoints. */
export interface OutboundEvent {
  /** `module.noun.verb`, e.g. `billing.payment.succeeded`. */
  type: string;
  /** The event's JSON object (snake_case, no secrets). */
  data: Record<string, unknown>;
  /** When it happened (the injected clock). */
  at: Date;
}

/** Enqueues the job that sends delivery `deliveryId` (once: the delivery id is its dedupe key). */
export async function enqueueDelivery(sql: TenantSql, deliveryId: string, at: Date): Promise<void> {
  await enqueueJob(
    sql,
    {
      kind: DELIVER_JOB_KIND,
      payload: { delivery_id: deliveryId },
      dedupeKey: `${DELIVER_JOB_KIND}:${deliveryId}`,
      maxAttempts: DELIVERY_MAX_ATTEMPTS,
    },
    at,
  );
}

/**
 * Publishes an event of the transaction's org: stores it with the exact body to be signed and creates one delivery
 * (and its job) per endpoint subscribed to its type. INVARIANT: it runs in the caller's transaction, so the event
 * and its deliveries commit with the effect they report, or not at all. Answers the event id, or null when no
 * endpoint subscribed (nothing is stored then).
 */
export async function publishEvent(sql: TenantSql, event: OutboundEvent): Promise<string | null> {
  if (!EVENT_TYPE_PATTERN.test(event.type)) throw new Error(`invalid webhook event type ${event.type}`);
  const endpoints = (await selectEndpoints(sql)).filter((e) => matchesEventFilter(e.event_types, event.type));
  if (endpoints.length === 0) return null;
  const eventId = newId('wev', event.at.getTime());
  // The Standard Webhooks payload: type, timestamp, data.
  const body = JSON.stringify({ type: event.type, timestamp: event.at.toISOString(), data: event.data });
  await insertEvent(sql, eventId, event.type, body, event.at);
  for (const endpoint of endpoints) {
    const deliveryId = newId('whd', event.at.getTime());
    await insertDelivery(sql, { id: deliveryId, endpointId: endpoint.id, eventId, replayOf: null, at: event.at });
    await enqueueDelivery(sql, deliveryId, event.at);
  }
  return eventId;
}
