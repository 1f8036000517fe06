import { AppError } from '../../lib/errors/index.js';
import { isId, newId, type OrgId } from '../../lib/ids.js';
import { bumpOrgGeneration } from '../../platform/cache-generation/index.js';
import type { TenantSql } from '../../platform/db/index.js';
import type { AuditLog } from '../audit/index.js';
import { assertMayGrant, assertMayRemove, type ActingPrincipal, type CanGrantRole } from './acting-principal.js';
import type { AuditContext } from './audit-context.js';

/** A non-human identity of an org (a backend, a job); it authenticates with its own API keys. */
export interface ServiceAccount {
  id: string;
  orgId: OrgId;
  name: string;
  roles: string[];
  attributes: Record<string, unknown>;
  status: 'active' | 'disabled';
  createdAt: Date;
}

interface Row {
  id: string;
  org_id: OrgId;
  name: string;
  roles: string[];
  attributes: Record<string, unknown>;
  status: 'active' | 'disabled';
  created_at: Date | string;
}

const COLUMNS = 'id, org_id, name, roles, attributes, status, created_at';
const toAccount = (r: Row): ServiceAccount => ({
  id: r.id,
  orgId: r.org_id,
  name: r.name,
  roles: r.roles,
  attributes: r.attributes,
  status: r.status,
  createdAt: new Date(r.created_at),
});

/** Service accounts of an org. */
export class ServiceAccountService {
  constructor(private readonly deps: { audit: AuditLog; canGrantRole: CanGrantRole }) {}

  /** Service accounts of the transaction's org, keyset-paginated. */
  async list(sql: TenantSql, options: { afterId?: string; limit: number }): Promise<ServiceAccount[]> {
    const { rows } = await sql.query<Row>(
      `SELECT ${COLUMNS} FROM service_accounts WHERE id > $1 ORDER BY id LIMIT $2`,
      [options.afterId ?? '', options.limit],
    );
    return rows.map(toAccount);
  }

  /** One service account; `http.not_found` otherwise. */
  async get(sql: TenantSql, id: string): Promise<ServiceAccount> {
    const { rows } = await sql.query<Row>(`SELECT ${COLUMNS} FROM service_accounts WHERE id = $1`, [
      isId('svc', id) ? id : '',
    ]);
    if (!rows[0]) throw new AppError('http.not_found', { publicMessage: 'no such service account' });
    return toAccount(rows[0]);
  }

  /**
   * Creates a service account with the audit events in the same transaction; `by` must be able to grant every role
   * (`authz.role_not_grantable`); a taken name is `db.conflict`.
   */
  async create(
    sql: TenantSql,
    by: ActingPrincipal,
    input: { name: string; roles: string[]; attributes: Record<string, unknown> },
    audit: AuditContext,
  ): Promise<ServiceAccount> {
    assertMayGrant(by, input.roles, this.deps.canGrantRole);
    const id = newId('svc');
    const { rows } = await sql.query<Row>(
      `INSERT INTO service_accounts (org_id, id, name, roles, attributes) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [sql.orgId, id, input.name, input.roles, JSON.stringify(input.attributes)],
    );
    await bumpOrgGeneration(sql);
    await this.deps.audit.append(sql, [
      {
        orgId: sql.orgId,
        actor: audit.actor,
        requestId: audit.requestId ?? null,
        action: 'tenancy.service_account.created',
        resource: { type: 'ServiceAccount', id },
        decision: 'info',
        details: { name: input.name, roles: input.roles },
      },
    ]);
    return toAccount(rows[0] as Row);
  }

  /** Disables a service account: its keys stop authenticating at once. An owner-role account only by an owner. */
  async disable(sql: TenantSql, by: ActingPrincipal, id: string, audit: AuditContext): Promise<ServiceAccount> {
    const account = await this.get(sql, id);
    assertMayRemove(by, account, this.deps.canGrantRole);
    await sql.query("UPDATE service_accounts SET status = 'disabled', updated_at = now() WHERE id = $1", [id]);
    // SECURITY: the account's keys are refused from the next request on, on every node.
    await bumpOrgGeneration(sql);
    await this.deps.audit.append(sql, [
      {
        orgId: sql.orgId,
        actor: audit.actor,
        requestId: audit.requestId ?? null,
        action: 'tenancy.service_account.disabled',
        resource: { type: 'ServiceAccount', id },
        decision: 'info',
      },
    ]);
    return this.get(sql, id);
  }
}
