import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import {
  apiKeySchema,
  createdKeySchema,
  createKeyBodySchema,
  rotateKeyBodySchema,
  type ApiKey,
  type ResourceDescriptor,
} from '../../modules/authz/index.js';
import type { ApiServices } from '../api-services.js';
import { runOnce } from '../../platform/idempotency/index.js';
import { principalOf, requestMeta } from '../auth/route-auth.js';
import { inTenantTransaction } from '../auth/route-transaction.js';
import { idempotencyKeyOf, renderIdempotent } from './idempotency-key.js';
import {
  afterCursor,
  idParam,
  iso,
  orgParams,
  pageOf,
  pageQuery,
  pageSchema,
  pathOrg,
  readInTenant,
  resourceFromPath,
} from './route-helpers.js';

/** An API key on the wire (never its secret). */
export function toKeyWire(key: ApiKey): z.infer<typeof apiKeySchema> {
  return {
    id: key.id,
    org_id: key.orgId,
    name: key.name,
    env: key.env,
    owner: key.owner,
    role: key.role,
    scopes: key.scopes,
    amr: key.amr,
    cidrs: key.cidrs,
    expires_at: iso(key.expiresAt),
    revoked_at: iso(key.revokedAt),
    last_used_at: iso(key.lastUsedAt),
    rotated_from: key.rotatedFrom,
    created_at: key.createdAt.toISOString(),
  };
}

const keyParams = orgParams.extend({ key_id: idParam('key', 'an API key') });

// The key's owner decides whether a developer may manage it, so the resource carries it.
async function keyResource(request: FastifyRequest, services: ApiServices): Promise<ResourceDescriptor> {
  const orgId = pathOrg(request);
  const keyId = (request.params as { key_id?: string }).key_id ?? '';
  const principal = principalOf(request);
  // Only the caller's own org is ever read; another org's key stays unknown and the tenant boundary denies.
  const owner = orgId === principal.orgId ? await services.apiKeys.ownerOf(orgId, keyId) : undefined;
  return { type: 'ApiKey', id: keyId, orgId, ...(owner ? { attributes: { ownerId: owner.id } } : {}) };
}

function newKeyResource(request: FastifyRequest): ResourceDescriptor {
  const principal = principalOf(request);
  const body = request.body as { owner?: { id: string } } | undefined;
  const ownerId = body?.owner?.id ?? (principal.kind === 'api_key' ? principal.ownerId : principal.id);
  return { type: 'ApiKey', id: 'new', orgId: pathOrg(request), ...(ownerId ? { attributes: { ownerId } } : {}) };
}

/** `/v1/orgs/{org_id}/api-keys`: list, create, show, rotate, revoke. */
export function registerApiKeyRoutes(app: FastifyInstance, services: ApiServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['api-keys'];
  const security = [{ bearer: [] }];

  r.get('/v1/orgs/:org_id/api-keys', {
    config: { authz: { action: 'read:keys', resource: resourceFromPath('Org') } },
    schema: {
      summary: 'List API keys (metadata only)',
      tags,
      security,
      params: orgParams,
      querystring: pageQuery,
      response: { 200: pageSchema(apiKeySchema) },
    },
    handler: async (request) => {
      const { limit, cursor } = request.query;
      const after = afterCursor(cursor);
      const keys = await readInTenant(services, request, (sql) =>
        services.apiKeys.list(sql, { limit, ...(after ? { afterId: after } : {}) }),
      );
      return pageOf(keys.map(toKeyWire), limit, (k) => k.id);
    },
  });

  r.post('/v1/orgs/:org_id/api-keys', {
    config: { authz: { action: 'manage:keys', resource: newKeyResource }, transaction: 'tenant' },
    schema: {
      summary: 'Create an API key (the secret is shown once)',
      tags,
      security,
      params: orgParams,
      body: createKeyBodySchema,
      response: { 201: createdKeySchema },
    },
    handler: async (request, reply) => {
      const idempotency = idempotencyKeyOf(request);
      const result = await inTenantTransaction(request, (sql) =>
        runOnce(
          services,
          (fn) => fn(sql),
          idempotency,
          async () => {
            const { key, token } = await services.apiKeys.create(
              sql,
              principalOf(request),
              request.body,
              requestMeta(request),
            );
            return { status: 201, body: { ...toKeyWire(key), secret: token } };
          },
        ),
      );
      return renderIdempotent(reply, result);
    },
  });

  r.get('/v1/orgs/:org_id/api-keys/:key_id', {
    config: { authz: { action: 'read:keys', resource: keyResource } },
    schema: {
      summary: 'Show an API key (metadata only)',
      tags,
      security,
      params: keyParams,
      response: { 200: apiKeySchema },
    },
    handler: async (request) =>
      toKeyWire(await readInTenant(services, request, (sql) => services.apiKeys.get(sql, request.params.key_id))),
  });

  r.post('/v1/orgs/:org_id/api-keys/:key_id/rotate', {
    config: { authz: { action: 'manage:keys', resource: keyResource }, transaction: 'tenant' },
    schema: {
      summary: 'Rotate an API key: a successor now, the old key valid for the overlap',
      tags,
      security,
      params: keyParams,
      body: rotateKeyBodySchema,
      response: { 201: createdKeySchema },
    },
    handler: async (request, reply) => {
      const idempotency = idempotencyKeyOf(request);
      const result = await inTenantTransaction(request, (sql) =>
        runOnce(
          services,
          (fn) => fn(sql),
          idempotency,
          async () => {
            const { key, token } = await services.apiKeys.rotate(
              sql,
              principalOf(request),
              request.params.key_id,
              request.body.overlap_seconds,
              requestMeta(request),
            );
            return { status: 201, body: { ...toKeyWire(key), secret: token } };
          },
        ),
      );
      return renderIdempotent(reply, result);
    },
  });

  r.post('/v1/orgs/:org_id/api-keys/:key_id/revoke', {
    config: { authz: { action: 'manage:keys', resource: keyResource }, transaction: 'tenant' },
    schema: {
      summary: 'Revoke an API key at once',
      tags,
      security,
      params: keyParams,
      response: { 200: apiKeySchema },
    },
    handler: async (request) =>
      toKeyWire(
        await inTenantTransaction(request, (sql) =>
          services.apiKeys.revoke(sql, principalOf(request), request.params.key_id, requestMeta(request)),
        ),
      ),
  });
}
