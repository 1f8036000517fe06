import { z } from 'zod';
import type { Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors/index.js';
import { isId, type OrgId } from '../../lib/ids.js';
import { bumpOrgGeneration, GenerationCache, type OrgGenerations } from '../../platform/cache-generation/index.js';
import type { Db, PlatformSql } from '../../platform/db/index.js';
import type { AuditEventInput, AuditLog } from '../audit/index.js';
import type { AuditContext } from './audit-context.js';
import type { Org } from './org.js';
import { selectOrg } from './repo.js';
import type { OrgStatus } from './schema.js';

/** Why an org is frozen or unfrozen: recorded with the audit event. */
export const freezeReasons = [
  'dispute',
  'non_payment',
  'abuse',
  'security_incident',
  'legal',
  'operator_request',
] as const;

/** Body of a freeze or unfreeze: a reason from the list and an optional note. */
export const orgStatusChangeSchema = z
  .object({
    reason: z
      .enum(freezeReasons)
      .describe('Why: dispute, non_payment, abuse, security_incident, legal or operator_request.'),
    note: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .regex(/^[^\p{Cc}]*$/u, 'no control characters')
      .optional()
      .describe('Free text kept in the audit event (a case number, say).'),
  })
  .strict();

export type OrgStatusChange = z.infer<typeof orgStatusChangeSchema>;

/** Dependencies of freezing and unfreezing. */
export interface OrgStatusDeps {
  clock: Clock;
  audit: AuditLog;
}

interface StatusRow {
  id: OrgId;
  status: OrgStatus;
  is_platform: boolean;
}

async function setStatus(
  platform: PlatformSql,
  deps: OrgStatusDeps,
  orgId: string,
  to: OrgStatus,
  change: OrgStatusChange,
  ctx: AuditContext,
): Promise<Org> {
  const { reason, note } = orgStatusChangeSchema.parse(change);
  if (!isId('org', orgId)) throw new AppError('tenancy.org_not_found');
  const { rows } = await platform.query<StatusRow>(
    'SELECT id, status, is_platform FROM orgs WHERE id = $1 FOR UPDATE',
    [orgId],
  );
  const row = rows[0];
  if (!row) throw new AppError('tenancy.org_not_found');
  // INVARIANT: the platform org operates the installation; frozen, nobody could unfreeze anything.
  if (row.is_platform) throw new AppError('tenancy.platform_org_not_freezable');
  if (row.status === to) throw new AppError('db.conflict', { publicMessage: `the org is already ${to}` });
  await platform.query('UPDATE orgs SET status = $2, updated_at = $3 WHERE id = $1', [orgId, to, deps.clock.now()]);
  // The decision that allowed it is in the caller's chain (appended by the transaction's opener), the change in the org's.
  const event: AuditEventInput = {
    orgId,
    actor: ctx.actor,
    action: to === 'frozen' ? 'tenancy.org.frozen' : 'tenancy.org.unfrozen',
    resource: { type: 'Org', id: orgId },
    decision: to === 'frozen' ? 'freeze' : 'info',
    reasonCodes: to === 'frozen' ? ['tenancy.org_frozen'] : [],
    requestId: ctx.requestId ?? null,
    details: { reason, ...(note ? { note } : {}), previous_status: row.status },
  };
  const org = await platform.inTenant(orgId as OrgId, async (tenant) => {
    await deps.audit.append(tenant, [event]);
    await bumpOrgGeneration(tenant);
    return selectOrg(tenant, orgId as OrgId);
  });
  if (!org) throw new AppError('tenancy.org_not_found');
  return org;
}

/**
 * Freezes an org: its mutations and model calls are refused with `tenancy.org_frozen` from the next request on,
 * reads stay open. Audited in the org's chain with the reason. The platform org cannot be frozen; freezing a
 * frozen org is `db.conflict`.
 */
export function freezeOrg(
  platform: PlatformSql,
  deps: OrgStatusDeps,
  orgId: string,
  change: OrgStatusChange,
  ctx: AuditContext,
): Promise<Org> {
  return setStatus(platform, deps, orgId, 'frozen', change, ctx);
}

/** Unfreezes a frozen org (audited like `freezeOrg`); an active org is `db.conflict`. */
export function unfreezeOrg(
  platform: PlatformSql,
  deps: OrgStatusDeps,
  orgId: string,
  change: OrgStatusChange,
  ctx: AuditContext,
): Promise<Org> {
  return setStatus(platform, deps, orgId, 'active', change, ctx);
}

/**
 * Whether an org is frozen, cached under the org's cache generation (a freeze or unfreeze bumps it in its own
 * transaction), so a freeze takes effect on the next request on every node.
 */
export class OrgFrozenCheck {
  private readonly frozen = new GenerationCache<OrgId, { frozen: boolean }>(10_000);

  constructor(private readonly deps: { db: Db; generations: OrgGenerations }) {}

  /** Whether the org is frozen now, as of the generation this node last read for it. */
  async isFrozen(orgId: OrgId): Promise<boolean> {
    // INVARIANT: the generation is read before the status, so an entry is never stamped newer than its status.
    const generation = await this.deps.generations.current(orgId);
    const cached = this.frozen.get(orgId, generation);
    if (cached) return cached.frozen;
    const org = await this.deps.db.withTenant(orgId, (sql) => selectOrg(sql, orgId));
    const frozen = org?.status === 'frozen';
    this.frozen.set(orgId, generation, { frozen });
    return frozen;
  }
}
