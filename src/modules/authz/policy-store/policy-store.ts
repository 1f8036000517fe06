import { LRUCache } from 'lru-cache';
import type { Clock } from '../../../lib/clock.js';
import { AppError } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import { bumpOrgGeneration, type OrgGenerations } from '../../../platform/cache-generation/index.js';
import type { Db, TenantSql } from '../../../platform/db/index.js';
import type { AuditEventInput, AuditLog } from '../../audit/index.js';
import type { AuthzEngine } from '../engine/authz-engine.js';
import type { DecisionContext } from '../engine/types.js';
import type { Principal } from '../principal.js';
import { findPolicyLockout } from './find-policy-lockout.js';

/** One stored version of an org's policy text. */
export interface PolicyVersion {
  version: number;
  text: string;
  note: string | null;
  rolledBackFrom: number | null;
  createdBy: unknown;
  createdAt: Date;
}

/** Dependencies of the policy store. */
export interface PolicyStoreDeps {
  db: Db;
  engine: AuthzEngine;
  audit: AuditLog;
  clock: Clock;
  /** The orgs' cache generations: a policy change bumps its org's, and a node reloads when it sees a new one. */
  generations: OrgGenerations;
}

interface VersionRow {
  version: number;
  policy_text: string;
  note: string | null;
  rolled_back_from: number | null;
  created_by: unknown;
  created_at: Date | string;
}

const toVersion = (row: VersionRow): PolicyVersion => ({
  version: row.version,
  text: row.policy_text,
  note: row.note,
  rolledBackFrom: row.rolled_back_from,
  createdBy: row.created_by,
  createdAt: new Date(row.created_at),
});

async function latest(sql: TenantSql): Promise<PolicyVersion | undefined> {
  const { rows } = await sql.query<VersionRow>(
    'SELECT version, policy_text, note, rolled_back_from, created_by, created_at FROM org_policies ORDER BY version DESC LIMIT 1',
  );
  return rows[0] ? toVersion(rows[0]) : undefined;
}

/**
 * Org policies as versioned data: every change is a new version (a rollback copies an old text forward),
 * validated before it is stored, loaded into the engine after it commits, and reloaded by every node on the first
 * request that sees the org's cache generation move (a change bumps it in its own transaction).
 */
export class PolicyStore {
  /** The generation each org's policies were last loaded under (bounded like the engine's org policy sets). */
  private readonly loadedAt = new LRUCache<OrgId, number>({ max: 100_000 });

  constructor(private readonly deps: PolicyStoreDeps) {}

  /**
   * Makes sure the engine has the org's newest policy version: free when the org's generation (as this request's
   * authentication read it) is the one they were loaded under; `force` reads the generation afresh.
   */
  async ensureLoaded(orgId: OrgId, force = false): Promise<void> {
    const generations = this.deps.generations;
    // INVARIANT: the generation is read before the policy text, so a load is never stamped newer than what it read.
    const generation = force ? await generations.read(orgId) : await generations.current(orgId);
    if ((this.loadedAt.get(orgId) ?? -1) >= generation) return;
    const current = await this.deps.db.withTenant(orgId, latest);
    if (current && current.version > (this.deps.engine.orgPolicyVersion(orgId) ?? 0)) {
      this.deps.engine.setOrgPolicies(orgId, current.text, current.version);
    }
    if ((this.loadedAt.get(orgId) ?? -1) < generation) this.loadedAt.set(orgId, generation);
  }

  /** The version in force, or version 0 with empty text when the org has none. */
  async current(sql: TenantSql): Promise<PolicyVersion> {
    return (
      (await latest(sql)) ?? {
        version: 0,
        text: '',
        note: null,
        rolledBackFrom: null,
        createdBy: null,
        createdAt: new Date(0),
      }
    );
  }

  /** The org's version in force, read in a transaction of its own (see `current`). */
  inForce(orgId: OrgId): Promise<PolicyVersion> {
    return this.deps.db.withTenant(orgId, (sql) => this.current(sql));
  }

  /** Every version of the org, newest first. */
  async versions(orgId: OrgId, options: { beforeVersion?: number; limit: number }): Promise<PolicyVersion[]> {
    const { rows } = await this.deps.db.withTenant(orgId, (sql) =>
      sql.query<VersionRow>(
        'SELECT version, policy_text, note, rolled_back_from, created_by, created_at FROM org_policies WHERE version < $1 ORDER BY version DESC LIMIT $2',
        [options.beforeVersion ?? 2_147_483_647, options.limit],
      ),
    );
    return rows.map(toVersion);
  }

