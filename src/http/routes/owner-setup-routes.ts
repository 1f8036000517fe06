import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createdKeySchema } from '../../modules/authz/index.js';
import type { ApiServices } from '../api-services.js';
import { beginSetup, redeemSetup } from '../owner-setup.js';
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
      const { owner, options } = await beginSetup(
        services,
        (fn) => inPlatformTransaction(request, fn),
        request.body.secret,
      );
      return reply.send({ org_id: owner.orgId, email: owner.email, options });
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
      const { key, token } = await redeemSetup(services, (fn) => inPlatformTransaction(request, fn), {
        secret: request.body.secret,
        passkey: request.body.passkey,
        meta: requestMeta(request),
      });
      return reply.code(201).send({ ...toKeyWire(key), secret: token });
    },
  });
}
