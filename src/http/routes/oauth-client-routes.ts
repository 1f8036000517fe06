import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { runOnce } from '../../platform/idempotency/index.js';
import type { ApiServices } from '../api-services.js';
import { inTenantTransaction } from '../auth/route-transaction.js';
import { idempotencyKeyOf, renderIdempotent } from './idempotency-key.js';
import { idParam, orgParams, resourceFromPath } from './route-helpers.js';
import { actingOf, auditOf } from './tenancy-routes.js';

const publicJwk = z
  .object({
    kty: z.enum(['EC', 'RSA', 'OKP']),
    kid: z.string().min(1).max(200).optional(),
    use: z.literal('sig').optional(),
    alg: z.string().min(1).max(20).optional(),
    crv: z.string().min(1).max(20).optional(),
    x: z.string().min(1).max(200).optional(),
    y: z.string().min(1).max(200).optional(),
    n: z.string().min(1).max(2_000).optional(),
    e: z.string().min(1).max(20).optional(),
  })
  .strict();

const createBody = z
  .object({
    auth_method: z.enum(['client_secret_basic', 'private_key_jwt']).default('client_secret_basic'),
    jwks: z
      .object({ keys: z.array(publicJwk).min(1).max(5) })
      .strict()
      .optional()
      .describe('The public keys of a private_key_jwt client (private parts are refused).'),
  })
  .strict();

const createdClient = z.object({
  client_id: z.string(),
  service_account_id: z.string(),
  auth_method: z.enum(['client_secret_basic', 'private_key_jwt']),
  client_secret: z.string().optional().describe('client_secret_basic only; shown once.'),
  issuer: z.string(),
  token_endpoint: z.string(),
  audience: z.string().describe('The resource indicator (and `aud`) of the access tokens.'),
  created_at: z.string(),
});

const createAppBody = z
  .object({
    name: z.string().trim().min(1).max(100).describe('Shown to users on the sign-in and consent pages.'),
    redirect_uris: z.array(z.string().max(2_000)).min(1).max(10),
    post_logout_redirect_uris: z.array(z.string().max(2_000)).max(10).default([]),
    auth_method: z
      .enum(['none', 'client_secret_basic', 'private_key_jwt'])
      .default('none')
      .describe(
        '`none` for a public client (browser or native app, PKCE only); else how the server side authenticates.',
      ),
    jwks: createBody.shape.jwks,
    first_party: z
      .boolean()
      .default(false)
      .describe("Skip the consent screen (the platform org's own applications only)."),
  })
  .strict();

const createdAppClient = z.object({
  client_id: z.string(),
  name: z.string(),
  auth_method: z.enum(['none', 'client_secret_basic', 'private_key_jwt']),
  client_secret: z.string().optional().describe('client_secret_basic only; shown once.'),
  redirect_uris: z.array(z.string()),
  post_logout_redirect_uris: z.array(z.string()),
  first_party: z.boolean(),
  issuer: z.string().describe('Discovery is at `{issuer}/.well-known/openid-configuration`.'),
  audience: z.string().describe('The resource indicator (and `aud`) of the access tokens.'),
  created_at: z.string(),
});

/**
 * `/v1/orgs/{org_id}/service-accounts/{id}/oauth-clients`: OAuth client credentials of a service account;
 * `/v1/orgs/{org_id}/oauth-clients`: the applications the org's members sign in to.
 */
export function registerOAuthClientRoutes(app: FastifyInstance, services: ApiServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post('/v1/orgs/:org_id/oauth-clients', {
    config: { authz: { action: 'manage:org', resource: resourceFromPath('Org', 'org_id') }, transaction: 'tenant' },
    schema: {
      summary: 'Register an application users sign in to (authorization code with PKCE); a secret is shown once',
      tags: ['oauth-clients'],
      security: [{ bearer: [] }],
      params: orgParams,
      body: createAppBody,
      response: { 201: createdAppClient },
    },
    handler: async (request, reply) => {
      const idempotency = idempotencyKeyOf(request);
      const body = request.body;
      const result = await inTenantTransaction(request, (sql) =>
        runOnce(
          services,
          (fn) => fn(sql),
          idempotency,
          async () => {
            const client = await services.oidc.createAppClient(
              sql,
              {
                name: body.name,
                redirectUris: body.redirect_uris,
                postLogoutRedirectUris: body.post_logout_redirect_uris,
                authMethod: body.auth_method,
                ...(body.jwks ? { jwks: body.jwks } : {}),
                firstParty: body.first_party,
              },
              auditOf(request),
            );
            return {
              status: 201,
              body: {
                client_id: client.clientId,
                name: client.name,
                auth_method: client.authMethod,
                ...(client.clientSecret ? { client_secret: client.clientSecret } : {}),
                redirect_uris: client.redirectUris,
                post_logout_redirect_uris: client.postLogoutRedirectUris,
                first_party: client.firstParty,
                issuer: services.oidc.issuer,
                audience: services.oidc.audience,
                created_at: client.createdAt.toISOString(),
              },
            };
          },
        ),
      );
      return renderIdempotent(reply, result);
    },
  });
  r.post('/v1/orgs/:org_id/service-accounts/:service_account_id/oauth-clients', {
    config: {
      authz: { action: 'manage:service-accounts', resource: resourceFromPath('ServiceAccount', 'service_account_id') },
      transaction: 'tenant',
    },
    schema: {
      summary: 'Create an OAuth client (client_credentials) for a service account; a secret is shown once',
      tags: ['service-accounts'],
      security: [{ bearer: [] }],
      params: orgParams.extend({ service_account_id: idParam('svc', 'a service account') }),
      body: createBody,
      response: { 201: createdClient },
    },
    handler: async (request, reply) => {
      const idempotency = idempotencyKeyOf(request);
      const result = await inTenantTransaction(request, (sql) =>
        runOnce(
          services,
          (fn) => fn(sql),
          idempotency,
          async () => {
            const client = await services.oidc.createClient(
              sql,
              actingOf(request),
              {
                serviceAccountId: request.params.service_account_id,
                authMethod: request.body.auth_method,
                ...(request.body.jwks ? { jwks: request.body.jwks } : {}),
              },
              auditOf(request),
            );
            return {
              status: 201,
              body: {
                client_id: client.clientId,
                service_account_id: client.serviceAccountId,
                auth_method: client.authMethod,
                ...(client.clientSecret ? { client_secret: client.clientSecret } : {}),
                issuer: services.oidc.issuer,
                token_endpoint: `${services.oidc.issuer}/token`,
                audience: services.oidc.audience,
                created_at: client.createdAt.toISOString(),
              },
            };
          },
        ),
      );
      return renderIdempotent(reply, result);
    },
  });
}
