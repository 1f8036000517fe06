import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../lib/errors/index.js';
import { actorOf, type ResourceDescriptor } from '../../modules/authz/index.js';
import {
  createPromptBodySchema,
  createRouteBodySchema,
  promptContentOf,
  promptContentSchema,
  promptHeadSchema,
  promptNameSchema,
  promptVersionSchema,
  rollbackBodySchema,
  routeContentSchema,
  routeHeadSchema,
  routeNameSchema,
  routeSpecOf,
  routeVersionSchema,
  shadowComparisonSchema,
  toPromptHeadWire,
  toPromptVersionWire,
  toRouteHeadWire,
  toRouteVersionWire,
  toShadowComparisonWire,
} from '../../modules/gateway/index.js';
import type { ApiServices } from '../api-services.js';
import { principalOf, type RouteAuthz } from '../auth/route-auth.js';
import { inTenantTransaction } from '../auth/route-transaction.js';
import { pageSchema } from './route-helpers.js';

// Prompts and routes belong to the caller's own org (the org of its key or token): no org in the path, so there is
// no other org to name; row-level security keeps every read and write inside it.
const onOwnOrg = (action: RouteAuthz['action']): RouteAuthz => ({
  action,
  resource: (request): ResourceDescriptor => {
    const orgId = principalOf(request).orgId;
    return { type: 'Org', id: orgId, orgId };
  },
});

const versionNumber = z.coerce.number().int().min(1).max(2_147_483_647);
const namePage = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
const versionPage = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(20).optional().describe('The `next_cursor` of the previous page.'),
});

function expectedVersion(request: FastifyRequest): number {
  const header = request.headers['if-match'];
  const match = typeof header === 'string' ? /^(?:W\/)?"v(\d{1,9})"$/.exec(header.trim()) : null;
  if (!match)
    throw new AppError('http.precondition_required', {
      publicMessage: 'send If-Match with the ETag of the current version (`"v<version>"`)',
    });
  return Number(match[1]);
}

function badCursor(): AppError {
  return new AppError('http.bad_request', {
    publicMessage: 'invalid cursor',
    details: { issues: [{ field: 'query.cursor', message: 'invalid cursor' }] },
  });
}

function nameCursor(cursor: string | undefined, valid: RegExp): string | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!valid.test(decoded)) throw badCursor();
  return decoded;
}

function versionCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  if (!/^[1-9]\d{0,9}$/.test(cursor)) throw badCursor();
  return Number(cursor);
}

const etag = (version: number) => `"v${version}"`;
const PROMPT_CURSOR = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const ROUTE_CURSOR = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

/**
 * `/v1/prompts` (the prompt registry) and `/v1/model-routes` (canary weights, fallback order, shadow): versions,
 * diff and rollback. Prompts need `read:prompts` / `write:prompts`, routes `read:models` / `manage:models`; every
 * change is one use case in the route's transaction with its audit event.
 */
