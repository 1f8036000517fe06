import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, roles, type ResourceDescriptor } from '../../modules/authz/index.js';
import {
  createOrgSchema,
  type ActingPrincipal,
  type Member,
  type Org,
  type ServiceAccount,
} from '../../modules/tenancy/index.js';
import type { ApiServices } from '../api-services.js';
import { runOnce } from '../../platform/idempotency/index.js';
import { principalOf } from '../auth/route-auth.js';
import { inPlatformTransaction, inTenantTransaction } from '../auth/route-transaction.js';
import { idempotencyKeyOf, renderIdempotent } from './idempotency-key.js';
import {
  afterCursor,
  idParam,
  orgParams,
  pageOf,
  pageQuery,
  pageSchema,
  readInTenant,
  resourceFromPath,
} from './route-helpers.js';

/** An org on the wire. */
export const orgSchema = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  status: z.enum(['active', 'frozen']),
  created_at: z.string(),
});
/** An org as its wire shape. */
export const toOrgWire = (o: Org) => ({
  id: o.id,
  name: o.name,
  slug: o.slug,
  status: o.status,
  created_at: o.createdAt.toISOString(),
});

const attributesSchema = z
  .object({
    region: z.string().min(1).max(64).optional(),
    projects: z.array(z.string().min(1).max(128)).max(200).optional(),
  })
  .strict()
  .describe('ABAC attributes: data region and assigned projects.');
const rolesSchema = z.array(z.enum(roles)).min(1).max(roles.length);

const memberSchema = z.object({
  id: z.string(),
  org_id: z.string(),
  user_id: z.string(),
  email: z.string(),
  display_name: z.string(),
  roles: z.array(z.string()),
  attributes: z.record(z.string(), z.unknown()),
  created_at: z.string(),
});
const toMemberWire = (m: Member) => ({
  id: m.id,
  org_id: m.orgId,
  user_id: m.userId,
  email: m.email,
  display_name: m.displayName,
  roles: m.roles,
  attributes: m.attributes,
  created_at: m.createdAt.toISOString(),
});

const serviceAccountSchema = z.object({
  id: z.string(),
  org_id: z.string(),
  name: z.string(),
  roles: z.array(z.string()),
  attributes: z.record(z.string(), z.unknown()),
  status: z.enum(['active', 'disabled']),
  created_at: z.string(),
});
const toServiceAccountWire = (s: ServiceAccount) => ({
  id: s.id,
  org_id: s.orgId,
  name: s.name,
  roles: s.roles,
  attributes: s.attributes,
  status: s.status,
  created_at: s.createdAt.toISOString(),
});

/** Who acts, for the use cases' grantability and owner checks: effective roles, and the user behind a key. */
export function actingOf(request: FastifyRequest): ActingPrincipal {
  const principal = principalOf(request);
  const userId =
    principal.kind === 'user'
      ? principal.id
      : principal.kind === 'api_key' && principal.ownerId?.startsWith('usr_')
        ? principal.ownerId
        : undefined;
  return { roles: principal.roles, userId };
}

/** The platform itself: the resource of the platform owners' actions. */
export function platformResource(services: ApiServices): () => ResourceDescriptor {
  return () => ({ type: 'Platform', id: 'platform', orgId: services.platformOrgId });
}

/** Who a change is recorded as made by. */
export const auditOf = (request: FastifyRequest) => ({ actor: actorOf(principalOf(request)), requestId: request.id });

