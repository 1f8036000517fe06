import { bumpOrgGeneration } from '../../../platform/cache-generation/index.js';
import type { TenantSql } from '../../../platform/db/index.js';
import type {
  OrgModel,
  OrgModelId,
  OrgModelTarget,
  ProviderConnection,
  ProviderConnectionId,
  ProviderKind,
  ProviderOptions,
} from './provider-connection.js';

/** Table and column the credential ciphertext is bound to (with the row id) by the field cipher. */
export const CREDENTIAL_TABLE = 'gateway_provider_connections';
export const CREDENTIAL_COLUMN = 'credential_ciphertext';

interface ConnectionRow {
  id: ProviderConnectionId;
  name: string;
  kind: ProviderKind;
  base_url: string;
  credential_ciphertext: string | null;
  options: ProviderOptions;
  created_at: Date | string;
  updated_at: Date | string;
}

/** A connection with its ciphertext, which never leaves the module. */
export interface StoredConnection {
  connection: ProviderConnection;
  ciphertext: string | null;
}

const CONNECTION_COLUMNS = 'id, name, kind, base_url, credential_ciphertext, options, created_at, updated_at';

function toStored(row: ConnectionRow): StoredConnection {
  return {
    connection: {
      id: row.id,
      name: row.name,
      kind: row.kind,
      baseUrl: row.base_url,
      hasCredential: row.credential_ciphertext !== null,
      options: row.options,
      createdAt: new Date(row.created_at),
      updatedAt: new Date(row.updated_at),
    },
    ciphertext: row.credential_ciphertext,
  };
}

/** Inserts a connection in the transaction's org. */
export async function insertConnection(
  sql: TenantSql,
  row: {
    id: ProviderConnectionId;
    name: string;
    kind: ProviderKind;
    baseUrl: string;
    ciphertext: string | null;
    options: ProviderOptions;
    at: Date;
  },
): Promise<void> {
  await sql.query(
    `INSERT INTO gateway_provider_connections (org_id, id, name, kind, base_url, credential_ciphertext, options, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
    [sql.orgId, row.id, row.name, row.kind, row.baseUrl, row.ciphertext, JSON.stringify(row.options), row.at],
  );
  await bumpOrgGeneration(sql);
}

/** Updates the given fields of a connection; false when it does not exist in the org. */
export async function updateConnection(
  sql: TenantSql,
  id: ProviderConnectionId,
  row: { name: string; baseUrl: string; ciphertext: string | null; options: ProviderOptions; at: Date },
): Promise<boolean> {
  const { rows } = await sql.query<{ id: string }>(
    `UPDATE gateway_provider_connections SET name = $2, base_url = $3, credential_ciphertext = $4, options = $5, updated_at = $6
     WHERE id = $1 RETURNING id`,
    [id, row.name, row.baseUrl, row.ciphertext, JSON.stringify(row.options), row.at],
  );
  if (rows.length === 1) await bumpOrgGeneration(sql);
  return rows.length === 1;
}

/** One connection of the org (with its ciphertext), locked for update when asked. */
export async function selectConnection(
  sql: TenantSql,
  id: ProviderConnectionId,
  options: { forUpdate?: boolean } = {},
): Promise<StoredConnection | undefined> {
  const { rows } = await sql.query<ConnectionRow>(
    `SELECT ${CONNECTION_COLUMNS} FROM gateway_provider_connections WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0] ? toStored(rows[0]) : undefined;
}

/** The id of the org's connection of this name, if any. */
export async function connectionIdByName(sql: TenantSql, name: string): Promise<string | undefined> {
  const { rows } = await sql.query<{ id: string }>('SELECT id FROM gateway_provider_connections WHERE name = $1', [
    name,
  ]);
  return rows[0]?.id;
}

/** A page of the org's connections in id order, after `afterId`. */
export async function selectConnections(
  sql: TenantSql,
  options: { afterId?: string; limit: number },
): Promise<ProviderConnection[]> {
  const { rows } = await sql.query<ConnectionRow>(
    `SELECT ${CONNECTION_COLUMNS} FROM gateway_provider_connections WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2`,
    [options.afterId ?? null, options.limit],
  );
  return rows.map((r) => toStored(r).connection);
}

/** Deletes a connection; false when it does not exist in the org. */
export async function deleteConnection(sql: TenantSql, id: ProviderConnectionId): Promise<boolean> {
  const { rows } = await sql.query<{ id: string }>(
    'DELETE FROM gateway_provider_connections WHERE id = $1 RETURNING id',
    [id],
  );
  if (rows.length === 1) await bumpOrgGeneration(sql);
  return rows.length === 1;
}

/** Names of the org's models that have this connection as a target. */
export async function modelsUsingConnection(sql: TenantSql, id: ProviderConnectionId): Promise<string[]> {
  const { rows } = await sql.query<{ name: string }>(
    `SELECT DISTINCT m.name FROM gateway_model_targets t JOIN gateway_models m ON m.org_id = t.org_id AND m.id = t.model_id
     WHERE t.connection_id = $1 ORDER BY m.name`,
    [id],
  );
  return rows.map((r) => r.name);
}

interface ModelRow {
  id: OrgModelId;
  name: string;
  kind: 'chat' | 'embedding';
  provider: string;
  region: string;
  data_classes_allowed: string[];
  created_at: Date | string;
  targets: { connection_id: ProviderConnectionId; upstream_model: string }[] | null;
}

