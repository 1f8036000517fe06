import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { request } from 'undici';
import type { Clock } from '../../../lib/clock.js';
import type { LedgerEvent } from './sandbox-ledger.js';

/** Where the sandbox sends its events, and the signing secret (`whsec_…`) the receiver verifies them with. */
export interface WebhookEndpoint {
  url: string;
  secret: string;
}

/** One attempt to deliver one event. */
export interface DeliveryAttempt {
  eventId: string;
  type: string;
  url: string;
  status: number | null;
  attempt: number;
  /** The exact body and `Stripe-Signature` sent (a receiver's tests replay and alter them). */
  payload: string;
  signature: string;
}

const MAX_ATTEMPTS = 4;
const FIRST_RETRY_MS = 200;

/**
 * Sends the sandbox's events as Stripe does: a JSON event object POSTed to each endpoint with a `Stripe-Signature`
 * header (`t=<unix seconds>,v1=<HMAC-SHA256 of "t.payload">`, made by the official SDK's signer), in the order they
 * happened, retried with backoff until the endpoint answers 2xx.
 */
export class SandboxWebhooks {
  readonly attempts: DeliveryAttempt[] = [];
  private readonly endpoints: WebhookEndpoint[] = [];
  private readonly events: Record<string, unknown>[] = [];
  private chain: Promise<void> = Promise.resolve();
  private readonly signer = Stripe.webhooks;

  constructor(private readonly deps: { clock: Clock; apiVersion: string }) {}

  /** Adds an endpoint; events from now on are sent to it too. */
  addEndpoint(endpoint: WebhookEndpoint): void {
    this.endpoints.push(endpoint);
  }

  /** Every event so far, newest first (as `GET /v1/events` lists them). */
  list(): Record<string, unknown>[] {
    return [...this.events].reverse();
  }

  /** The event with this id, if there is one. */
  find(id: string): Record<string, unknown> | undefined {
    return this.events.find((event) => event.id === id);
  }

  /** Records an event and queues its delivery (deliveries keep the order of events). */
  publish(change: LedgerEvent, requestContext: { id: string; idempotencyKey: string | null }): void {
    const event = {
      id: `evt_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x').slice(0, 24)}`,
      object: 'event',
      api_version: this.deps.apiVersion,
      created: Math.floor(this.deps.clock.now().getTime() / 1000),
      type: change.type,
      data: { object: change.object },
      livemode: false,
      pending_webhooks: this.endpoints.length,
      request: { id: requestContext.id, idempotency_key: requestContext.idempotencyKey },
    };
    this.events.push(event);
    const payload = JSON.stringify(event);
    for (const endpoint of this.endpoints)
      this.chain = this.chain.then(() => this.deliver(endpoint, event.id, change.type, payload));
  }

  /** Holds the deliveries of events published from now on until the returned release is called (a slow network). */
  hold(): () => void {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    this.chain = this.chain.then(() => gate);
    return release;
  }

  /** Resolves once every queued delivery has ended (delivered or given up). */
  settled(): Promise<void> {
    return this.chain;
  }

  private async deliver(endpoint: WebhookEndpoint, eventId: string, type: string, payload: string): Promise<void> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const timestamp = Math.floor(this.deps.clock.now().getTime() / 1000);
      const signature = this.signer.generateTestHeaderString({ payload, secret: endpoint.secret, timestamp });
      let status: number | null = null;
      try {
        const response = await request(endpoint.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature },
          body: payload,
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        status = response.statusCode;
        await response.body.dump();
      } catch {
        status = null;
      }
      this.attempts.push({ eventId, type, url: endpoint.url, status, attempt, payload, signature });
      if (status !== null && status >= 200 && status < 300) return;
      await new Promise((resolve) => setTimeout(resolve, FIRST_RETRY_MS * 2 ** (attempt - 1)));
    }
  }
}
