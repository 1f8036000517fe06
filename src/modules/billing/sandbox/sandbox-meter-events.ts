import type { Clock } from '../../../lib/clock.js';
import { invalidRequest } from './stripe-failure.js';

/** A metered usage event as the sandbox recorded it. */
export interface RecordedMeterEvent {
  identifier: string;
  eventName: string;
  customer: string;
  value: number;
  timestamp: number;
  created: number;
}

// Stripe enforces an identifier's uniqueness over a rolling period of at least 24 hours; the sandbox keeps it for
// as long as it runs.
/** Billing meter events (`POST /v1/billing/meter_events`), each identifier recorded once, as Stripe does. */
export class SandboxMeterEvents {
  private readonly events = new Map<string, RecordedMeterEvent>();

  constructor(private readonly deps: { clock: Clock; customerExists(id: string): boolean }) {}

  /** Records one event; a second event with the identifier is refused (`invalid_request_error`). */
  create(params: {
    eventName: string;
    customer: string;
    value: string;
    identifier: string;
    timestamp?: number;
  }): Record<string, unknown> {
    if (!/^[0-9]{1,15}$/.test(params.value))
      throw invalidRequest('payload[value] must be a whole number of 0 or more', 'payload[value]');
    if (!this.deps.customerExists(params.customer))
      throw invalidRequest(`No such customer: '${params.customer}'`, 'payload[stripe_customer_id]', 'resource_missing');
    if (this.events.has(params.identifier))
      throw invalidRequest(
        `An event already exists with identifier ${params.identifier}.`,
        'identifier',
        'resource_already_exists',
      );
    const now = Math.floor(this.deps.clock.now().getTime() / 1000);
    const timestamp = params.timestamp ?? now;
    if (timestamp < now - 35 * 86_400 || timestamp > now + 300)
      throw invalidRequest('timestamp must be within the past 35 days or up to 5 minutes ahead', 'timestamp');
    const event: RecordedMeterEvent = {
      identifier: params.identifier,
      eventName: params.eventName,
      customer: params.customer,
      value: Number(params.value),
      timestamp,
      created: now,
    };
    this.events.set(event.identifier, event);
    return {
      object: 'billing.meter_event',
      created: event.created,
      event_name: event.eventName,
      identifier: event.identifier,
      livemode: false,
      payload: { stripe_customer_id: event.customer, value: params.value },
      timestamp: event.timestamp,
    };
  }

  /** Every event recorded so far, oldest first. */
  list(): readonly RecordedMeterEvent[] {
    return [...this.events.values()];
  }
}
