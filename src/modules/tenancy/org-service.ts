import type { Clock } from '../../lib/clock.js';
import { AppError, isAppError } from '../../lib/errors/index.js';
import { newId, type OrgId } from '../../lib/ids.js';
import type { Db } from '../../platform/db/index.js';
import type { AuditActor, AuditLog } from '../audit/index.js';
import type { Org } from './org.js';
import { insertOrg, selectOrg, selectOrgs } from './repo.js';
import { createOrgSchema, type CreateOrgInput } from './schema.js';

/** Dependencies of the org service. */
export interface OrgServiceDeps {
  db: Db;
  clock: Clock;
  audit: AuditLog;
}

/** Creating, listing and reading orgs (tenants). */
export class OrgService {
  constructor(private readonly deps: OrgServiceDeps) {}

  /** Creates an org and its first audit event in one transaction. A taken slug is `db.conflict`. */
  async create(input: CreateOrgInput, actor: AuditActor, requestId?: string): Promise<Org> {
    const parsed = createOrgSchema.parse(input);
    const id = newId('org', this.deps.clock.now().getTime());
    try {
      return await this.deps.db.withPlatform(async (platform) => {
        const org = await insertOrg(platform, { id, ...parsed });
        const tenant = await platform.enterTenant(id);
        await this.deps.audit.append(tenant, [
          { orgId: id, actor, action: 'tenancy.org.created', resource: { type: 'Org', id }, decision: 'info', requestId: requestId ?? null, details: { name: parsed.name, slug: parsed.slug } },
        ]);
        return org;
      });
    } catch (error) {
      if (isAppError(error, 'db.conflict')) throw new AppError('db.conflict', { publicMessage: `an org with slug '${parsed.slug}' already exists`, cause: error });
      throw error;
    }
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
