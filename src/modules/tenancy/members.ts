import { AppError } from '../../lib/errors/index.js';
import { isId, newId, type OrgId, type UserId } from '../../lib/ids.js';
import { bumpOrgGeneration } from '../../platform/cache-generation/index.js';
import type { PlatformSql, TenantSql } from '../../platform/db/index.js';
import type { AuditLog } from '../audit/index.js';
import {
  assertMayChange,
  assertMayGrant,
  assertMayRemove,
  type ActingPrincipal,
  type CanGrantRole,
} from './acting-principal.js';
import type { AuditContext } from './audit-context.js';

/** A member of an org: a user with roles, attributes (region, projects) and this org's display name for them. */
export interface Member {
  id: string;
  orgId: OrgId;
  userId: UserId;
  email: string;
  displayName: string;
  roles: string[];
  attributes: Record<string, unknown>;
  createdAt: Date;
}

interface MemberRow {
  id: string;
  org_id: OrgId;
  user_id: UserId;
  email: string;
  display_name: string;
  roles: string[];
  attributes: Record<string, unknown>;
  created_at: Date | string;
}

// SECURITY: the display name is the membership's own (migration 0011), never the global users row another org may
// have set; the e-mail is shown in lower case, so its stored spelling cannot tell an existing account from a new one.
const SELECT = `SELECT m.id, m.org_id, m.user_id, lower(u.email) AS email, m.display_name, m.roles, m.attributes, m.created_at
                  FROM memberships m JOIN users u ON u.id = m.user_id`;

// SECURITY: user ids are global, so one created by another org's earlier add must not date the account: new user
// ids carry no creation time (80 random bits after a zero time part). See docs/architecture.md.
const newUserId = (): UserId => newId('usr', 0);
const toMember = (r: MemberRow): Member => ({
  id: r.id,
  orgId: r.org_id,
  userId: r.user_id,
  email: r.email,
  displayName: r.display_name,
  roles: r.roles,
  attributes: r.attributes,
  createdAt: new Date(r.created_at),
});

/** Memberships: who belongs to an org, with which roles and attributes. */
export class MemberService {
  constructor(private readonly deps: { audit: AuditLog; canGrantRole: CanGrantRole }) {}

  /** Members of the transaction's org, keyset-paginated. */
  async list(sql: TenantSql, options: { afterId?: string; limit: number }): Promise<Member[]> {
    const { rows } = await sql.query<MemberRow>(`${SELECT} WHERE m.id > $1 ORDER BY m.id LIMIT $2`, [
      options.afterId ?? '',
      options.limit,
    ]);
    return rows.map(toMember);
  }

  /** One member; `http.not_found` otherwise (also for another org's member: RLS hides it). `forUpdate` locks the row. */
  async get(sql: TenantSql, memberId: string, forUpdate = false): Promise<Member> {
    const { rows } = await sql.query<MemberRow>(`${SELECT} WHERE m.id = $1${forUpdate ? ' FOR UPDATE OF m' : ''}`, [
      isId('mem', memberId) ? memberId : '',
    ]);
    if (!rows[0]) throw new AppError('http.not_found', { publicMessage: 'no such member' });
    return toMember(rows[0]);
  }

  /** The membership of a user in the transaction's org, if any. */
  async ofUser(sql: TenantSql, userId: string): Promise<Member | undefined> {
    const { rows } = await sql.query<MemberRow>(`${SELECT} WHERE m.user_id = $1`, [userId]);
    return rows[0] ? toMember(rows[0]) : undefined;
  }