/** Orgs (platform owners), members and service accounts. */
export function registerTenancyRoutes(app: FastifyInstance, services: ApiServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const security = [{ bearer: [] }];

  r.get('/v1/orgs', {
    config: { authz: { action: 'manage:orgs', resource: platformResource(services) } },
    schema: {
      summary: 'List orgs (platform owners)',
      tags: ['orgs'],
      security,
      querystring: pageQuery,
      response: { 200: pageSchema(orgSchema) },
    },
    handler: async (request) => {
      const { limit, cursor } = request.query;
      const after = afterCursor(cursor);
      return pageOf(
        (await services.orgs.list({ limit, ...(after ? { afterId: after } : {}) })).map(toOrgWire),
        limit,
        (o) => o.id,
      );
    },
  });

  r.post('/v1/orgs', {
    config: { authz: { action: 'manage:orgs', resource: platformResource(services) }, transaction: 'platform' },
    schema: {
      summary: 'Create an org with its first owner; the owner is e-mailed a one-time setup secret',
      description:
        'The owner redeems the e-mailed setup secret with a passkey (`/setup`, or `POST /v1/bootstrap/passkey-options` then `POST /v1/bootstrap/redeem`) for their first API key; the caller never sees it, so nobody but the owner holds an owner credential of the org.',
      tags: ['orgs'],
      security,
      body: createOrgSchema.extend({ owner_email: z.email() }).strict(),
      response: {
        201: z.object({
          org: orgSchema,
          owner: memberSchema,
          owner_setup: z
            .object({ sent_to: z.string(), expires_at: z.string() })
            .describe("The owner's one-time setup secret was e-mailed to the owner (the only copy)."),
        }),
      },
    },
    handler: async (request, reply) => {
      const key = idempotencyKeyOf(request);
      // One transaction: the decision, the idempotency record (in the platform org), the org, its owner and the
      // owner's setup secret.
      const result = await inPlatformTransaction(request, (platform) =>
        runOnce(
          services,
          (fn) => platform.inTenant(services.platformOrgId, fn),
          key,
          async () => {
            // The owner's invitation (when they have no password yet) is queued in this same transaction.
            const created = await services.invitations.createOrgWithOwner(
              platform,
              { name: request.body.name, slug: request.body.slug, ownerEmail: request.body.owner_email },
              auditOf(request),
            );
            return {
              status: 201,
              body: {
                org: toOrgWire(created.org),
                owner: toMemberWire(created.owner),
                owner_setup: {
                  sent_to: created.owner.email,
                  expires_at: created.ownerSetup.expiresAt.toISOString(),
                },
              },
            };
          },
        ),
      );
      return renderIdempotent(reply, result);
    },
  });

  r.get('/v1/orgs/:org_id', {
    config: { authz: { action: 'read:org', resource: resourceFromPath('Org') } },
    schema: { summary: 'Show an org', tags: ['orgs'], security, params: orgParams, response: { 200: orgSchema } },
    handler: async (request) => toOrgWire(await services.orgs.get(request.params.org_id as Org['id'])),
  });

  const memberParams = orgParams.extend({ member_id: idParam('mem', 'a membership') });
  r.get('/v1/orgs/:org_id/members', {
    config: { authz: { action: 'read:members', resource: resourceFromPath('Org') } },
    schema: {
      summary: 'List members',
      tags: ['members'],
      security,
      params: orgParams,
      querystring: pageQuery,
      response: { 200: pageSchema(memberSchema) },
    },
    handler: async (request) => {
      const { limit, cursor } = request.query;
      const after = afterCursor(cursor);
      const members = await readInTenant(services, request, (sql) =>
        services.members.list(sql, { limit, ...(after ? { afterId: after } : {}) }),
      );
      return pageOf(members.map(toMemberWire), limit, (m) => m.id);
    },
  });

  r.post('/v1/orgs/:org_id/members', {
    config: { authz: { action: 'manage:members', resource: resourceFromPath('Org') }, transaction: 'platform' },
    schema: {
      summary:
        'Add a member (the user is created when the e-mail is new; a user without a password is e-mailed an invitation)',
      tags: ['members'],
      security,
      params: orgParams,
      body: z
        .object({
          email: z.email(),
          display_name: z.string().max(200).optional(),
          roles: rolesSchema,
          attributes: attributesSchema.default({}),
        })
        .strict(),
      response: { 201: memberSchema },
    },
    handler: async (request, reply) => {
      // One transaction: the decision, the membership, and the invitation e-mail when the user has no password yet.
      const { member } = await inPlatformTransaction(request, (platform) =>
        services.invitations.addMember(
          platform,
          request.params.org_id as Org['id'],
          {
            email: request.body.email,
            ...(request.body.display_name ? { displayName: request.body.display_name } : {}),
            roles: request.body.roles,
            attributes: request.body.attributes,
          },
          auditOf(request),
          actingOf(request),
        ),
      );
      services.engine.invalidate(member.orgId);
      return reply.code(201).send(toMemberWire(member));
    },
  });

  r.patch('/v1/orgs/:org_id/members/:member_id', {
    config: {
      authz: { action: 'manage:members', resource: resourceFromPath('Member', 'member_id') },
      transaction: 'tenant',
    },
    schema: {
      summary: "Change a member's roles or attributes",
      tags: ['members'],
      security,
      params: memberParams,
      body: z.object({ roles: rolesSchema.optional(), attributes: attributesSchema.optional() }).strict(),
      response: { 200: memberSchema },
    },
    handler: async (request) => {
      const member = await inTenantTransaction(request, (sql) =>
        services.members.update(
          sql,
          actingOf(request),
          request.params.member_id,
          {
            ...(request.body.roles ? { roles: request.body.roles } : {}),
            ...(request.body.attributes ? { attributes: request.body.attributes } : {}),
          },
          auditOf(request),
        ),
      );
      services.engine.invalidate(member.orgId);
      return toMemberWire(member);
    },
  });

  r.delete('/v1/orgs/:org_id/members/:member_id', {
    config: {
      authz: { action: 'manage:members', resource: resourceFromPath('Member', 'member_id') },
      transaction: 'tenant',
    },
    schema: {
      summary: 'Remove a member (their keys stop working at once)',
      tags: ['members'],
      security,
      params: memberParams,
    },
    handler: async (request, reply) => {
      await inTenantTransaction(request, (sql) =>
        services.members.remove(sql, actingOf(request), request.params.member_id, auditOf(request)),
      );
      services.engine.invalidate(request.params.org_id as Org['id']);
      return reply.code(204).send();
    },
  });

  const serviceAccountParams = orgParams.extend({ service_account_id: idParam('svc', 'a service account') });
  r.get('/v1/orgs/:org_id/service-accounts', {
    config: { authz: { action: 'read:service-accounts', resource: resourceFromPath('Org') } },
    schema: {
      summary: 'List service accounts',
      tags: ['service-accounts'],
      security,
      params: orgParams,
      querystring: pageQuery,
      response: { 200: pageSchema(serviceAccountSchema) },
    },
    handler: async (request) => {
      const { limit, cursor } = request.query;
      const after = afterCursor(cursor);
      const accounts = await readInTenant(services, request, (sql) =>
        services.serviceAccounts.list(sql, { limit, ...(after ? { afterId: after } : {}) }),
      );
      return pageOf(accounts.map(toServiceAccountWire), limit, (s) => s.id);
    },
  });

  r.post('/v1/orgs/:org_id/service-accounts', {
    config: { authz: { action: 'manage:service-accounts', resource: resourceFromPath('Org') }, transaction: 'tenant' },
    schema: {
      summary: 'Create a service account',
      tags: ['service-accounts'],
      security,
      params: orgParams,
      body: z
        .object({
          name: z.string().trim().min(1).max(200),
          roles: rolesSchema,
          attributes: attributesSchema.default({}),
        })
        .strict(),
      response: { 201: serviceAccountSchema },
    },
    handler: async (request, reply) => {
      const account = await inTenantTransaction(request, (sql) =>
        services.serviceAccounts.create(sql, actingOf(request), request.body, auditOf(request)),
      );
      return reply.code(201).send(toServiceAccountWire(account));
    },
  });

  r.get('/v1/orgs/:org_id/service-accounts/:service_account_id', {
    config: {
      authz: { action: 'read:service-accounts', resource: resourceFromPath('ServiceAccount', 'service_account_id') },
    },
    schema: {
      summary: 'Show a service account',
      tags: ['service-accounts'],
      security,
      params: serviceAccountParams,
      response: { 200: serviceAccountSchema },
    },
    handler: async (request) =>
      toServiceAccountWire(
        await readInTenant(services, request, (sql) =>
          services.serviceAccounts.get(sql, request.params.service_account_id),
        ),
      ),
  });

  r.post('/v1/orgs/:org_id/service-accounts/:service_account_id/disable', {
    config: {
      authz: { action: 'manage:service-accounts', resource: resourceFromPath('ServiceAccount', 'service_account_id') },
      transaction: 'tenant',
    },
    schema: {
      summary: 'Disable a service account (its keys stop working at once)',
      tags: ['service-accounts'],
      security,
      params: serviceAccountParams,
      response: { 200: serviceAccountSchema },
    },
    handler: async (request) => {
      const account = await inTenantTransaction(request, (sql) =>
        services.serviceAccounts.disable(sql, actingOf(request), request.params.service_account_id, auditOf(request)),
      );
      services.engine.invalidate(account.orgId);
      return toServiceAccountWire(account);
    },
  });
}
