import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { OrgId } from '../../lib/ids.js';
import { actorOf } from '../../modules/authz/index.js';
import {
  createModelBodySchema,
  createProviderBodySchema,
  orgModelSchema,
  providerSchema,
  toOrgModelWire,
  toProviderWire,
  updateProviderBodySchema,
  type ProviderConnectionId,
} from '../../modules/gateway/index.js';
import type { ApiServices } from '../api-services.js';
import { principalOf } from '../auth/route-auth.js';
import { inTenantTransaction } from '../auth/route-transaction.js';
import { afterCursor, idParam, orgParams, pageOf, pageQuery, pageSchema, resourceFromPath } from './route-helpers.js';

const providerParams = orgParams.extend({ provider_id: idParam('prv', 'a provider connection') });
const modelParams = orgParams.extend({ model_id: idParam('mdl', 'an org model') });

/**
 * `/v1/orgs/{org_id}/gateway/providers` and `/gateway/models`: the org's provider connections (credentials stored
 * encrypted, never returned) and its models with their fallback chains. Every change is audited in its transaction.
 */
export function registerGatewayAdminRoutes(app: FastifyInstance, services: ApiServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['gateway'];
  const security = [{ bearer: [] }];
  const orgOf = (params: { org_id: string }) => params.org_id as OrgId;
  const gateway = () => services.gatewayProviders;

  r.get('/v1/orgs/:org_id/gateway/providers', {
    config: { authz: { action: 'read:models', resource: resourceFromPath('Org') } },
    schema: {
      summary: 'List provider connections (never their credentials)',
      tags,
      security,
      params: orgParams,
      querystring: pageQuery,
      response: { 200: pageSchema(providerSchema) },
    },
    handler: async (request) => {
      const { limit, cursor } = request.query;
      const after = afterCursor(cursor);
      const list = await gateway().listConnections(orgOf(request.params), {
        limit,
        ...(after ? { afterId: after } : {}),
      });
      return pageOf(list.map(toProviderWire), limit, (c) => c.id);
    },
  });

  r.post('/v1/orgs/:org_id/gateway/providers', {
    config: { authz: { action: 'manage:models', resource: resourceFromPath('Org') }, transaction: 'tenant' },
    schema: {
      summary: 'Create a provider connection (the API key is stored encrypted)',
      tags,
      security,
      params: orgParams,
      body: createProviderBodySchema,
      response: { 201: providerSchema },
    },
    handler: async (request, reply) => {
      const { name, kind, base_url, api_key, options } = request.body;
      const created = await inTenantTransaction(request, (sql) =>
        gateway().createConnection(
          sql,
          actorOf(principalOf(request)),
          {
            name,
            kind,
            ...(base_url === undefined ? {} : { baseUrl: base_url }),
            ...(api_key === undefined ? {} : { credential: api_key }),
            ...(options === undefined ? {} : { options }),
          },
          { requestId: request.id },
        ),
      );
      return reply.code(201).send(toProviderWire(created));
    },
  });

  r.get('/v1/orgs/:org_id/gateway/providers/:provider_id', {
    config: { authz: { action: 'read:models', resource: resourceFromPath('Org') } },
    schema: {
      summary: 'Show a provider connection (never its credential)',
      tags,
      security,
      params: providerParams,
      response: { 200: providerSchema },
    },
    handler: async (request) =>
      toProviderWire(await gateway().getConnection(orgOf(request.params), request.params.provider_id)),
  });

  r.patch('/v1/orgs/:org_id/gateway/providers/:provider_id', {
    config: { authz: { action: 'manage:models', resource: resourceFromPath('Org') }, transaction: 'tenant' },
    schema: {
      summary: 'Change a provider connection (name, base URL, API key, options)',
      tags,
      security,
      params: providerParams,
      body: updateProviderBodySchema,
      response: { 200: providerSchema },
    },
    handler: async (request) => {
      const { name, base_url, api_key, options } = request.body;
      const updated = await inTenantTransaction(request, (sql) =>
        gateway().updateConnection(
          sql,
          actorOf(principalOf(request)),
          request.params.provider_id,
          {
            ...(name === undefined ? {} : { name }),
            ...(base_url === undefined ? {} : { baseUrl: base_url }),
            ...(api_key === undefined ? {} : { credential: api_key }),
            ...(options === undefined ? {} : { options }),
          },
          { requestId: request.id },
        ),
      );
      return toProviderWire(updated);
    },
  });

  r.delete('/v1/orgs/:org_id/gateway/providers/:provider_id', {
    config: { authz: { action: 'manage:models', resource: resourceFromPath('Org') }, transaction: 'tenant' },
    schema: { summary: 'Delete a provider connection that no model uses', tags, security, params: providerParams },
    handler: async (request, reply) => {
      await inTenantTransaction(request, (sql) =>
        gateway().deleteConnection(sql, actorOf(principalOf(request)), request.params.provider_id, {
          requestId: request.id,
        }),
      );
      return reply.code(204).send();
    },
  });

  r.get('/v1/orgs/:org_id/gateway/models', {
    config: { authz: { action: 'read:models', resource: resourceFromPath('Org') } },
    schema: {
      summary: "List the org's models and their fallback chains",
      tags,
      security,
      params: orgParams,
      querystring: pageQuery,
      response: { 200: pageSchema(orgModelSchema) },
    },
    handler: async (request) => {
      const { limit, cursor } = request.query;
      const after = afterCursor(cursor);
      const list = await gateway().listModels(orgOf(request.params), { limit, ...(after ? { afterId: after } : {}) });
      return pageOf(list.map(toOrgModelWire), limit, (m) => m.id);
    },
  });

  r.post('/v1/orgs/:org_id/gateway/models', {
    config: { authz: { action: 'manage:models', resource: resourceFromPath('Org') }, transaction: 'tenant' },
    schema: {
      summary: 'Create a model: public name, policy attributes and an ordered fallback chain',
      tags,
      security,
      params: orgParams,
      body: createModelBodySchema,
      response: { 201: orgModelSchema },
    },
    handler: async (request, reply) => {
      const body = request.body;
      const created = await inTenantTransaction(request, (sql) =>
        gateway().createModel(
          sql,
          actorOf(principalOf(request)),
          {
            name: body.name,
            kind: body.kind,
            ...(body.provider === undefined ? {} : { provider: body.provider }),
            region: body.region,
            dataClassesAllowed: body.data_classes_allowed,
            targets: body.targets.map((t) => ({
              connectionId: t.provider_id as ProviderConnectionId,
              upstreamModel: t.upstream_model,
            })),
          },
          { requestId: request.id },
        ),
      );
      return reply.code(201).send(toOrgModelWire(created));
    },
  });

  r.get('/v1/orgs/:org_id/gateway/models/:model_id', {
    config: { authz: { action: 'read:models', resource: resourceFromPath('Model', 'model_id') } },
    schema: { summary: 'Show an org model', tags, security, params: modelParams, response: { 200: orgModelSchema } },
    handler: async (request) =>
      toOrgModelWire(await gateway().getModel(orgOf(request.params), request.params.model_id)),
  });

  r.delete('/v1/orgs/:org_id/gateway/models/:model_id', {
    config: {
      authz: { action: 'manage:models', resource: resourceFromPath('Model', 'model_id') },
      transaction: 'tenant',
    },
    schema: { summary: 'Delete an org model and its fallback chain', tags, security, params: modelParams },
    handler: async (request, reply) => {
      await inTenantTransaction(request, (sql) =>
        gateway().deleteModel(sql, actorOf(principalOf(request)), request.params.model_id, { requestId: request.id }),
      );
      return reply.code(204).send();
    },
  });
}
