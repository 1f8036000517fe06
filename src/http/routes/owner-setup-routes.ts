import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../lib/errors/index.js';
import { actions, createdKeySchema, type Principal } from '../../modules/authz/index.js';
import type { ApiServices } from '../api-services.js';
import { requestMeta } from '../auth/route-auth.js';
import { inPlatformTransaction } from '../auth/route-transaction.js';
import { toKeyWire } from './api-key-routes.js';

const secret = z.string().min(1).max(200).describe('The bootstrap secret, or an org owner setup secret.');

/**
 * `/v1/bootstrap/*`: an owner's first key, earned by registering a passkey. The setup secret (the bootstrap secret
 * printed on first start, or the one `POST /v1/orgs` and `bulwark owner-setup` issue for an org's owner) first gets
 * passkey registration options; the redemption answers them. The key carries `hwk` because that ceremony happened.
 */
export function registerOwnerSetupRoutes(app: FastifyInstance, services: ApiServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/v1/bootstrap/passkey-options', {
    config: { public: true, transaction: 'platform' },
    schema: {
      summary: "Passkey registration options for a setup secret's owner (step 1 of 2)",
      tags: ['bootstrap'],
      body: z.object({ secret }).strict(),
      response: {
        200: z.object({
          org_id: z.string(),
          email: z.string(),
          options: z.record(z.string(), z.unknown()).describe('PublicKeyCredentialCreationOptionsJSON'),
        }),
      },
    },
    handler: async (request, reply) => {
      let options: object = {};
      const owner = await inPlatformTransaction(request, (platform) =>
        services.beginOwnerSetup(platform, request.body.secret, async ({ ownerUserId, email }) => {
          const ceremony = await services.passkeys.passkeyRegistrationOptions(
            ownerUserId,
            email,
            services.relyingParty,
            platform,
          );
          options = ceremony.options;
          return ceremony.challenge;
        }),
      );
      return reply.send({ org_id: owner.orgId, email: owner.email, options: options as Record<string, unknown> });
    },
  });

  r.post('/v1/bootstrap/redeem', {
    config: { public: true, transaction: 'platform' },
    schema: {
      summary: "Register the owner's passkey and receive the owner's first API key, with hwk (step 2 of 2)",
      tags: ['bootstrap'],
      body: z
        .object({
          secret,
          passkey: z.record(z.string(), z.unknown()).describe('The browser\u2019s RegistrationResponseJSON.'),
        })
        .strict(),
      response: { 201: createdKeySchema },
    },
    handler: async (request, reply) => {
      const meta = requestMeta(request);
      try {
        // One transaction: the secret is consumed only if the passkey is stored and the owner's key minted with it.
        const { key, token } = await inPlatformTransaction(request, (platform) =>
          services.redeemBootstrap(
            platform,
            request.body.secret,
            async (owner) => {
              await services.passkeys.verifyPasskeyRegistration(owner.ownerUserId, request.body.passkey, {
                expectedChallenge: owner.passkeyChallenge,
                rp: services.relyingParty,
                name: 'first passkey',
                meta,
                within: platform,
              });
            },
            (tenant, owner) => {
              // SECURITY: `hwk` because the owner registered a passkey (with user verification) in this request.
              const principal: Principal = {
                kind: 'user',
                id: owner.ownerUserId,
                orgId: owner.orgId,
                roles: ['owner'],
                attributes: {},
                amr: ['hwk'],
              };
              return services.apiKeys.create(
                tenant,
                principal,
                { name: 'first owner key', role: 'owner', scopes: [...actions], cidrs: [], amr: ['hwk'] },
                meta,
              );
            },
          ),
        );
        return reply.code(201).send({ ...toKeyWire(key), secret: token });
      } catch (error) {
        if (error instanceof AppError && error.code.startsWith('identity.passkey_'))
          await services.abandonOwnerSetup(request.body.secret, error.code);
        throw error;
      }
    },
  });
}
