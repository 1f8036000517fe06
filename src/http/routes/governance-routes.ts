import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../lib/errors/index.js';
import type { OrgId } from '../../lib/ids.js';
import {
  actions,
  actorOf,
  resourceTypes,
  roles,
  type Action,
  type PolicyVersion,
  type Principal,
} from '../../modules/authz/index.js';
import type { ApiServices } from '../api-services.js';
import { principalOf } from '../auth/route-auth.js';
import { inTenantTransaction } from '../auth/route-transaction.js';
import { orgParams, resourceFromPath } from './route-helpers.js';

const policySchema = z.object({
  version: z.number().int(),
  text: z.string(),
  note: z.string().nullable(),
  rolled_back_from: z.number().int().nullable(),
  created_at: z.string(),
});
const toPolicyWire = (p: PolicyVersion) => ({
  version: p.version,
  text: p.text,
  note: p.note,
  rolled_back_from: p.rolledBackFrom,
  created_at: p.createdAt.toISOString(),
});
const etagOf = (version: number) => `"v${version}"`;

/** The version an `If-Match` header names; `http.precondition_required` when it is missing or malformed. */
function expectedVersion(request: FastifyRequest): number {
  const header = request.headers['if-match'];
  const match = typeof header === 'string' ? /^(?:W\/)?"v(\d{1,9})"$/.exec(header.trim()) : null;
  if (!match)
    throw new AppError('http.precondition_required', {
      publicMessage: 'send If-Match with the ETag of the current policy version',
    });
  return Number(match[1]);
}

const auditRecordSchema = z.object({
  org_id: z.string(),
  seq: z.number(),
  id: z.string(),
  occurred_at: z.string(),
  actor: z.object({ type: z.string(), id: z.string().nullable() }),
  action: z.string(),
  resource: z.object({ type: z.string(), id: z.string().nullable() }).nullable(),
  decision: z.string().nullable(),
  reason_codes: z.array(z.string()),
  request_id: z.string().nullable(),
  client_ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  prev_hash: z.string(),
  hash: z.string(),
});

const explainBodySchema = z
  .object({
    principal: z
      .object({
        kind: z.enum(['user', 'service_account', 'api_key']),
        id: z.string().min(1).max(64),
        roles: z.array(z.enum(roles)).min(1),
        attributes: z
          .object({ region: z.string().optional(), projects: z.array(z.string()).optional() })
          .strict()
          .default({}),
        scopes: z.array(z.enum(actions as [Action, ...Action[]])).optional(),
        amr: z.array(z.string()).default([]),
        owner_id: z.string().optional(),
      })
      .optional()
      .describe('A hypothetical principal of the caller’s org; defaults to the caller.'),
    action: z.enum(actions as [Action, ...Action[]]),
    resource: z.object({
      type: z.enum(resourceTypes),
      id: z.string().min(1).max(200),
      attributes: z
        .object({
          region: z.string().optional(),
          project: z.string().optional(),
          owner_id: z.string().optional(),
          classification: z.enum(['public', 'internal', 'confidential', 'restricted']).optional(),
        })
        .strict()
        .default({}),
    }),
    context: z
      .record(z.string(), z.union([z.string(), z.number().int(), z.boolean(), z.array(z.string())]))
      .default({}),
  })
  .strict();

