import { Agent, request, type Dispatcher } from 'undici';
import type { Clock } from '../../lib/clock.js';
import { isId } from '../../lib/ids.js';
import type { Db } from '../../platform/db/index.js';
import type { LeasedJob } from '../../platform/jobs/index.js';
import type { FieldCipher } from '../../platform/vault/index.js';
import type { AuditLog } from '../audit/index.js';
import { assertPublicLiteral, publicOnlyLookup, type WebhookTargetRules } from './check-webhook-target.js';
import { secretRef } from './endpoint-service.js';
import { recordAttempt, selectDeliveryToSend } from './repo.js';
import { signWebhook } from './webhook-signature.js';

/** What sending deliveries needs. */
export interface WebhookDelivererDeps {
  db: Db;
  cipher: FieldCipher;
  audit: AuditLog;
  clock: Clock;
  rules: WebhookTargetRules;
  /** Limit of one attempt, connect to last byte. */
  timeoutMs: number;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return (code ? `${code}: ${error.message}` : error.message).slice(0, 500);
  }
  return String(error).slice(0, 500);
}

/**
 * Sends webhook deliveries: the job handler of `webhooks.deliver`. Each attempt is signed afresh (Standard Webhooks
 * headers), recorded with what the receiver answered, and a failed one is thrown back to the job runner, which
 * retries it with backoff until the last attempt marks the delivery `failed`.
 */
export class WebhookDeliverer {
  private readonly dispatcher: Dispatcher;

  constructor(private readonly deps: WebhookDelivererDeps) {
    // SECURITY: outside tests, every connection's address comes from a lookup that answers public addresses only.
    this.dispatcher = new Agent({
      headersTimeout: deps.timeoutMs,
      bodyTimeout: deps.timeoutMs,
      connect: {
        timeout: deps.timeoutMs,
        ...(deps.rules.allowPrivateTargets ? {} : { lookup: publicOnlyLookup as never }),
      },
    });
  }

  /** Sends the delivery a job names (one attempt). */
  async deliver(job: LeasedJob): Promise<void> {
    const deliveryId = job.payload.delivery_id;
    if (!isId('whd', deliveryId)) throw new Error('webhook delivery job without a delivery id');
    const { db, cipher, clock } = this.deps;
    const prepared = await db.withTenant(job.orgId, async (sql) => {
      const row = await selectDeliveryToSend(sql, deliveryId);
      if (!row || row.status !== 'pending') return null;
      if (row.endpoint_deleted) return null;
      const secret = await cipher.decryptString(sql, secretRef(row.endpoint_id), row.secret_ciphertext);
      return { url: row.url, body: row.body, eventId: row.event_id, secret };
    });
    if (!prepared) return;
    const started = clock.now();
    const timestamp = Math.floor(started.getTime() / 1000);
    let statusCode: number | null = null;
    let error: string | null = null;
    const began = performance.now();
    try {
      if (!this.deps.rules.allowPrivateTargets) assertPublicLiteral(new URL(prepared.url));
      // SECURITY: redirects are not followed (undici's request never does), so a receiver cannot bounce the
      // signed request to an internal address.
      const response = await request(prepared.url, {
        method: 'POST',
        dispatcher: this.dispatcher,
        signal: AbortSignal.timeout(this.deps.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Bulwark-Webhooks/1',
          'webhook-id': prepared.eventId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(prepared.secret, prepared.eventId, timestamp, prepared.body),
        },
        body: prepared.body,
      });
      statusCode = response.statusCode;
      await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    } catch (caught) {
      error = describe(caught);
    }
    const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
    if (!ok && error === null) error = `receiver answered HTTP ${statusCode}`;
    const last = !ok && job.attempt >= job.maxAttempts;
    await db.withTenant(job.orgId, async (sql) => {
      await recordAttempt(
        sql,
        deliveryId,
        {
          attempt: job.attempt,
          status_code: statusCode,
          error,
          duration_ms: Math.max(0, Math.round(performance.now() - began)),
          attempted_at: started,
        },
        ok ? 'succeeded' : last ? 'failed' : 'pending',
      );
      if (last)
        await this.deps.audit.append(sql, [
          {
            orgId: sql.orgId,
            actor: { type: 'system', id: null },
            action: 'webhooks.delivery.failed',
            resource: { type: 'WebhookDelivery', id: deliveryId },
            decision: 'error',
            reasonCodes: ['webhooks.delivery_failed'],
            details: { delivery_id: deliveryId, attempts: job.attempt, last_error: error },
          },
        ]);
    });
    if (!ok) throw new Error(`webhook delivery ${deliveryId} failed: ${error}`);
  }

  /** Closes the outbound connections. */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}
