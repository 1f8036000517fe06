import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, type ResourceDescriptor } from '../../modules/authz/index.js';
import {
  freezeOrg,
  orgStatusChangeSchema,
  unfreezeOrg,
  type Org,
  type OrgStatusChange,
} from '../../modules/tenancy/index.js';
import type { AuditContext } from '../../modules/tenancy/index.js';
import type { PlatformSql } from '../../platform/db/index.js';
import type { ApiServices } from '../api-services.js';
import { principalOf } from '../auth/route-auth.js';
import { inPlatformTransaction } from '../auth/route-transaction.js';
import { idParam } from './route-helpers.js';
import { orgSchema, toOrgWire } from './tenancy-routes.js';

// The path names the org acted on, not the caller's: the caller is a platform owner, so the parameter is not
// `org_id` (which the tenant boundary would hold to the caller's own org).
const params = z.object({ target_org_id: idParam('org', 'an org').describe('The org to freeze or unfreeze.') });

type Change = (
  platform: PlatformSql,
  deps: { clock: ApiServices['clock']; audit: ApiServices['audit'] },
  orgId: string,
  change: OrgStatusChange,
  ctx: AuditContext,
) => Promise<Org>;

/** `POST /v1/orgs/{target_org_id}/freeze` and `/unfreeze` (platform owners, action manage:orgs). */
export function registerOrgStatusRoutes(app: FastifyInstance, services: ApiServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const route = (verb: 'freeze' | 'unfreeze', change: Change, summary: string) =>
    r.post(`/v1/orgs/:target_org_id/${verb}`, {
      config: {
        authz: {
          action: 'manage:orgs',
          resource: (): ResourceDescriptor => ({ type: 'Platform', id: 'platform', orgId: services.platformOrgId }),
        },
        transaction: 'platform',
      },
      schema: {
        summary,
        tags: ['orgs'],
        security: [{ bearer: [] }],
        params,
        body: orgStatusChangeSchema,
        response: { 200: orgSchema },
      },
      handler: async (request) => {
        const org = await inPlatformTransaction(request, (platform) =>
          change(
            platform,
            { clock: services.clock, audit: services.audit },
            request.params.target_org_id,
            request.body,
            { actor: actorOf(principalOf(request)), requestId: request.id },
          ),
        );
        services.engine.invalidate(org.id);
        return toOrgWire(org);
      },
    });
  route(
    'freeze',
    freezeOrg,
    'Freeze an org (platform owners): its mutations and model calls are refused, reads stay open',
  );
  route('unfreeze', unfreezeOrg, 'Unfreeze an org (platform owners)');
}