/** Org policies (versioned, ETag), explain, and the audit log API. */
export function registerGovernanceRoutes(app: FastifyInstance, services: ApiServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const security = [{ bearer: [] }];

  r.get('/v1/orgs/:org_id/policies', {
    config: { authz: { action: 'read:policies', resource: resourceFromPath('PolicySet') } },
    schema: {
      summary: 'The org policy version in force (ETag = its version)',
      tags: ['policies'],
      security,
      params: orgParams,
      response: { 200: policySchema },
    },
    handler: async (request, reply) => {
      const current = await services.policies.inForce(request.params.org_id as OrgId);
      reply.header('etag', etagOf(current.version));
      return toPolicyWire(current);
    },
  });

  r.put('/v1/orgs/:org_id/policies', {
    config: {
      ifMatch: true,
      authz: { action: 'manage:policies', resource: resourceFromPath('PolicySet') },
      transaction: 'tenant',
    },
    schema: {
      summary: 'Replace the org policies (a new version; If-Match required)',
      tags: ['policies'],
      security,
      params: orgParams,
      body: z.object({ text: z.string().max(262_144), note: z.string().max(500).optional() }).strict(),
      response: { 200: policySchema },
    },
    handler: async (request, reply) => {
      const expected = expectedVersion(request);
      const stored = await inTenantTransaction(request, (sql) =>
        services.policies.update(sql, {
          text: request.body.text,
          expectedVersion: expected,
          ...(request.body.note ? { note: request.body.note } : {}),
          actor: actorOf(principalOf(request)),
          author: principalOf(request),
          context: { ip: request.ip },
          requestId: request.id,
        }),
      );
      await services.policies.ensureLoaded(request.params.org_id as OrgId, true);
      reply.header('etag', etagOf(stored.version));
      return toPolicyWire(stored);
    },
  });

  r.get('/v1/orgs/:org_id/policies/versions', {
    config: { authz: { action: 'read:policies', resource: resourceFromPath('PolicySet') } },
    schema: {
      summary: 'Policy versions, newest first',
      tags: ['policies'],
      security,
      params: orgParams,
      querystring: z.object({
        limit: z.coerce.number().int().min(1).max(200).default(50),
        before_version: z.coerce.number().int().min(1).optional(),
      }),
      response: { 200: z.object({ data: z.array(policySchema) }) },
    },
    handler: async (request) => {
      const versions = await services.policies.versions(request.params.org_id as OrgId, {
        limit: request.query.limit,
        ...(request.query.before_version ? { beforeVersion: request.query.before_version } : {}),
      });
      return { data: versions.map(toPolicyWire) };
    },
  });

  r.post('/v1/orgs/:org_id/policies/rollback', {
    config: {
      ifMatch: true,
      authz: { action: 'manage:policies', resource: resourceFromPath('PolicySet') },
      transaction: 'tenant',
    },
    schema: {
      summary: 'Make an earlier version current again (stored as a new version; If-Match required)',
      tags: ['policies'],
      security,
      params: orgParams,
      body: z.object({ version: z.number().int().min(1) }).strict(),
      response: { 200: policySchema },
    },
    handler: async (request, reply) => {
      const expected = expectedVersion(request);
      const stored = await inTenantTransaction(request, (sql) =>
        services.policies.rollback(sql, {
          toVersion: request.body.version,
          expectedVersion: expected,
          actor: actorOf(principalOf(request)),
          author: principalOf(request),
          context: { ip: request.ip },
          requestId: request.id,
        }),
      );
      await services.policies.ensureLoaded(request.params.org_id as OrgId, true);
      reply.header('etag', etagOf(stored.version));
      return toPolicyWire(stored);
    },
  });

  r.post('/v1/orgs/:org_id/policies/validate', {
    config: { authz: { action: 'read:policies', resource: resourceFromPath('PolicySet') }, transaction: 'none' },
    schema: {
      summary: 'Validate policy text without storing it (errors with line and column)',
      tags: ['policies'],
      security,
      params: orgParams,
      body: z.object({ text: z.string().max(262_144) }).strict(),
    },
    handler: async (request) => services.engine.validateOrgPolicies(request.params.org_id as OrgId, request.body.text),
  });

  r.post('/v1/authz/explain', {
    config: {
      authz: {
        action: 'read:policies',
        resource: (request) => ({
          type: 'PolicySet',
          id: principalOf(request).orgId,
          orgId: principalOf(request).orgId,
        }),
      },
      transaction: 'none',
    },
    schema: {
      summary: "Dry-run a decision in the caller's org: decision, deciding policy ids, errors",
      tags: ['policies'],
      security,
      body: explainBodySchema,
      response: {
        200: z.object({
          decision: z.enum(['allow', 'deny']),
          reasons: z.array(z.string()),
          errors: z.array(z.string()),
        }),
      },
    },
    handler: async (request) => {
      const caller = principalOf(request);
      const body = request.body;
      // SECURITY: a hypothetical principal and resource always belong to the caller's org: explain never probes another tenant.
      const principal: Principal = body.principal
        ? {
            kind: body.principal.kind,
            id: body.principal.id,
            orgId: caller.orgId,
            roles: body.principal.roles,
            attributes: body.principal.attributes,
            amr: body.principal.amr,
            ...(body.principal.scopes ? { scopes: body.principal.scopes } : {}),
            ...(body.principal.owner_id ? { ownerId: body.principal.owner_id } : {}),
          }
        : caller;
      const { owner_id: ownerId, ...attributes } = body.resource.attributes;
      await services.policies.ensureLoaded(caller.orgId);
      const decision = services.engine.decide(
        principal,
        body.action,
        {
          type: body.resource.type,
          id: body.resource.id,
          orgId: caller.orgId,
          attributes: { ...attributes, ...(ownerId ? { ownerId } : {}) },
        },
        { ip: request.ip, ...body.context },
      );
      return { decision: decision.decision, reasons: [...decision.reasons], errors: [...decision.errors] };
    },
  });

  r.get('/v1/orgs/:org_id/audit-events', {
    config: { authz: { action: 'read:audit', resource: resourceFromPath('AuditLog') } },
    schema: {
      summary: 'Read audit events in sequence order',
      tags: ['audit'],
      security,
      params: orgParams,
      querystring: z.object({
        limit: z.coerce.number().int().min(1).max(500).default(100),
        after_seq: z.coerce.number().int().min(0).default(0),
        action_prefix: z
          .string()
          .regex(/^[a-z_.]{1,100}$/)
          .optional(),
      }),
      response: { 200: z.object({ data: z.array(auditRecordSchema), next_after_seq: z.number().nullable() }) },
    },
    handler: async (request) => {
      const { limit, after_seq: afterSeq, action_prefix: actionPrefix } = request.query;
      const data = [];
      for await (const record of services.audit.records(request.params.org_id as OrgId, {
        afterSeq,
        pageSize: limit,
        ...(actionPrefix ? { actionPrefix } : {}),
      })) {
        data.push(record);
        if (data.length === limit) break;
      }
      return { data, next_after_seq: data.length === limit ? (data.at(-1)?.seq ?? null) : null };
    },
  });

  r.get('/v1/orgs/:org_id/audit-events/export', {
    config: { authz: { action: 'export:audit', resource: resourceFromPath('AuditLog') } },
    schema: {
      summary: 'Export the audit log as JSON Lines (verifiable with docs/audit-format.md)',
      tags: ['audit'],
      security,
      params: orgParams,
      querystring: z.object({ after_seq: z.coerce.number().int().min(0).default(0) }),
    },
    handler: async (request, reply) => {
      reply
        .type('application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="audit-${request.params.org_id}.jsonl"`);
      return reply.send(
        Readable.from(
          services.audit.exportLines(request.params.org_id as OrgId, { afterSeq: request.query.after_seq }),
        ),
      );
    },
  });

  r.post('/v1/orgs/:org_id/audit-events/verify', {
    config: { authz: { action: 'read:audit', resource: resourceFromPath('AuditLog') }, transaction: 'none' },
    schema: {
      summary:
        "Recompute the org's hash chain, check its sealed checkpoints, and name the first bad sequence or checkpoint",
      tags: ['audit'],
      security,
      params: orgParams,
      response: {
        200: z.object({
          ok: z.boolean(),
          events_checked: z.number(),
          last_seq: z.number(),
          last_hash: z.string(),
          first_bad_seq: z.number().nullable(),
          problem: z.string().nullable(),
          bad_checkpoint_seq: z.number().nullable(),
          checkpoints_checked: z.number(),
          last_checkpoint_seq: z.number(),
          unsealed_events: z.number(),
          macs_checked: z.boolean(),
        }),
      },
    },
    handler: async (request) => {
      const verdict = await services.audit.verify(request.params.org_id as OrgId);
      return {
        ok: verdict.ok,
        events_checked: verdict.eventsChecked,
        last_seq: verdict.lastSeq,
        last_hash: verdict.lastHash,
        first_bad_seq: verdict.firstBadSeq ?? null,
        problem: verdict.problem ?? null,
        bad_checkpoint_seq: verdict.badCheckpointSeq ?? null,
        checkpoints_checked: verdict.checkpointsChecked,
        last_checkpoint_seq: verdict.lastCheckpointSeq,
        unsealed_events: verdict.unsealedEvents,
        macs_checked: verdict.macsChecked,
      };
    },
  });
}
