import { AppError } from '../lib/errors/index.js';
import { actions, type ApiKey, type Principal } from '../modules/authz/index.js';
import type { SetupOwner } from '../modules/tenancy/index.js';
import type { PlatformSql } from '../platform/db/index.js';
import type { ApiServices } from './api-services.js';

/** Runs one platform transaction: the route's declared one (API), or the page's own. */
export type PlatformTransaction = <T>(fn: (platform: PlatformSql) => Promise<T>) => Promise<T>;

/** What redeeming a setup secret needs of the request. */
export interface SetupRequestMeta {
  requestId: string;
  clientIp: string;
  userAgent?: string;
}

/**
 * Step 1 of an owner's setup: the owner of a live setup secret, and passkey registration options for them (the
 * challenge recorded on the secret, in the same transaction). Throws `tenancy.bootstrap_invalid`.
 */
export async function beginSetup(
  services: ApiServices,
  inTransaction: PlatformTransaction,
  secret: string,
): Promise<{ owner: SetupOwner; options: Record<string, unknown> }> {
  let options: Record<string, unknown> = {};
  const owner = await inTransaction((platform) =>
    services.beginOwnerSetup(platform, secret, async ({ ownerUserId, email }) => {
      const ceremony = await services.passkeys.passkeyRegistrationOptions(
        ownerUserId,
        email,
        services.relyingParty,
        platform,
      );
      options = ceremony.options as unknown as Record<string, unknown>;
      return ceremony.challenge;
    }),
  );
  return { owner, options };
}

/**
 * Step 2: the secret consumed, the owner's passkey registered (answering step 1's challenge) and the owner's first
 * key minted, in one transaction. The key carries `hwk` because that ceremony happened in this request. A refused
 * passkey consumes nothing; its challenge is dropped and the failure audited.
 */
export async function redeemSetup(
  services: ApiServices,
  inTransaction: PlatformTransaction,
  input: { secret: string; passkey: unknown; meta: SetupRequestMeta },
): Promise<{ key: ApiKey; token: string }> {
  const { secret, passkey, meta } = input;
  try {
    return await inTransaction((platform) =>
      services.redeemBootstrap(
        platform,
        secret,
        async (owner) => {
          await services.passkeys.verifyPasskeyRegistration(owner.ownerUserId, passkey, {
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
  } catch (error) {
    if (error instanceof AppError && error.code.startsWith('identity.passkey_'))
      await services.abandonOwnerSetup(secret, error.code);
    throw error;
  }
}
