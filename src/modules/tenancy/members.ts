import { AppError } from '../../lib/errors/index.js';
import { isId, newId, type OrgId, type UserId } from '../../lib/ids.js';
import type { PlatformSql, TenantSql } from '../../platform/db/index.js';
import type { AuditLog } from '../audit/index.js';
import type { AuditContext } from './audit-context.js';

/** A member of an org: a user with roles and attributes (region, projects) in that org. */
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

const SELECT = `SELECT m.id, m.org_id, m.user_id, u.email, u.display_name, m.roles, m.attributes, m.created_at
                  FROM memberships m JOIN users u ON u.id = m.user_id`;
const toMember = (r: MemberRow): Member => ({ id: r.id, orgId: r.org_id, userId: r.user_id, email: r.email, displayName: r.display_name, roles: r.roles, attributes: r.attributes, createdAt: new Date(r.created_at) });

/** Memberships: who belongs to an org, with which roles and attributes. */
export class MemberService {
  constructor(private readonly deps: { audit: AuditLog }) {}

  /** Members of the transaction's org, keyset-paginated. */
  async list(sql: TenantSql, options: { afterId?: string; limit: number }): Promise<Member[]> {
    const { rows } = await sql.query<MemberRow>(`${SELECT} WHERE m.id > $1 ORDER BY m.id LIMIT $2`, [options.afterId ?? '', options.limit]);
    return rows.map(toMember);
  }

  /** One member; `http.not_found` otherwise (also for another org's member: RLS hides it). */
  async get(sql: TenantSql, memberId: string): Promise<Member> {
    const { rows } = await sql.query<MemberRow>(`${SELECT} WHERE m.id = $1`, [isId('mem', memberId) ? memberId : '']);
    if (!rows[0]) throw new AppError('http.not_found', { publicMessage: 'no such member' });
    return toMember(rows[0]);
  }

  /** The membership of a user in the transaction's org, if any. */
  async ofUser(sql: TenantSql, userId: string): Promise<Member | undefined> {
    const { rows } = await sql.query<MemberRow>(`${SELECT} WHERE m.user_id = $1`, [userId]);
    return rows[0] ? toMember(rows[0]) : undefined;
  }

  /**
   * Adds a user (found or created by e-mail) to an org, inside the caller's platform transaction, with its
   * audit event. An existing membership is `db.conflict`.
   */
  async add(platform: PlatformSql, orgId: OrgId, input: { email: string; displayName?: string; roles: string[]; attributes: Record<string, unknown> }, audit: AuditContext): Promise<Member> {
    const candidate = newId('usr');
    await platform.query('INSERT INTO users (id, email, display_name) VALUES ($1, $2, $3) ON CONFLICT (lower(email)) DO NOTHING', [candidate, input.email, input.displayName ?? '']);
    const { rows } = await platform.query<{ id: UserId }>('SELECT id FROM users WHERE lower(email) = lower($1)', [input.email]);
    const userId = rows[0]?.id as UserId;
    return platform.inTenant(orgId, async (sql) => {
      const id = newId('mem');
      await sql.query('INSERT INTO memberships (org_id, id, user_id, roles, attributes) VALUES ($1, $2, $3, $4, $5)', [orgId, id, userId, input.roles, JSON.stringify(input.attributes)]);
      await this.deps.audit.append(sql, [{ orgId, actor: audit.actor, requestId: audit.requestId ?? null, action: 'tenancy.member.added', resource: { type: 'Member', id }, decision: 'info', details: { user_id: userId, roles: input.roles } }]);
      return this.get(sql, id);
    });
  }

  /** Changes a member's roles and/or attributes. Removing the last owner is refused. */
  async update(sql: TenantSql, memberId: string, change: { roles?: string[]; attributes?: Record<string, unknown> }, audit: AuditContext): Promise<Member> {
    const before = await this.get(sql, memberId);
    if (change.roles && before.roles.includes('owner') && !change.roles.includes('owner')) await this.assertAnotherOwner(sql, memberId);
    await sql.query('UPDATE memberships SET roles = COALESCE($2, roles), attributes = COALESCE($3::jsonb, attributes), updated_at = now() WHERE id = $1', [memberId, change.roles ?? null, change.attributes ? JSON.stringify(change.attributes) : null]);
    await this.deps.audit.append(sql, [{ orgId: sql.orgId, actor: audit.actor, requestId: audit.requestId ?? null, action: 'tenancy.member.updated', resource: { type: 'Member', id: memberId }, decision: 'info', details: { roles_before: before.roles, roles_after: change.roles ?? before.roles } }]);
    return this.get(sql, memberId);
  }

  /** Removes a member (their keys stop working at once). Removing the last owner is refused. */
  async remove(sql: TenantSql, memberId: string, audit: AuditContext): Promise<void> {
    const member = await this.get(sql, memberId);
    if (member.roles.includes('owner')) await this.assertAnotherOwner(sql, memberId);
    await sql.query('DELETE FROM memberships WHERE id = $1', [memberId]);
    await this.deps.audit.append(sql, [{ orgId: sql.orgId, actor: audit.actor, requestId: audit.requestId ?? null, action: 'tenancy.member.removed', resource: { type: 'Member', id: memberId }, decision: 'info', details: { user_id: member.userId } }]);
  }

  private async assertAnotherOwner(sql: TenantSql, memberId: string): Promise<void> {
    const { rows } = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM memberships WHERE id <> $1 AND 'owner' = ANY(roles)", [memberId]);
    if ((rows[0]?.n ?? 0) === 0) throw new AppError('db.conflict', { publicMessage: 'an org must keep at least one owner' });
  }
}