  /**
   * Adds a user (found or created by e-mail) to an org, inside the caller's platform transaction, with its audit
   * event. The answer is the same whether or not the e-mail was known elsewhere (apart from random ids). `by` must be
   * able to grant every role (`authz.role_not_grantable`); it is omitted only when the platform creates an org's
   * first owner. An existing membership is `db.conflict`.
   */
  async add(
    platform: PlatformSql,
    orgId: OrgId,
    input: { email: string; displayName?: string; roles: string[]; attributes: Record<string, unknown> },
    audit: AuditContext,
    by?: ActingPrincipal,
  ): Promise<Member> {
    if (by) assertMayGrant(by, input.roles, this.deps.canGrantRole);
    // The org's display name goes on the membership only; the global users row gets none from any org.
    await platform.query(
      "INSERT INTO users (id, email, display_name) VALUES ($1, $2, '') ON CONFLICT (lower(email)) DO NOTHING",
      [newUserId(), input.email],
    );
    const { rows } = await platform.query<{ id: UserId }>('SELECT id FROM users WHERE lower(email) = lower($1)', [
      input.email,
    ]);
    const userId = rows[0]?.id as UserId;
    return platform.inTenant(orgId, async (sql) => {
      const id = newId('mem');
      await sql.query(
        'INSERT INTO memberships (org_id, id, user_id, roles, attributes, display_name) VALUES ($1, $2, $3, $4, $5, $6)',
        [orgId, id, userId, input.roles, JSON.stringify(input.attributes), input.displayName ?? ''],
      );
      // A user's keys in this org work again once they are a member again: cached owners must be reread.
      await bumpOrgGeneration(sql);
      await this.deps.audit.append(sql, [
        {
          orgId,
          actor: audit.actor,
          requestId: audit.requestId ?? null,
          action: 'tenancy.member.added',
          resource: { type: 'Member', id },
          decision: 'info',
          details: { user_id: userId, roles: input.roles },
        },
      ]);
      return this.get(sql, id);
    });
  }

  /**
   * Changes a member's roles and/or attributes. Only an owner changes an owner, nobody adds roles to their own
   * membership, every role given or taken must be grantable by `by`; removing the last owner is refused.
   */
  async update(
    sql: TenantSql,
    by: ActingPrincipal,
    memberId: string,
    change: { roles?: string[]; attributes?: Record<string, unknown> },
    audit: AuditContext,
  ): Promise<Member> {
    const before = await this.get(sql, memberId, true);
    assertMayChange(by, before, change.roles, this.deps.canGrantRole);
    if (change.roles && before.roles.includes('owner') && !change.roles.includes('owner'))
      await this.assertAnotherOwner(sql, memberId);
    await sql.query(
      'UPDATE memberships SET roles = COALESCE($2, roles), attributes = COALESCE($3::jsonb, attributes), updated_at = now() WHERE id = $1',
      [memberId, change.roles ?? null, change.attributes ? JSON.stringify(change.attributes) : null],
    );
    // SECURITY: the member's keys act with these roles and attributes from the next request on, on every node.
    await bumpOrgGeneration(sql);
    await this.deps.audit.append(sql, [
      {
        orgId: sql.orgId,
        actor: audit.actor,
        requestId: audit.requestId ?? null,
        action: 'tenancy.member.updated',
        resource: { type: 'Member', id: memberId },
        decision: 'info',
        details: { roles_before: before.roles, roles_after: change.roles ?? before.roles },
      },
    ]);
    return this.get(sql, memberId);
  }

  /** Removes a member (their keys stop working at once). Only an owner removes an owner; removing the last owner is refused. */
  async remove(sql: TenantSql, by: ActingPrincipal, memberId: string, audit: AuditContext): Promise<void> {
    const member = await this.get(sql, memberId, true);
    assertMayRemove(by, member, this.deps.canGrantRole);
    if (member.roles.includes('owner')) await this.assertAnotherOwner(sql, memberId);
    await sql.query('DELETE FROM memberships WHERE id = $1', [memberId]);
    await bumpOrgGeneration(sql);
    await this.deps.audit.append(sql, [
      {
        orgId: sql.orgId,
        actor: audit.actor,
        requestId: audit.requestId ?? null,
        action: 'tenancy.member.removed',
        resource: { type: 'Member', id: memberId },
        decision: 'info',
        details: { user_id: member.userId },
      },
    ]);
  }

  private async assertAnotherOwner(sql: TenantSql, memberId: string): Promise<void> {
    // The other owners are locked, so two owners demoting each other at once cannot leave the org without one; their
    // accounts' status is read after the lock, and a disabled owner's account does not count (nobody can use it).
    const { rows } = await sql.query<{ user_id: string }>(
      "SELECT user_id FROM memberships WHERE id <> $1 AND 'owner' = ANY(roles) ORDER BY id FOR UPDATE",
      [memberId],
    );
    const { rows: active } = await sql.query(
      "SELECT 1 FROM users WHERE id = ANY($1::text[]) AND status = 'active' LIMIT 1",
      [rows.map((r) => r.user_id)],
    );
    if (active.length === 0)
      throw new AppError('db.conflict', { publicMessage: 'an org must keep at least one active owner' });
  }
}
