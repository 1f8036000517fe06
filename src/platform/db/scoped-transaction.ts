import { AppError } from '../../lib/errors/index.js';
import { isId, type OrgId } from '../../lib/ids.js';
import type { CommitNotice, ContextClaim, PlatformSql, Sql, TenantContextSigner, TenantSql } from './db.js';
import { BINDING_SQL } from './tenant-context-key.js';

/** Name of the role application queries run as. Created by the first migration. */
export const APP_ROLE = 'bulwark_app';

/** One transaction on its way into a scope: the raw handle, and what signs its context (absent: none is set). */
interface ScopedTransaction {
  sql: Sql;
  signer: TenantContextSigner | undefined;
  /** `<backend pid>|<transaction start µs>`, read once when the transaction dropped to the app role. */
  binding: string | undefined;
  /** What the transaction tells its Db's listeners once it commits. */
  notices: CommitNotice[];
}

// SECURITY: every scoped transaction drops to the app role first, so row-level security applies even when
// the connection itself belongs to a superuser or the table owner (both would bypass RLS). The settings are
// transaction-local, so a pooled connection never carries a tenant into the next transaction.
async function dropToAppRole(
  sql: Sql,
  signer: TenantContextSigner | undefined,
  notices: CommitNotice[],
): Promise<ScopedTransaction> {
  const { rows } = await sql.query<{ binding: string }>(
    `SELECT set_config('role', '${APP_ROLE}', true), ${BINDING_SQL} AS binding`,
  );
  return { sql, signer, binding: rows[0]?.binding, notices };
}

// SECURITY: the policies trust only a context signed for this backend and transaction (migration 0012); without a
// signer the context is left empty, so tenant tables read as empty and refuse writes (fails closed).
async function setContext(tx: ScopedTransaction, claim: ContextClaim): Promise<void> {
  const context = tx.signer && tx.binding ? tx.signer.contextFor(claim, tx.binding) : '';
  await tx.sql.query(`SELECT set_config('bulwark.context', $1, true)`, [context]);
}

async function tenantScope(tx: ScopedTransaction, orgId: OrgId): Promise<TenantSql> {
  // INVARIANT: a malformed org id never reaches the context; an empty one would match nothing but hides bugs.
  if (!isId('org', orgId)) throw new AppError('db.tenant_required', { publicMessage: 'a valid org id is required' });
  await setContext(tx, `tenant:${orgId}`);
  return {
    query: tx.sql.query.bind(tx.sql),
    orgId,
    scope: 'tenant',
    afterCommit: (notice) => void tx.notices.push(notice),
  };
}

async function platformScope(tx: ScopedTransaction): Promise<PlatformSql> {
  await setContext(tx, 'platform');
  return {
    query: tx.sql.query.bind(tx.sql),
    scope: 'platform',
    enterTenant: (orgId) => tenantScope(tx, orgId),
    async inTenant<T>(orgId: OrgId, fn: (sql: TenantSql) => Promise<T>): Promise<T> {
      const tenant = await tenantScope(tx, orgId);
      let open = true;
      // SECURITY: the tenant handle stops working when the platform scope comes back, so it cannot read platform rows.
      const scoped: TenantSql = {
        orgId,
        scope: 'tenant',
        query: <R>(text: string, params?: readonly unknown[]) =>
          open ? tenant.query<R>(text, params) : Promise.reject(new Error('tenant handle used after its scope ended')),
        afterCommit: (notice) => tenant.afterCommit(notice),
      };
      let result: T;
      try {
        result = await fn(scoped);
      } catch (error) {
        open = false;
        // An aborted transaction refuses the switch back; it rolls back anyway, so the first error is the one to report.
        await setContext(tx, 'platform').catch(() => undefined);
        throw error;
      }
      open = false;
      await setContext(tx, 'platform');
      return result;
    },
  };
}

/**
 * Turns a raw transaction into a tenant-scoped handle, its context signed by `signer`; the handle's commit notices go
 * to `notices`, which the Db tells its listeners after the commit.
 */
export async function enterTenant(
  sql: Sql,
  orgId: OrgId,
  signer: TenantContextSigner | undefined,
  notices: CommitNotice[],
): Promise<TenantSql> {
  if (!isId('org', orgId)) throw new AppError('db.tenant_required', { publicMessage: 'a valid org id is required' });
  return tenantScope(await dropToAppRole(sql, signer, notices), orgId);
}

/** Turns a raw transaction into a platform-scoped handle (no tenant), its context signed by `signer`. */
export async function enterPlatform(
  sql: Sql,
  signer: TenantContextSigner | undefined,
  notices: CommitNotice[],
): Promise<PlatformSql> {
  return platformScope(await dropToAppRole(sql, signer, notices));
}
