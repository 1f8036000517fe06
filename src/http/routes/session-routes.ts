import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { OrgId } from '../../lib/ids.js';
import type { UserSession } from '../../modules/oidc/index.js';
import type { ApiServices } from '../api-services.js';
import { principalOf } from '../auth/route-auth.js';
import { inPlatformTransaction } from '../auth/route-transaction.js';
import { idParam, iso, orgParams, resourceFromPath } from './route-helpers.js';
import { actingOf, auditOf } from './tenancy-routes.js';

const memberParams = orgParams.extend({ member_id: idParam('mem', 'a membership') });

const sessionSchema = z.object({
  grant_id: z.string().describe("The sign-in's grant (the `grant_id` of its access tokens); not a credential."),
  client_id: z.string(),
  client_name: z.string().nullable(),
  org_id: z.string(),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  last_refresh_at: z.string().nullable(),
});
const toSessionWire = (s: UserSession) => ({
  grant_id: s.grantId,
  client_id: s.clientId,
  client_name: s.clientName,
  org_id: s.orgId,
  created_at: s.createdAt.toISOString(),
  expires_at: iso(s.expiresAt),
  last_refresh_at: iso(s.lastRefreshAt),
});

const grantQuery = z
  .object({
    grant_id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,128}$/, 'not a grant id')
      .optional()
      .describe('End this sign-in only.'),
  })
  .strict();
const revokedSchema = z.object({ grants_revoked: z.number().int(), sessions_ended: z.number().int() });

// The person calling, as the resource of the self-service action: only a user's access token makes it their own.
const callerAsResource = (request: FastifyRequest) => {
  const principal = principalOf(request);
  return { type: 'User' as const, id: principal.id, orgId: principal.orgId };
};

/**
 * `GET` and `DELETE /v1/me/sessions`: the calling person's own live sign-ins to the applications of the token's org
 * (`manage:own-sessions`, which only a user's access token holds); and `GET` and `DELETE /v1/orgs/{org_id}/members/{member_id}/sessions`:
 * a member's live sign-ins to the org's applications, for the org's member admins (`manage:members`).
 */
export function registerSessionRoutes(app: FastifyInstance, services: ApiServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const security = [{ bearer: [] }];

  r.get('/v1/me/sessions', {
    config: { authz: { action: 'manage:own-sessions', resource: callerAsResource } },
    schema: {
      summary: 'List your own live sign-ins',
      description:
        "One entry per standing grant (a sign-in to one application) to the applications of the token's org; sign-ins to other orgs' applications are never shown. Only a person's access token may call it; API keys and service accounts are refused.",
      tags: ['sessions'],
      security,
      response: { 200: z.object({ data: z.array(sessionSchema) }) },
    },
    handler: async (request) => {
      const principal = principalOf(request);
      // SECURITY: the token's org only: an org's application holding a person's token learns nothing of their
      // sign-ins to other orgs' applications, and cannot end them.
      const sessions = await services.oidc.sessions.list(principal.id, { orgId: principal.orgId });
      return { data: sessions.map(toSessionWire) };
    },
  });

  r.delete('/v1/me/sessions', {
    config: {
      authz: { action: 'manage:own-sessions', resource: callerAsResource },
      transaction: 'platform',
    },
    schema: {
      summary: "End your own sign-ins to the org's applications: all, or one",
      description:
        "Deletes the grants, their refresh tokens and codes, and the browser sessions holding them: their access tokens (this one too) stop working at once and refreshing fails. Sign-ins to other orgs' applications stand.",
      tags: ['sessions'],
      security,
      querystring: grantQuery,
      response: { 200: revokedSchema },
    },
    handler: async (request) => {
      const principal = principalOf(request);
      const revoked = await inPlatformTransaction(request, (platform) =>
        services.oidc.sessions.revokeOwn(
          platform,
          principal.id,
          {
            orgId: principal.orgId,
            ...(request.query.grant_id !== undefined ? { grantId: request.query.grant_id } : {}),
          },
          auditOf(request),
        ),
      );
      return { grants_revoked: revoked.grants, sessions_ended: revoked.sessions };
    },
  });

  r.get('/v1/orgs/:org_id/members/:member_id/sessions', {
    config: { authz: { action: 'manage:members', resource: resourceFromPath('Member', 'member_id') } },
    schema: {
      summary: "List a member's live sign-ins to the org's applications",
      description:
        "One entry per standing grant (a sign-in to one application). Sign-ins to other orgs' applications are never shown.",
      tags: ['members'],
      security,
      params: memberParams,
      response: { 200: z.object({ data: z.array(sessionSchema) }) },
    },
    handler: async (request) => {
      const sessions = await services.oidc.sessions.listOfMember(
        request.params.org_id as OrgId,
        request.params.member_id,
      );
      return { data: sessions.map(toSessionWire) };
    },
  });

  r.delete('/v1/orgs/:org_id/members/:member_id/sessions', {
    config: {
      authz: { action: 'manage:members', resource: resourceFromPath('Member', 'member_id') },
      transaction: 'platform',
    },
    schema: {
      summary: "End a member's sign-ins to the org's applications (all, or one grant)",
      description:
        "Deletes the grants, their refresh tokens and codes, and the browser sessions holding them: the member's access tokens stop working at once and refreshing fails. Sign-ins to other orgs' applications stand.",
      tags: ['members'],
      security,
      params: memberParams,
      querystring: grantQuery,
      response: { 200: revokedSchema },
    },
    handler: async (request) => {
      const revoked = await inPlatformTransaction(request, (platform) =>
        services.oidc.sessions.revokeOfMember(
          platform,
          actingOf(request),
          {
            orgId: request.params.org_id as OrgId,
            memberId: request.params.member_id,
            ...(request.query.grant_id !== undefined ? { grantId: request.query.grant_id } : {}),
          },
          auditOf(request),
        ),
      );
      return { grants_revoked: revoked.grants, sessions_ended: revoked.sessions };
    },
  });
}