  /**
   * Stores `text` as the next version when `expectedVersion` is the current one (else `http.precondition_failed`),
   * after validating it (`authz.policy_invalid` / `authz.cross_tenant_policy` with line and column), inside the
   * caller's tenant transaction with its audit event. A text that would deny `author` (the principal making the
   * change, absent for an operator) or every owner `read:policies` or `manage:policies` is refused with
   * `authz.policy_lockout` before anything is stored. Call `ensureLoaded(orgId, true)` once it has committed.
   */
  async update(
    sql: TenantSql,
    input: {
      text: string;
      expectedVersion: number;
      note?: string;
      rolledBackFrom?: number;
      reset?: boolean;
      actor: unknown;
      author?: Principal;
      context?: DecisionContext;
      requestId?: string;
    },
  ): Promise<PolicyVersion> {
    const orgId = sql.orgId;
    const validation = this.deps.engine.validateOrgPolicies(orgId, input.text);
    if (!validation.ok) {
      const crossTenant = validation.errors.some((e) => e.code === 'authz.cross_tenant_policy');
      throw new AppError(crossTenant ? 'authz.cross_tenant_policy' : 'authz.policy_invalid', {
        publicMessage: `policy text rejected: ${validation.errors[0]?.message ?? 'invalid'}`,
        details: {
          errors: validation.errors.map((e) => ({ code: e.code, message: e.message, line: e.line, column: e.column })),
        },
      });
    }
    // SECURITY: a version that shuts out its author or every owner from the policies could never be undone through the API.
    const lockout = findPolicyLockout(this.deps.engine, orgId, input.text, input.author, input.context ?? {});
    if (lockout.length > 0) {
      throw new AppError('authz.policy_lockout', {
        publicMessage: `policy text rejected: it would deny ${lockout.map((entry) => `${entry.who} ${entry.action}`).join(', ')}`,
        details: { denied: lockout },
      });
    }
    await sql.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`org_policies:${orgId}`]);
    const current = await latest(sql);
    if ((current?.version ?? 0) !== input.expectedVersion) {
      throw new AppError('http.precondition_failed', {
        publicMessage: `policy version ${current?.version ?? 0} is current, not ${input.expectedVersion}`,
        details: { current_version: current?.version ?? 0 },
      });
    }
    const version = input.expectedVersion + 1;
    const { rows } = await sql.query<VersionRow>(
      'INSERT INTO org_policies (org_id, version, policy_text, note, rolled_back_from, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING version, policy_text, note, rolled_back_from, created_by, created_at',
      [
        orgId,
        version,
        input.text,
        input.note ?? null,
        input.rolledBackFrom ?? null,
        JSON.stringify(input.actor),
        this.deps.clock.now(),
      ],
    );
    await this.deps.audit.append(sql, [
      {
        orgId,
        actor: input.actor as AuditEventInput['actor'],
        action: input.reset
          ? 'authz.policy.reset'
          : input.rolledBackFrom
            ? 'authz.policy.rolled_back'
            : 'authz.policy.updated',
        resource: { type: 'PolicySet', id: `${orgId}/v${version}` },
        decision: 'info',
        requestId: input.requestId ?? null,
        details: {
          version,
          policies: validation.policies.map((p) => `${p.effect}:${p.id}`),
          ...(input.rolledBackFrom ? { from_version: input.rolledBackFrom } : {}),
        },
      },
    ]);
    await bumpOrgGeneration(sql);
    return toVersion(rows[0] as VersionRow);
  }

  /**
   * Restores the built-in policies alone by storing an empty org policy text as a new version, in one transaction
   * audited as `authz.policy.reset` by `actor`: the operator's way back when an org can no longer change its policies.
   */
  async reset(orgId: OrgId, input: { actor: unknown; note?: string }): Promise<PolicyVersion> {
    const stored = await this.deps.db.withTenant(orgId, async (sql) => {
      const { version } = await this.current(sql);
      return this.update(sql, {
        text: '',
        expectedVersion: version,
        note: input.note ?? 'reset to the built-in policies by an operator',
        reset: true,
        actor: input.actor,
      });
    });
    await this.ensureLoaded(orgId, true);
    return stored;
  }

  /** Makes an old version current again by storing its text as a new version, in the caller's tenant transaction. */
  async rollback(
    sql: TenantSql,
    input: {
      toVersion: number;
      expectedVersion: number;
      actor: unknown;
      author?: Principal;
      context?: DecisionContext;
      requestId?: string;
    },
  ): Promise<PolicyVersion> {
    const target = (
      await sql.query<VersionRow>(
        'SELECT version, policy_text, note, rolled_back_from, created_by, created_at FROM org_policies WHERE version = $1',
        [input.toVersion],
      )
    ).rows[0];
    if (!target) throw new AppError('http.not_found', { publicMessage: `no policy version ${input.toVersion}` });
    return this.update(sql, {
      text: target.policy_text,
      expectedVersion: input.expectedVersion,
      note: `rollback to version ${input.toVersion}`,
      rolledBackFrom: input.toVersion,
      actor: input.actor,
      ...(input.author ? { author: input.author } : {}),
      ...(input.context ? { context: input.context } : {}),
      ...(input.requestId ? { requestId: input.requestId } : {}),
    });
  }
}
