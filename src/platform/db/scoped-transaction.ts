import { AppError } from '../../lib/errors/index.js';
import { isId, type OrgId } from '../../lib/ids.js';
import type { PlatformSql, Sql, TenantSql } from './db.js';

/** Name of the role application queries run as. Created by the first migration. */
export const APP_ROLE = 'bulwark_app';

// SECURITY: every scoped transaction drops to the app role first, so row-level security applies even when
// the connection itself belongs to a superuser or the table owner (both would bypass RLS). The settings are
// transaction-local, so a pooled connection never carries a tenant into the next transaction.
/** Turns a raw transaction into a tenant-scoped handle. */
export async function enterTenant(sql: Sql, orgId: OrgId): Promise<TenantSql> {
  // INVARIANT: a malformed org id never reaches set_config; an empty one would match nothing but hides bugs.
  if (!isId('org', orgId)) throw new AppError('db.tenant_required', { publicMessage: 'a valid org id is required' });
  await sql.query(`SET LOCAL ROLE ${APP_ROLE}`);
  await sql.query(`SELECT set_config('bulwark.org_id', $1, true), set_config('bulwark.scope', 'tenant', true)`, [
    orgId,
  ]);
  return { query: sql.query.bind(sql), orgId, scope: 'tenant' };
}

/** Turns a raw transaction into a platform-scoped handle (no tenant). */
export async function enterPlatform(sql: Sql): Promise<PlatformSql> {
  await sql.query(`SET LOCAL ROLE ${APP_ROLE}`);
  await sql.query(`SELECT set_config('bulwark.org_id', '', true), set_config('bulwark.scope', 'platform', true)`);
  return {
    query: sql.query.bind(sql),
    scope: 'platform',
    enterTenant: (orgId) => enterTenant(sql, orgId),
    async inTenant<T>(orgId: OrgId, fn: (sql: TenantSql) => Promise<T>): Promise<T> {
      const tenant = await enterTenant(sql, orgId);
      let open = true;
      // SECURITY: the tenant handle stops working when the platform scope comes back, so it cannot read platform rows.
      const scoped: TenantSql = {
        orgId,
        scope: 'tenant',
        query: <R>(text: string, params?: readonly unknown[]) =>
          open ? tenant.query<R>(text, params) : Promise.reject(new Error('tenant handle used after its scope ended')),
      };
      let result: T;
      try {
        result = await fn(scoped);
      } catch (error) {
        open = false;
        // An aborted transaction refuses the switch back; it rolls back anyway, so the first error is the one to report.
        await enterPlatform(sql).catch(() => undefined);
        throw error;
      }
      open = false;
      await enterPlatform(sql);
      return result;
    },
  };
}
