import type { Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors/index.js';
import type { OrgId } from '../../lib/ids.js';
import { bumpOrgGeneration, GenerationCache, type OrgGenerations } from '../../platform/cache-generation/index.js';
import type { Db, TenantSql } from '../../platform/db/index.js';
import type { AuditActor, AuditLog } from '../audit/index.js';
import {
  classPolicySchema,
  resolveClassPolicy,
  type ClassPolicy,
  type ClassPolicyInput,
} from './pipeline/class-policy.js';

/** One stored version of an org's guard policy. */
export interface GuardPolicyVersion {
  version: number;
  policy: ClassPolicyInput;
  createdAt: Date;
}

interface Row {
  version: number;
  policy: ClassPolicyInput;
  created_at: Date | string;
}

const NONE: GuardPolicyVersion = { version: 0, policy: {}, createdAt: new Date(0) };

async function latest(sql: TenantSql): Promise<GuardPolicyVersion> {
  const { rows } = await sql.query<Row>(
    'SELECT version, policy, created_at FROM org_guard_policies ORDER BY version DESC LIMIT 1',
  );
  const row = rows[0];
  return row ? { version: row.version, policy: row.policy, createdAt: new Date(row.created_at) } : NONE;
}

/**
 * Per-org guard class policies, versioned: each change is a new version (If-Match on the current one), validated
 * before it is stored and audited in the same transaction, which also bumps the org's cache generation. Nodes re-read
 * an org's policy on the first request that sees a new generation.
 */
export class GuardPolicyStore {
  private readonly cache = new GenerationCache<OrgId, { version: number; policy: ClassPolicy }>(10_000);

  constructor(private readonly deps: { db: Db; audit: AuditLog; clock: Clock; generations: OrgGenerations }) {}

  /** The version in force (version 0 and `{}` when the org runs the defaults). */
  current(orgId: OrgId): Promise<GuardPolicyVersion> {
    return this.deps.db.withTenant(orgId, latest);
  }

  /** The effective policy of an org: its rules over the defaults, cached under the org's cache generation. */
  async effective(orgId: OrgId): Promise<{ version: number; policy: ClassPolicy }> {
    // INVARIANT: the generation is read before the policy, so an entry is never stamped newer than what it holds.
    const generation = await this.deps.generations.current(orgId);
    const cached = this.cache.get(orgId, generation);
    if (cached) return cached;
    const stored = await this.current(orgId);
    const previous = this.cache.peek(orgId);
    // The same version keeps its resolved object: guard pipelines are cached per policy object.
    const entry =
      previous && previous.version === stored.version
        ? previous
        : { version: stored.version, policy: resolveClassPolicy(stored.policy) };
    this.cache.set(orgId, generation, entry);
    return entry;
  }

  /**
   * Stores `policy` as the next version when `expectedVersion` is current (`http.precondition_failed` otherwise),
   * inside the caller's tenant transaction with its audit event.
   */
  async update(
    sql: TenantSql,
    input: { policy: unknown; expectedVersion: number; actor: AuditActor; requestId?: string },
  ): Promise<GuardPolicyVersion> {
    const orgId = sql.orgId;
    const parsed = classPolicySchema.safeParse(input.policy);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({
        field: ['body', ...i.path.map(String)].join('.'),
        message: i.message,
      }));
      throw new AppError('http.bad_request', {
        publicMessage: `invalid guard policy: ${issues.map((i) => i.field).join(', ')}`,
        details: { issues },
      });
    }
    const policy = input.policy as ClassPolicyInput;
    await sql.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`org_guard_policies:${orgId}`]);
    const current = await latest(sql);
    if (current.version !== input.expectedVersion) {
      throw new AppError('http.precondition_failed', {
        publicMessage: `guard policy version ${current.version} is current, not ${input.expectedVersion}`,
        details: { current_version: current.version },
      });
    }
    const version = current.version + 1;
    const { rows } = await sql.query<Row>(
      'INSERT INTO org_guard_policies (org_id, version, policy, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING version, policy, created_at',
      [orgId, version, JSON.stringify(policy), JSON.stringify(input.actor), this.deps.clock.now()],
    );
    await this.deps.audit.append(sql, [
      {
        orgId,
        actor: input.actor,
        action: 'guard.policy.updated',
        resource: { type: 'PolicySet', id: `${orgId}/guard/v${version}` },
        decision: 'info',
        requestId: input.requestId ?? null,
        details: { version, policy: policy as Record<string, unknown> },
      },
    ]);
    await bumpOrgGeneration(sql);
    const row = rows[0] as Row;
    return { version: row.version, policy: row.policy, createdAt: new Date(row.created_at) };
  }
}
