import type { JSONWebKeySet } from 'jose';
import type { OrgId } from '../../../lib/ids.js';
import type { PlatformSql, TenantSql } from '../../../platform/db/index.js';
import type { AuditActor } from '../../audit/index.js';

/** How an OAuth client authenticates at the token endpoint (`none`: a public application client). */
export type ClientAuthMethod = 'client_secret_basic' | 'private_key_jwt' | 'none';

/** A service account's client (client_credentials) or an application users sign in to (authorization code). */
export type ClientKind = 'service' | 'app';

/** An OAuth client as stored (the secret stays encrypted). */
export interface OAuthClientRow {
  orgId: OrgId;
  id: string;
  kind: ClientKind;
  /** Service clients only. */
  serviceAccountId: string | null;
  name: string;
  authMethod: ClientAuthMethod;
  secretCiphertext: string | null;
  jwks: JSONWebKeySet | null;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  /** Skips the consent screen (platform clients only). */
  firstParty: boolean;
  createdBy: AuditActor;
  createdAt: Date;
  revokedAt: Date | null;
}

interface Row {
  org_id: OrgId;
  id: string;
  kind: ClientKind;
  service_account_id: string | null;
  name: string;
  auth_method: ClientAuthMethod;
  secret_ciphertext: string | null;
  jwks: JSONWebKeySet | null;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  first_party: boolean;
  created_by: AuditActor;
  created_at: Date | string;
  revoked_at: Date | string | null;
}

const COLUMNS = `org_id, id, kind, service_account_id, name, auth_method, secret_ciphertext, jwks, redirect_uris,
  post_logout_redirect_uris, first_party, created_by, created_at, revoked_at`;
const toClient = (r: Row): OAuthClientRow => ({
  orgId: r.org_id,
  id: r.id,
  kind: r.kind,
  serviceAccountId: r.service_account_id,
  name: r.name,
  authMethod: r.auth_method,
  secretCiphertext: r.secret_ciphertext,
  jwks: r.jwks,
  redirectUris: r.redirect_uris,
  postLogoutRedirectUris: r.post_logout_redirect_uris,
  firstParty: r.first_party,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at),
  revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at),
});

/** The org of a client id, read in the platform scope before any tenant data. */
export async function selectClientOrg(sql: PlatformSql, clientId: string): Promise<OrgId | undefined> {
  const { rows } = await sql.query<{ org_id: OrgId }>('SELECT org_id FROM oidc_client_index WHERE id = $1', [clientId]);
  return rows[0]?.org_id;
}

/** One client of the transaction's org. */
export async function selectClient(sql: TenantSql, clientId: string): Promise<OAuthClientRow | undefined> {
  const { rows } = await sql.query<Row>(`SELECT ${COLUMNS} FROM oidc_clients WHERE id = $1`, [clientId]);
  return rows[0] ? toClient(rows[0]) : undefined;
}

/** Stores a client and its index entry. */
export async function insertClient(sql: TenantSql, client: OAuthClientRow): Promise<void> {
  await sql.query('INSERT INTO oidc_client_index (id, org_id) VALUES ($1, $2)', [client.id, sql.orgId]);
  await sql.query(
    `INSERT INTO oidc_clients (org_id, id, kind, service_account_id, name, auth_method, secret_ciphertext, jwks,
       redirect_uris, post_logout_redirect_uris, first_party, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      sql.orgId,
      client.id,
      client.kind,
      client.serviceAccountId,
      client.name,
      client.authMethod,
      client.secretCiphertext,
      client.jwks === null ? null : JSON.stringify(client.jwks),
      client.redirectUris,
      client.postLogoutRedirectUris,
      client.firstParty,
      JSON.stringify(client.createdBy),
      client.createdAt,
    ],
  );
}
