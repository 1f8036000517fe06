import type { Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors/index.js';
import { isId, newId, type OrgId } from '../../lib/ids.js';
import type { Db, TenantSql } from '../../platform/db/index.js';
import type { FieldCipher, FieldRef } from '../../platform/vault/index.js';
import type { AuditActor, AuditLog } from '../audit/index.js';
import { checkWebhookUrl, type WebhookTargetRules } from './check-webhook-target.js';
import { enqueueDelivery } from './publish-event.js';
import {
  insertDelivery,
  insertEndpoint,
  markEndpointDeleted,
  selectAttempts,
  selectDeliveries,
  selectDelivery,
  selectEndpoint,
  selectEndpoints,
  type AttemptRow,
  type DeliveryRow,
  type EndpointRow,
} from './repo.js';
import { newWebhookSecret } from './webhook-signature.js';

/** Dependencies of the endpoint use cases. */
export interface WebhookEndpointServiceDeps {
  db: Db;
  cipher: FieldCipher;
  audit: AuditLog;
  clock: Clock;
  rules: WebhookTargetRules;
}

/** Request facts every audit event carries. */
export interface WebhookRequestFacts {
  requestId?: string;
  clientIp?: string;
  userAgent?: string;
}

/** An endpoint as the API shows it (never its secret). */
export interface EndpointView {
  id: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  createdAt: Date;
}

/** One attempt of a delivery. */
export interface AttemptView {
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  attemptedAt: Date;
}

/** A delivery and its attempts. */
export interface DeliveryView {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  replayOf: string | null;
  status: DeliveryRow['status'];
  attempts: AttemptView[];
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An endpoint to create. */
export interface NewEndpoint {
  url: string;
  eventTypes: string[];
  description?: string;
}

/** The field an endpoint's signing secret is encrypted for. */
export const secretRef = (id: string): FieldRef => ({
  table: 'webhook_endpoints',
  column: 'secret_ciphertext',
  rowId: id,
});

function endpointView(row: EndpointRow): EndpointView {
  return {
    id: row.id,
    url: row.url,
    eventTypes: row.event_types,
    description: row.description,
    createdAt: row.created_at,
  };
}

function deliveryView(row: DeliveryRow, attempts: AttemptRow[]): DeliveryView {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    replayOf: row.replay_of,
    status: row.status,
    attempts: attempts
      .filter((a) => a.delivery_id === row.id)
      .map((a) => ({
        attempt: a.attempt,
        statusCode: a.status_code,
        error: a.error,
        durationMs: a.duration_ms,
        attemptedAt: a.attempted_at,
      })),
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const notFound = () => new AppError('webhooks.endpoint_not_found');

/**
 * Use cases of an org's outbound webhook endpoints: create (the signing secret is returned once and stored
 * encrypted), list, delete, the delivery log, and replaying a delivery.
 */
export class WebhookEndpointService {
  constructor(private readonly deps: WebhookEndpointServiceDeps) {}

  /** Creates an endpoint (`webhooks.endpoint.created`); answers it with its secret, which is never shown again. */
  async create(
    sql: TenantSql,
    actor: AuditActor,
    input: NewEndpoint,
    facts: WebhookRequestFacts,
  ): Promise<{ endpoint: EndpointView; secret: string }> {
    // SECURITY: the URL is checked here, in the use case, not only by the route (SSRF).
    const url = checkWebhookUrl(input.url, this.deps.rules);
    const now = this.deps.clock.now();
    const id = newId('whe', now.getTime());
    const secret = newWebhookSecret();
    const row: EndpointRow = {
      id,
      url,
      event_types: [...new Set(input.eventTypes)],
      description: input.description ?? null,
      secret_ciphertext: await this.deps.cipher.encrypt(sql, secretRef(id), secret),
      created_by: actor.id ?? actor.type,
      created_at: now,
    };
    await insertEndpoint(sql, row);
    await this.record(sql, actor, 'webhooks.endpoint.created', { type: 'WebhookEndpoint', id }, facts, {
      url,
      event_types: row.event_types,
    });
    return { endpoint: endpointView(row), secret };
  }

  /** The org's endpoints. */
  async list(orgId: OrgId): Promise<EndpointView[]> {
    return this.deps.db.withTenant(orgId, async (sql) => (await selectEndpoints(sql)).map(endpointView));
  }

  /** Deletes an endpoint (`webhooks.endpoint.deleted`): it receives nothing more; its pending deliveries are canceled. */
  async delete(sql: TenantSql, actor: AuditActor, id: string, facts: WebhookRequestFacts): Promise<void> {
    if (!isId('whe', id) || !(await markEndpointDeleted(sql, id, this.deps.clock.now()))) throw notFound();
    await this.record(sql, actor, 'webhooks.endpoint.deleted', { type: 'WebhookEndpoint', id }, facts, {});
  }

  /** An endpoint's deliveries with their attempts, newest first. */
  async deliveries(orgId: OrgId, endpointId: string, limit: number, afterId?: string): Promise<DeliveryView[]> {
    if (!isId('whe', endpointId)) throw notFound();
    return this.deps.db.withTenant(orgId, async (sql) => {
      if (!(await selectEndpoint(sql, endpointId))) throw notFound();
      const rows = await selectDeliveries(sql, endpointId, limit, afterId);
      const attempts = await selectAttempts(
        sql,
        rows.map((r) => r.id),
      );
      return rows.map((row) => deliveryView(row, attempts));
    });
  }

  /**
   * Sends a delivery's event to its endpoint again as a new delivery (`webhooks.delivery.replayed`), with the same
   * `webhook-id` and body, so a receiver that already processed it can tell.
   */
  async replay(
    sql: TenantSql,
    actor: AuditActor,
    endpointId: string,
    deliveryId: string,
    facts: WebhookRequestFacts,
  ): Promise<DeliveryView> {
    if (!isId('whe', endpointId) || !(await selectEndpoint(sql, endpointId))) throw notFound();
    const original = isId('whd', deliveryId) ? await selectDelivery(sql, endpointId, deliveryId) : undefined;
    if (!original) throw new AppError('webhooks.delivery_not_found');
    const now = this.deps.clock.now();
    const id = newId('whd', now.getTime());
    await insertDelivery(sql, { id, endpointId, eventId: original.event_id, replayOf: original.id, at: now });
    await enqueueDelivery(sql, id, now);
    await this.record(sql, actor, 'webhooks.delivery.replayed', { type: 'WebhookDelivery', id }, facts, {
      endpoint_id: endpointId,
      replay_of: original.id,
      event_id: original.event_id,
    });
    const stored = await selectDelivery(sql, endpointId, id);
    if (!stored) throw new AppError('webhooks.delivery_not_found');
    return deliveryView(stored, []);
  }

  private async record(
    sql: TenantSql,
    actor: AuditActor,
    action: string,
    resource: { type: string; id: string },
    facts: WebhookRequestFacts,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.deps.audit.append(sql, [
      { orgId: sql.orgId, actor, action, resource, decision: 'allow', reasonCodes: [], ...facts, details },
    ]);
  }
}
