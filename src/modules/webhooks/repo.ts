import type { TenantSql } from '../../platform/db/index.js';

/** A webhook endpoint row. */
export interface EndpointRow {
  id: string;
  url: string;
  event_types: string[];
  description: string | null;
  secret_ciphertext: string;
  created_by: string;
  created_at: Date;
}

/** A delivery row with its event's type. */
export interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  replay_of: string | null;
  status: 'pending' | 'succeeded' | 'failed' | 'canceled';
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
}

/** One HTTP attempt of a delivery. */
export interface AttemptRow {
  delivery_id: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  attempted_at: Date;
}

const ENDPOINT_COLUMNS = 'id, url, event_types, description, secret_ciphertext, created_by, created_at';

export async function insertEndpoint(sql: TenantSql, row: EndpointRow): Promise<void> {
  await sql.query(
    `INSERT INTO webhook_endpoints (org_id, ${ENDPOINT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      sql.orgId,
      row.id,
      row.url,
      row.event_types,
      row.description,
      row.secret_ciphertext,
      row.created_by,
      row.created_at,
    ],
  );
}

/** The org's live endpoints, oldest first. */
export async function selectEndpoints(sql: TenantSql): Promise<EndpointRow[]> {
  const { rows } = await sql.query<EndpointRow>(
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE deleted_at IS NULL ORDER BY created_at, id`,
  );
  return rows;
}

/** A live endpoint of the org. */
export async function selectEndpoint(sql: TenantSql, id: string): Promise<EndpointRow | undefined> {
  const { rows } = await sql.query<EndpointRow>(
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1 AND deleted_at IS NULL`,
    [id],
  );
  return rows[0];
}

/** Marks an endpoint deleted and cancels its pending deliveries; false when it was not live. */
export async function markEndpointDeleted(sql: TenantSql, id: string, at: Date): Promise<boolean> {
  const { rowCount } = await sql.query(
    'UPDATE webhook_endpoints SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL',
    [id, at],
  );
  if (rowCount !== 1) return false;
  await sql.query(
    `UPDATE webhook_deliveries SET status = 'canceled', updated_at = $2
      WHERE endpoint_id = $1 AND status = 'pending'`,
    [id, at],
  );
  return true;
}

export async function insertEvent(sql: TenantSql, id: string, type: string, body: string, at: Date): Promise<void> {
  await sql.query('INSERT INTO webhook_events (org_id, id, type, body, created_at) VALUES ($1, $2, $3, $4, $5)', [
    sql.orgId,
    id,
    type,
    body,
    at,
  ]);
}

export async function insertDelivery(
  sql: TenantSql,
  row: { id: string; endpointId: string; eventId: string; replayOf: string | null; at: Date },
): Promise<void> {
  await sql.query(
    `INSERT INTO webhook_deliveries (org_id, id, endpoint_id, event_id, replay_of, status, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6)`,
    [sql.orgId, row.id, row.endpointId, row.eventId, row.replayOf, row.at],
  );
}

const DELIVERY_COLUMNS = `d.id, d.endpoint_id, d.event_id, e.type AS event_type, d.replay_of, d.status, d.attempts,
  d.last_status_code, d.last_error, d.created_at, d.updated_at`;

/** An endpoint's deliveries, newest first, after the keyset cursor if given. */
export async function selectDeliveries(
  sql: TenantSql,
  endpointId: string,
  limit: number,
  afterId?: string,
): Promise<DeliveryRow[]> {
  const { rows } = await sql.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_events e ON e.org_id = d.org_id AND e.id = d.event_id
      WHERE d.endpoint_id = $1 AND ($3::text IS NULL OR d.id < $3)
      ORDER BY d.id DESC LIMIT $2`,
    [endpointId, limit, afterId ?? null],
  );
  return rows;
}

/** One delivery with its event and endpoint (even a deleted endpoint), for sending it. */
export async function selectDeliveryToSend(
  sql: TenantSql,
  id: string,
): Promise<
  (DeliveryRow & { body: string; url: string; secret_ciphertext: string; endpoint_deleted: boolean }) | undefined
> {
  const { rows } = await sql.query<
    DeliveryRow & { body: string; url: string; secret_ciphertext: string; endpoint_deleted: boolean }
  >(
    `SELECT ${DELIVERY_COLUMNS}, e.body, w.url, w.secret_ciphertext, (w.deleted_at IS NOT NULL) AS endpoint_deleted
       FROM webhook_deliveries d
       JOIN webhook_events e ON e.org_id = d.org_id AND e.id = d.event_id
       JOIN webhook_endpoints w ON w.org_id = d.org_id AND w.id = d.endpoint_id
      WHERE d.id = $1
      FOR UPDATE OF d`,
    [id],
  );
  return rows[0];
}

/** One delivery of an endpoint. */
export async function selectDelivery(sql: TenantSql, endpointId: string, id: string): Promise<DeliveryRow | undefined> {
  const { rows } = await sql.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_events e ON e.org_id = d.org_id AND e.id = d.event_id
      WHERE d.endpoint_id = $1 AND d.id = $2`,
    [endpointId, id],
  );
  return rows[0];
}

/** The attempts of some deliveries, in order. */
export async function selectAttempts(sql: TenantSql, deliveryIds: readonly string[]): Promise<AttemptRow[]> {
  if (deliveryIds.length === 0) return [];
  const { rows } = await sql.query<AttemptRow>(
    `SELECT delivery_id, attempt, status_code, error, duration_ms, attempted_at FROM webhook_delivery_attempts
      WHERE delivery_id = ANY($1::text[]) ORDER BY delivery_id, attempt`,
    [deliveryIds],
  );
  return rows;
}

/** Records one attempt and the delivery's state after it. */
export async function recordAttempt(
  sql: TenantSql,
  deliveryId: string,
  attempt: Omit<AttemptRow, 'delivery_id'>,
  status: DeliveryRow['status'],
): Promise<void> {
  await sql.query(
    `INSERT INTO webhook_delivery_attempts (org_id, delivery_id, attempt, status_code, error, duration_ms, attempted_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id, delivery_id, attempt) DO NOTHING`,
    [
      sql.orgId,
      deliveryId,
      attempt.attempt,
      attempt.status_code,
      attempt.error,
      attempt.duration_ms,
      attempt.attempted_at,
    ],
  );
  await sql.query(
    `UPDATE webhook_deliveries SET status = $2, attempts = GREATEST(attempts, $3), last_status_code = $4, last_error = $5,
            updated_at = $6
      WHERE id = $1`,
    [deliveryId, status, attempt.attempt, attempt.status_code, attempt.error, attempt.attempted_at],
  );
}
