import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../modules/authz/index.js';
import { EVENT_FILTER_PATTERN, type DeliveryView, type EndpointView } from '../../modules/webhooks/index.js';
import type { ApiServices } from '../api-services.js';
import { principalOf, requestMeta } from '../auth/route-auth.js';
import { inTenantTransaction } from '../auth/route-transaction.js';
import {
  afterCursor,
  idParam,
  orgParams,
  pageOf,
  pageQuery,
  pageSchema,
  pathOrg,
  resourceFromPath,
} from './route-helpers.js';

const tags = ['webhooks'];
const security = [{ bearer: [] }];
// Endpoints say where the org's events go and their delivery log holds event payloads: org settings, so `manage:org`.
const authz = { action: 'manage:org', resource: resourceFromPath('Org') } as const;

const endpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  event_types: z.array(z.string()),
  description: z.string().nullable(),
  created_at: z.string(),
});

const createdEndpointSchema = endpointSchema.extend({
  secret: z
    .string()
    .describe('The signing secret (`whsec_…`, Standard Webhooks). Shown only in this answer; store it now.'),
});

const deliverySchema = z.object({
  id: z.string(),
  endpoint_id: z.string(),
  event_id: z.string().describe('Sent as `webhook-id`; the same for every attempt and replay of the event.'),
  event_type: z.string(),
  replay_of: z.string().nullable(),
  status: z.enum(['pending', 'succeeded', 'failed', 'canceled']),
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  attempts: z.array(
    z.object({
      attempt: z.number().int(),
      status_code: z.number().int().nullable(),
      error: z.string().nullable(),
      duration_ms: z.number().int(),
      attempted_at: z.string(),
    }),
  ),
  created_at: z.string(),
  updated_at: z.string(),
});

const createBody = z
  .object({
    url: z.string().min(1).max(2048).describe('Where events are POSTed: https, on a public address.'),
    event_types: z
      .array(
        z
          .string()
          .max(100)
          .regex(
            EVENT_FILTER_PATTERN,
            'an event type (`billing.payment.succeeded`) or a prefix and `.*` (`billing.*`)',
          ),
      )
      .min(1)
      .max(20)
      .describe('Event types to receive: exact, or a prefix and `.*` (`billing.*`, `dispute.*`, `alert.*`).'),
    description: z.string().min(1).max(500).optional(),
  })
  .strict();

const endpointParams = orgParams.extend({ endpoint_id: idParam('whe', 'a webhook endpoint') });
const deliveryParams = endpointParams.extend({ delivery_id: idParam('whd', 'a webhook delivery') });

function toEndpointWire(e: EndpointView): z.infer<typeof endpointSchema> {
  return {
    id: e.id,
    url: e.url,
    event_types: e.eventTypes,
    description: e.description,
    created_at: e.createdAt.toISOString(),
  };
}

function toDeliveryWire(d: DeliveryView): z.infer<typeof deliverySchema> {
  return {
    id: d.id,
    endpoint_id: d.endpointId,
    event_id: d.eventId,
    event_type: d.eventType,
    replay_of: d.replayOf,
    status: d.status,
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    attempts: d.attempts.map((a) => ({
      attempt: a.attempt,
      status_code: a.statusCode,
      error: a.error,
      duration_ms: a.durationMs,
      attempted_at: a.attemptedAt.toISOString(),
    })),
    created_at: d.createdAt.toISOString(),
    updated_at: d.updatedAt.toISOString(),
  };
}

/** The org's outbound webhook endpoints, their delivery log and replay. */
export function registerWebhookEndpointRoutes(app: FastifyInstance, services: ApiServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const endpoints = services.webhookEndpoints;

  r.post('/v1/orgs/:org_id/webhook-endpoints', {
    config: { authz, transaction: 'tenant' },
    schema: {
      summary: 'Create a webhook endpoint (its signing secret is shown once)',
      tags,
      security,
      params: orgParams,
      body: createBody,
      response: { 201: createdEndpointSchema },
    },
    handler: async (request, reply) => {
      const body = request.body;
      const { endpoint, secret } = await inTenantTransaction(request, (sql) =>
        endpoints.create(
          sql,
          actorOf(principalOf(request)),
          {
            url: body.url,
            eventTypes: body.event_types,
            ...(body.description !== undefined ? { description: body.description } : {}),
          },
          requestMeta(request),
        ),
      );
      return reply.code(201).send({ ...toEndpointWire(endpoint), secret });
    },
  });

  r.get('/v1/orgs/:org_id/webhook-endpoints', {
    config: { authz },
    schema: {
      summary: 'List webhook endpoints',
      tags,
      security,
      params: orgParams,
      response: { 200: pageSchema(endpointSchema) },
    },
    handler: async (request) => ({
      data: (await endpoints.list(pathOrg(request))).map(toEndpointWire),
      next_cursor: null,
    }),
  });

  r.delete('/v1/orgs/:org_id/webhook-endpoints/:endpoint_id', {
    config: { authz, transaction: 'tenant' },
    schema: { summary: 'Delete a webhook endpoint', tags, security, params: endpointParams },
    handler: async (request, reply) => {
      await inTenantTransaction(request, (sql) =>
        endpoints.delete(sql, actorOf(principalOf(request)), request.params.endpoint_id, requestMeta(request)),
      );
      return reply.code(204).send();
    },
  });

  r.get('/v1/orgs/:org_id/webhook-endpoints/:endpoint_id/deliveries', {
    config: { authz },
    schema: {
      summary: "List an endpoint's deliveries and their attempts, newest first",
      tags,
      security,
      params: endpointParams,
      querystring: pageQuery,
      response: { 200: pageSchema(deliverySchema) },
    },
    handler: async (request) => {
      const page = await endpoints.deliveries(
        pathOrg(request),
        request.params.endpoint_id,
        request.query.limit,
        afterCursor(request.query.cursor),
      );
      return pageOf(page.map(toDeliveryWire), request.query.limit, (d) => d.id);
    },
  });

  r.post('/v1/orgs/:org_id/webhook-endpoints/:endpoint_id/deliveries/:delivery_id/replay', {
    config: { authz, transaction: 'tenant' },
    schema: {
      summary: "Send a delivery's event again (a new delivery, same webhook-id and body)",
      tags,
      security,
      params: deliveryParams,
      response: { 202: deliverySchema },
    },
    handler: async (request, reply) => {
      const delivery = await inTenantTransaction(request, (sql) =>
        endpoints.replay(
          sql,
          actorOf(principalOf(request)),
          request.params.endpoint_id,
          request.params.delivery_id,
          requestMeta(request),
        ),
      );
      return reply.code(202).send(toDeliveryWire(delivery));
    },
  });
}
