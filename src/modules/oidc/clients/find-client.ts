import type { AdapterPayload } from 'oidc-provider';
import { isId } from '../../../lib/ids.js';
import type { Db } from '../../../platform/db/index.js';
import type { FieldCipher } from '../../../platform/vault/index.js';
import { activeOwner } from '../../tenancy/index.js';
import type { ClientLookup } from '../storage/postgres-adapter.js';
import { selectClient, selectClientOrg } from './client-repo.js';
import { clientSecretRef } from './create-oauth-client.js';

/**
 * The provider's view of a service account's OAuth client, read on every use (the provider caches none): a client
 * that was revoked, or whose service account was disabled, is unknown from the next request on. Its metadata
 * carries the org, the account and the account's current roles for the token claims.
 */
export function findServiceAccountClient(deps: { db: Db; cipher: FieldCipher }): ClientLookup {
  return async (clientId) => {
    if (!isId('cli', clientId)) return undefined;
    return deps.db.withPlatform(async (platform): Promise<AdapterPayload | undefined> => {
      const orgId = await selectClientOrg(platform, clientId);
      if (!orgId) return undefined;
      const sql = await platform.enterTenant(orgId);
      const client = await selectClient(sql, clientId);
      if (!client || client.revokedAt) return undefined;
      const owner = await activeOwner(sql, { type: 'service_account', id: client.serviceAccountId });
      if (!owner) return undefined;
      const secret = client.secretCiphertext
        ? await deps.cipher.decryptString(sql, clientSecretRef(clientId), client.secretCiphertext)
        : undefined;
      return {
        client_id: clientId,
        token_endpoint_auth_method: client.authMethod,
        ...(secret ? { client_secret: secret } : {}),
        ...(client.jwks ? { jwks: client.jwks } : {}),
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        org_id: orgId,
        service_account_id: client.serviceAccountId,
        roles: owner.roles,
      };
    });
  };
}
