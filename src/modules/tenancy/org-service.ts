import type { Clock } from '../../lib/clock.js';
import { AppError, isAppError } from '../../lib/errors/index.js';
import { newId, type OrgId } from '../../lib/ids.js';
import type { Db, PlatformSql } from '../../platform/db/index.js';
import type { AuditActor, AuditLog } from '../audit/index.js';
import type { AuditContext } from './audit-context.js';
import { issueOwnerSetupSecret } from './bootstrap.js';
import { MemberService, type Member } from './members.js';
import type { Org } from './org.js';
import { insertOrg, selectOrg, selectOrgs } from './repo.js';
import { createOrgSchema, type CreateOrgInput } from './schema.js';

/** Dependencies of the org service. */
export interface OrgServiceDeps {
  db: Db;
  clock: Clock;
  audit: AuditLog;
  /** How long a new org owner's setup secret stays valid. */
  ownerSetupTtlMinutes: number;
}

/** An org created with its first owner and the owner's one-time setup secret. */
export interface CreatedOrg {
  org: Org;
  owner: Member;
  ownerSetup: { secret: string; expiresAt: Date };
}

/** Creating, listing and reading orgs (tenants). */
export class OrgService {
  private readonly members: MemberService;

  constructor(private readonly deps: OrgServiceDeps) {
    // The platform adds an org's first owner without an acting member, so no grant is ever asked here: deny all.
    this.members = new MemberService({ audit: deps.audit, canGrantRole: () => false });
  }

  /** Creates an org and its first audit event in one transaction (operator CLI). A taken slug is `db.conflict`. */
  async create(input: CreateOrgInput, actor: AuditActor, requestId?: string): Promise<Org> {
    return this.deps.db.withPlatform((platform) =>
      this.insertWithEvent(platform, input, { actor, ...(requestId ? { requestId } : {}) }),
    );
  }

  /**
   * Creates an org, its first owner (user found or created by e-mail, with an owner membership) and the owner's
   * one-time setup secret, with every audit event, inside the caller's one platform transaction: all of it commits
   * or none. The owner redeems the secret with a passkey registration for their first key (`/v1/bootstrap/*`), so
   * nobody but the owner holds an owner credential. A taken slug is `db.conflict`.
   */
  async createWithOwner(
    platform: PlatformSql,
    input: CreateOrgInput & { ownerEmail: string },
    audit: AuditContext,
  ): Promise<CreatedOrg> {
    const org = await this.insertWithEvent(platform, { name: input.name, slug: input.slug }, audit);
    const owner = await this.members.add(
      platform,
      org.id,
      { email: input.ownerEmail, roles: ['owner'], attributes: {} },
      audit,
    );
    const ownerSetup = await issueOwnerSetupSecret(this.deps, platform, {
      orgId: org.id,
      userId: owner.userId,
      ttlMinutes: this.deps.ownerSetupTtlMinutes,
    });
    return { org, owner, ownerSetup };
  }

  private async insertWithEvent(platform: PlatformSql, input: CreateOrgInput, audit: AuditContext): Promise<Org> {
    const parsed = createOrgSchema.parse(input);
    const id = newId('org', this.deps.clock.now().getTime());
    let org: Org;
    try {
      org = await insertOrg(platform, { id, ...parsed });
    } catch (error) {
      if (isAppError(error, 'db.conflict'))
        throw new AppError('db.conflict', {
          publicMessage: `an org with slug '${parsed.slug}' already exists`,
          cause: error,
        });
      throw error;
    }
    await platform.inTenant(id, (tenant) =>
      this.deps.audit.append(tenant, [
        {
          orgId: id,
          actor: audit.actor,
          action: 'tenancy.org.created',
          resource: { type: 'Org', id },
          decision: 'info',
          requestId: audit.requestId ?? null,
          details: { name: parsed.name, slug: parsed.slug },
        },
      ]),
    );
    return org;
  }

  /** Lists every org (platform scope), oldest first. */
  list(options: { afterId?: string; limit: number }): Promise<Org[]> {
    return this.deps.db.withPlatform((sql) => selectOrgs(sql, options));
  }

  /** Every org id, for jobs that visit each tenant. */
  async allIds(): Promise<OrgId[]> {
    const ids: OrgId[] = [];
    let afterId: string | undefined;
    for (;;) {
      const page = await this.list({ limit: 500, ...(afterId ? { afterId } : {}) });
      ids.push(...page.map((o) => o.id));
      if (page.length < 500) return ids;
      afterId = page.at(-1)?.id;
    }
  }

  /** One org as its own tenant sees it; `tenancy.org_not_found` otherwise. */
  async get(id: OrgId): Promise<Org> {
    const org = await this.deps.db.withTenant(id, (sql) => selectOrg(sql, id));
    if (!org) throw new AppError('tenancy.org_not_found');
    return org;
  }
}