export function registerGatewayRegistryRoutes(app: FastifyInstance, services: ApiServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const security = [{ bearer: [] }];
  const tags = ['gateway'];
  const prompts = () => services.prompts;
  const routes = () => services.modelRoutes;
  const orgOf = (request: FastifyRequest) => principalOf(request).orgId;
  const change = (request: FastifyRequest) => ({ actor: actorOf(principalOf(request)), requestId: request.id });
  const promptParams = z.object({ name: promptNameSchema });
  const routeParams = z.object({ name: routeNameSchema });

  r.get('/v1/prompts', {
    config: { authz: onOwnOrg('read:prompts') },
    schema: {
      summary: "List the org's prompts (name order)",
      tags,
      security,
      querystring: namePage,
      response: { 200: pageSchema(promptHeadSchema) },
    },
    handler: async (request) => {
      const { limit, cursor } = request.query;
      const after = nameCursor(cursor, PROMPT_CURSOR);
      const list = await prompts().list(orgOf(request), { limit, ...(after ? { afterName: after } : {}) });
      const last = list.at(-1);
      return {
        data: list.map(toPromptHeadWire),
        next_cursor: list.length === limit && last ? Buffer.from(last.name).toString('base64url') : null,
      };
    },
  });

  r.post('/v1/prompts', {
    config: { authz: onOwnOrg('write:prompts'), transaction: 'tenant' },
    schema: {
      summary: 'Create a prompt (version 1): a template with `{{variable}}` placeholders and its variables',
      tags,
      security,
      body: createPromptBodySchema,
      response: { 201: promptVersionSchema },
    },
    handler: async (request, reply) => {
      const { name, ...content } = request.body;
      const created = await inTenantTransaction(request, (sql) =>
        prompts().create(sql, name, promptContentOf(content), change(request)),
      );
      reply.header('etag', etag(created.version));
      return reply.code(201).send(toPromptVersionWire(created));
    },
  });

  r.get('/v1/prompts/:name', {
    config: { authz: onOwnOrg('read:prompts') },
    schema: {
      summary: "A prompt's head version (its ETag is what a new version's If-Match sends)",
      tags,
      security,
      params: promptParams,
      response: { 200: promptVersionSchema },
    },
    handler: async (request, reply) => {
      const head = await prompts().get(orgOf(request), request.params.name);
      reply.header('etag', etag(head.version));
      return toPromptVersionWire(head);
    },
  });

  r.post('/v1/prompts/:name/versions', {
    config: { ifMatch: true, authz: onOwnOrg('write:prompts'), transaction: 'tenant' },
    schema: {
      summary: 'Add a version to a prompt (If-Match with the head ETag; 412 when another version came first)',
      tags,
      security,
      params: promptParams,
      body: promptContentSchema,
      response: { 201: promptVersionSchema },
    },
    handler: async (request, reply) => {
      const expected = expectedVersion(request);
      const added = await inTenantTransaction(request, (sql) =>
        prompts().addVersion(sql, request.params.name, expected, promptContentOf(request.body), change(request)),
      );
      reply.header('etag', etag(added.version));
      return reply.code(201).send(toPromptVersionWire(added));
    },
  });

  r.get('/v1/prompts/:name/versions', {
    config: { authz: onOwnOrg('read:prompts') },
    schema: {
      summary: "A prompt's versions, newest first",
      tags,
      security,
      params: promptParams,
      querystring: versionPage,
      response: { 200: pageSchema(promptVersionSchema) },
    },
    handler: async (request) => {
      const { limit, cursor } = request.query;
      const before = versionCursor(cursor);
      const list = await prompts().versions(orgOf(request), request.params.name, {
        limit,
        ...(before ? { beforeVersion: before } : {}),
      });
      const last = list.at(-1);
      return {
        data: list.map(toPromptVersionWire),
        next_cursor: list.length === limit && last ? String(last.version) : null,
      };
    },
  });

  r.get('/v1/prompts/:name/versions/:version', {
    config: { authz: onOwnOrg('read:prompts') },
    schema: {
      summary: 'One version of a prompt',
      tags,
      security,
      params: promptParams.extend({ version: versionNumber }),
      response: { 200: promptVersionSchema },
    },
    handler: async (request) =>
      toPromptVersionWire(await prompts().get(orgOf(request), request.params.name, request.params.version)),
  });

  r.get('/v1/prompts/:name/diff', {
    config: { authz: onOwnOrg('read:prompts') },
    schema: {
      summary: 'A unified diff between two versions of a prompt (template and variable declarations)',
      tags,
      security,
      params: promptParams,
      querystring: z.object({ from: versionNumber, to: versionNumber }),
      response: { 200: z.object({ from: z.number().int(), to: z.number().int(), diff: z.string() }) },
    },
    handler: async (request) =>
      prompts().diff(orgOf(request), request.params.name, request.query.from, request.query.to),
  });

  r.post('/v1/prompts/:name/rollback', {
    config: { authz: onOwnOrg('write:prompts'), transaction: 'tenant' },
    schema: {
      summary: 'Roll a prompt back: a new head version with the content of the version named',
      tags,
      security,
      params: promptParams,
      body: rollbackBodySchema,
      response: { 201: promptVersionSchema },
    },
    handler: async (request, reply) => {
      const restored = await inTenantTransaction(request, (sql) =>
        prompts().rollback(sql, request.params.name, request.body.version, change(request)),
      );
      reply.header('etag', etag(restored.version));
      return reply.code(201).send(toPromptVersionWire(restored));
    },
  });

  r.get('/v1/model-routes', {
    config: { authz: onOwnOrg('read:models') },
    schema: {
      summary: "List the org's model routes (name order)",
      tags,
      security,
      querystring: namePage,
      response: { 200: pageSchema(routeHeadSchema) },
    },
    handler: async (request) => {
      const { limit, cursor } = request.query;
      const after = nameCursor(cursor, ROUTE_CURSOR);
      const list = await routes().list(orgOf(request), { limit, ...(after ? { afterName: after } : {}) });
      const last = list.at(-1);
      return {
        data: list.map(toRouteHeadWire),
        next_cursor: list.length === limit && last ? Buffer.from(last.name).toString('base64url') : null,
      };
    },
  });

  r.post('/v1/model-routes', {
    config: { authz: onOwnOrg('manage:models'), transaction: 'tenant' },
    schema: {
      summary: 'Create a model route (version 1): weighted targets in fallback order and an optional shadow',
      tags,
      security,
      body: createRouteBodySchema,
      response: { 201: routeVersionSchema },
    },
    handler: async (request, reply) => {
      const { name, ...content } = request.body;
      const created = await inTenantTransaction(request, (sql) =>
        routes().create(sql, name, routeSpecOf(content), change(request)),
      );
      reply.header('etag', etag(created.version));
      return reply.code(201).send(toRouteVersionWire(created));
    },
  });

  r.get('/v1/model-routes/:name', {
    config: { authz: onOwnOrg('read:models') },
    schema: {
      summary: "A model route's head version",
      tags,
      security,
      params: routeParams,
      response: { 200: routeVersionSchema },
    },
    handler: async (request, reply) => {
      const head = await routes().get(orgOf(request), request.params.name);
      reply.header('etag', etag(head.version));
      return toRouteVersionWire(head);
    },
  });

  r.post('/v1/model-routes/:name/versions', {
    config: { ifMatch: true, authz: onOwnOrg('manage:models'), transaction: 'tenant' },
    schema: {
      summary: 'Add a version to a model route (If-Match with the head ETag; 412 when another version came first)',
      tags,
      security,
      params: routeParams,
      body: routeContentSchema,
      response: { 201: routeVersionSchema },
    },
    handler: async (request, reply) => {
      const expected = expectedVersion(request);
      const added = await inTenantTransaction(request, (sql) =>
        routes().addVersion(sql, request.params.name, expected, routeSpecOf(request.body), change(request)),
      );
      reply.header('etag', etag(added.version));
      return reply.code(201).send(toRouteVersionWire(added));
    },
  });

  r.get('/v1/model-routes/:name/versions', {
    config: { authz: onOwnOrg('read:models') },
    schema: {
      summary: "A model route's versions, newest first",
      tags,
      security,
      params: routeParams,
      querystring: versionPage,
      response: { 200: pageSchema(routeVersionSchema) },
    },
    handler: async (request) => {
      const { limit, cursor } = request.query;
      const before = versionCursor(cursor);
      const list = await routes().versions(orgOf(request), request.params.name, {
        limit,
        ...(before ? { beforeVersion: before } : {}),
      });
      const last = list.at(-1);
      return {
        data: list.map(toRouteVersionWire),
        next_cursor: list.length === limit && last ? String(last.version) : null,
      };
    },
  });

  r.get('/v1/model-routes/:name/versions/:version', {
    config: { authz: onOwnOrg('read:models') },
    schema: {
      summary: 'One version of a model route',
      tags,
      security,
      params: routeParams.extend({ version: versionNumber }),
      response: { 200: routeVersionSchema },
    },
    handler: async (request) =>
      toRouteVersionWire(await routes().get(orgOf(request), request.params.name, request.params.version)),
  });

  r.post('/v1/model-routes/:name/rollback', {
    config: { authz: onOwnOrg('manage:models'), transaction: 'tenant' },
    schema: {
      summary: 'Roll a model route back: a new head version with the content of the version named',
      tags,
      security,
      params: routeParams,
      body: rollbackBodySchema,
      response: { 201: routeVersionSchema },
    },
    handler: async (request, reply) => {
      const restored = await inTenantTransaction(request, (sql) =>
        routes().rollback(sql, request.params.name, request.body.version, change(request)),
      );
      reply.header('etag', etag(restored.version));
      return reply.code(201).send(toRouteVersionWire(restored));
    },
  });

  r.get('/v1/model-routes/:name/shadow-comparisons', {
    config: { authz: onOwnOrg('read:models') },
    schema: {
      summary: "How the route's shadow answered compared with the primary (newest first; never the answers)",
      tags,
      security,
      params: routeParams,
      querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
      response: { 200: z.object({ data: z.array(shadowComparisonSchema) }) },
    },
    handler: async (request) => ({
      data: (await routes().comparisons(orgOf(request), request.params.name, request.query.limit)).map(
        toShadowComparisonWire,
      ),
    }),
  });
}
