import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { OrgId } from '../../lib/ids.js';
import { actorOf } from '../../modules/authz/index.js';
import {
  quarantineItemWithContentSchema,
  quarantineListQuerySchema,
  quarantineListSchema,
  quarantineReviewBodySchema,
  releasedQuarantineItemSchema,
  quarantineItemSchema,
  toQuarantineItemWire,
  toQuarantineItemWithContentWire,
} from '../../modules/guard/index.js';
import type { ApiServices } from '../api-services.js';
import { principalOf } from '../auth/route-auth.js';
import { inTenantTransaction } from '../auth/route-transaction.js';
import { idParam, orgParams, resourceFromPath } from './route-helpers.js';

const itemParams = orgParams.extend({ item_id: idParam('qtn', 'a quarantine item') });

/** `/v1/orgs/{org_id}/quarantine`: held model responses for review (list, show, release, discard; all audited). */
export function registerQuarantineRoutes(app: FastifyInstance, services: ApiServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['quarantine'];
  const security = [{ bearer: [] }];
  const orgOf = (params: { org_id: string }) => params.org_id as OrgId;

  r.get('/v1/orgs/:org_id/quarantine', {
    config: { authz: { action: 'review:quarantine', resource: resourceFromPath('Org') } },
    schema: {
      summary: 'List quarantined responses (without content), newest first',
      tags,
      security,
      params: orgParams,
      querystring: quarantineListQuerySchema,
      response: { 200: quarantineListSchema },
    },
    handler: async (request) => {
      const { items, nextCursor } = await services.quarantine.list(orgOf(request.params), request.query);
      return { items: items.map(toQuarantineItemWire), next_cursor: nextCursor };
    },
  });

  r.get('/v1/orgs/:org_id/quarantine/:item_id', {
    config: { authz: { action: 'review:quarantine', resource: resourceFromPath('QuarantineItem', 'item_id') } },
    schema: {
      summary: 'Show a quarantined response with its content (the view is audited)',
      tags,
      security,
      params: itemParams,
      response: { 200: quarantineItemWithContentSchema },
    },
    handler: async (request) =>
      toQuarantineItemWithContentWire(
        await services.quarantine.show(orgOf(request.params), request.params.item_id, actorOf(principalOf(request)), {
          requestId: request.id,
        }),
      ),
  });

  r.post('/v1/orgs/:org_id/quarantine/:item_id/release', {
    config: {
      authz: { action: 'review:quarantine', resource: resourceFromPath('QuarantineItem', 'item_id') },
      transaction: 'tenant',
    },
    schema: {
      summary: 'Release a held response (returns its content once reviewed)',
      tags,
      security,
      params: itemParams,
      body: quarantineReviewBodySchema,
      response: { 200: releasedQuarantineItemSchema },
    },
    handler: async (request) =>
      toQuarantineItemWithContentWire(
        await inTenantTransaction(request, (sql) =>
          services.quarantine.release(sql, request.params.item_id, actorOf(principalOf(request)), {
            requestId: request.id,
            ...(request.body.note ? { note: request.body.note } : {}),
          }),
        ),
      ),
  });

  r.post('/v1/orgs/:org_id/quarantine/:item_id/discard', {
    config: {
      authz: { action: 'review:quarantine', resource: resourceFromPath('QuarantineItem', 'item_id') },
      transaction: 'tenant',
    },
    schema: {
      summary: 'Discard a held response (its content is destroyed; the record stays)',
      tags,
      security,
      params: itemParams,
      body: quarantineReviewBodySchema,
      response: { 200: quarantineItemSchema },
    },
    handler: async (request) =>
      toQuarantineItemWire(
        await inTenantTransaction(request, (sql) =>
          services.quarantine.discard(sql, request.params.item_id, actorOf(principalOf(request)), {
            requestId: request.id,
            ...(request.body.note ? { note: request.body.note } : {}),
          }),
        ),
      ),
  });
}