const MODEL_SELECT = `SELECT m.id, m.name, m.kind, m.provider, m.region, m.data_classes_allowed, m.created_at,
  (SELECT json_agg(json_build_object('connection_id', t.connection_id, 'upstream_model', t.upstream_model) ORDER BY t.position)
     FROM gateway_model_targets t WHERE t.org_id = m.org_id AND t.model_id = m.id) AS targets
  FROM gateway_models m`;

function toModel(row: ModelRow): OrgModel {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    provider: row.provider,
    region: row.region,
    dataClassesAllowed: row.data_classes_allowed,
    targets: (row.targets ?? []).map((t) => ({ connectionId: t.connection_id, upstreamModel: t.upstream_model })),
    createdAt: new Date(row.created_at),
  };
}

/** Inserts a model and its targets in the transaction's org. */
export async function insertModel(
  sql: TenantSql,
  model: Omit<OrgModel, 'targets'> & { targets: OrgModelTarget[] },
): Promise<void> {
  await sql.query(
    `INSERT INTO gateway_models (org_id, id, name, kind, provider, region, data_classes_allowed, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      sql.orgId,
      model.id,
      model.name,
      model.kind,
      model.provider,
      model.region,
      model.dataClassesAllowed,
      model.createdAt,
    ],
  );
  for (const [position, target] of model.targets.entries())
    await sql.query(
      `INSERT INTO gateway_model_targets (org_id, model_id, position, connection_id, upstream_model) VALUES ($1, $2, $3, $4, $5)`,
      [sql.orgId, model.id, position, target.connectionId, target.upstreamModel],
    );
  await bumpOrgGeneration(sql);
}

/** One model of the org by id. */
export async function selectModel(sql: TenantSql, id: OrgModelId): Promise<OrgModel | undefined> {
  const { rows } = await sql.query<ModelRow>(`${MODEL_SELECT} WHERE m.id = $1`, [id]);
  return rows[0] ? toModel(rows[0]) : undefined;
}

/** The id of the org's model of this public name, if any. */
export async function modelIdByName(sql: TenantSql, name: string): Promise<string | undefined> {
  const { rows } = await sql.query<{ id: string }>('SELECT id FROM gateway_models WHERE name = $1', [name]);
  return rows[0]?.id;
}

/** A page of the org's models in id order, after `afterId`. */
export async function selectModels(sql: TenantSql, options: { afterId?: string; limit: number }): Promise<OrgModel[]> {
  const { rows } = await sql.query<ModelRow>(
    `${MODEL_SELECT} WHERE ($1::text IS NULL OR m.id > $1) ORDER BY m.id LIMIT $2`,
    [options.afterId ?? null, options.limit],
  );
  return rows.map(toModel);
}

/** Deletes a model (its targets go with it); false when it does not exist in the org. */
export async function deleteModel(sql: TenantSql, id: OrgModelId): Promise<boolean> {
  const { rows } = await sql.query<{ id: string }>('DELETE FROM gateway_models WHERE id = $1 RETURNING id', [id]);
  if (rows.length === 1) await bumpOrgGeneration(sql);
  return rows.length === 1;
}

/** A model target joined with its connection and credential ciphertext, for resolution. */
export interface ResolvableTarget {
  model: Omit<OrgModel, 'targets'>;
  position: number;
  upstreamModel: string;
  connection: StoredConnection;
}

interface ResolvableRow extends ConnectionRow {
  model_id: OrgModelId;
  model_name: string;
  model_kind: 'chat' | 'embedding';
  provider: string;
  region: string;
  data_classes_allowed: string[];
  model_created_at: Date | string;
  position: number;
  upstream_model: string;
}

/** Every target of the org's models (all, or the one named), with connections, in chain order. One query. */
export async function selectResolvableTargets(sql: TenantSql, name?: string): Promise<ResolvableTarget[]> {
  const { rows } = await sql.query<ResolvableRow>(
    `SELECT m.id AS model_id, m.name AS model_name, m.kind AS model_kind, m.provider, m.region, m.data_classes_allowed,
            m.created_at AS model_created_at, t.position, t.upstream_model,
            c.id, c.name, c.kind, c.base_url, c.credential_ciphertext, c.options, c.created_at, c.updated_at
       FROM gateway_models m
       JOIN gateway_model_targets t ON t.org_id = m.org_id AND t.model_id = m.id
       JOIN gateway_provider_connections c ON c.org_id = t.org_id AND c.id = t.connection_id
      WHERE ($1::text IS NULL OR m.name = $1)
      ORDER BY m.name, t.position`,
    [name ?? null],
  );
  return rows.map((r) => ({
    model: {
      id: r.model_id,
      name: r.model_name,
      kind: r.model_kind,
      provider: r.provider,
      region: r.region,
      dataClassesAllowed: r.data_classes_allowed,
      createdAt: new Date(r.model_created_at),
    },
    position: r.position,
    upstreamModel: r.upstream_model,
    connection: toStored(r),
  }));
}

/** The kind of the org's model of this public name, if any. */
export async function modelKindByName(sql: TenantSql, name: string): Promise<'chat' | 'embedding' | undefined> {
  const { rows } = await sql.query<{ kind: 'chat' | 'embedding' }>('SELECT kind FROM gateway_models WHERE name = $1', [
    name,
  ]);
  return rows[0]?.kind;
}
