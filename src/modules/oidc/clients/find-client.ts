import type { AdapterPayload } from 'oidc-provider';
import { isId, type OrgId } from '../../../lib/ids.js';
import { GenerationCache, selectOrgGeneration, type OrgGenerations } from '../../../platform/cache-generation/index.js';
import type { Db } from '../../../platform/db/index.js';
import type { FieldCipher } from '../../../platform/vault/index.js';
import { activeOwner } from '../../tenancy/index.js';
import type { ClientLookup } from '../storage/postgres-adapter.js';
import { selectClient, selectClientOrg } from './client-repo.js';
import { clientSecretRef } from './client-credential.js';

/** What the client lookup needs. */
export interface FindClientDeps {
  db: Db;
  cipher: FieldCipher;
  generations: OrgGenerations;
}

// How long a decrypted client is kept even while its org's generation stands still: the decrypted secret stays in
// this process's memory no longer than this after its last load.
const CLIENT_CACHE_TTL_MS = 60_000;
const MAX_CACHED_CLIENTS = 10_000;

interface CachedClient {
  orgId: OrgId;
  payload: AdapterPayload;
}

/**
 * The provider's view of an OAuth client (the provider caches none): a service account's, or an application's. Cached per client under its
 * org's cache generation, taken on every lookup (`OrgGenerations.read`), for at most CLIENT_CACHE_TTL_MS: a client
 * whose service account was disabled, or whose org was frozen, is unknown from the next request on, on every node
 * within the generation's bound.
 * Its metadata carries the org and the kind; a service client's also its account and the account's current roles.
 * INVARIANT: every change to a client or its service account bumps the org's generation in its own transaction.
 */
export function findClient(deps: FindClientDeps): ClientLookup {
  const clients = new GenerationCache<string, CachedClient>(MAX_CACHED_CLIENTS, CLIENT_CACHE_TTL_MS);
  return async (clientId) => {
    if (!isId('cli', clientId)) return undefined;
    const known = clients.peek(clientId);
    if (known) {
      const cached = clients.get(clientId, await deps.generations.read(known.orgId));
      if (cached) return structuredClone(cached.payload);
    }
    const loaded = await load(clientId, deps);
    if (!loaded) {
      clients.delete(clientId);
      return undefined;
    }
    deps.generations.observe(loaded.orgId, loaded.generation);
    clients.set(clientId, loaded.generation, loaded);
    return structuredClone(loaded.payload);
  };
}

async function load(
  clientId: string,
  deps: FindClientDeps,
): Promise<(CachedClient & { generation: number }) | undefined> {
  return deps.db.withPlatform(async (platform) => {
    const orgId = await selectClientOrg(platform, clientId);
    if (!orgId) return undefined;
    const sql = await platform.enterTenant(orgId);
    // INVARIANT: the generation is read before the client and its account, so the entry is never stamped newer.
    const generation = await selectOrgGeneration(sql, orgId);
    const client = await selectClient(sql, clientId);
    if (!client || client.revokedAt) return undefined;
    const secret = client.secretCiphertext
      ? await deps.cipher.decryptString(sql, clientSecretRef(clientId), client.secretCiphertext)
      : undefined;
    const credential: AdapterPayload = {
      client_id: clientId,
      token_endpoint_auth_method: client.authMethod,
      ...(secret ? { client_secret: secret } : {}),
      ...(client.jwks ? { jwks: client.jwks } : {}),
      org_id: orgId,
      kind: client.kind,
    };
    if (client.kind === 'app') {
      const payload: AdapterPayload = {
        ...credential,
        client_name: client.name,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: client.redirectUris,
        post_logout_redirect_uris: client.postLogoutRedirectUris,
        first_party: client.firstParty,
      };
      return { orgId, generation, payload };
    }
    const owner = client.serviceAccountId
      ? await activeOwner(sql, { type: 'service_account', id: client.serviceAccountId })
      : undefined;
    if (!owner) return undefined;
    const payload: AdapterPayload = {
      ...credential,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      service_account_id: client.serviceAccountId,
      roles: owner.roles,
    };
    return { orgId, generation, payload };
  });
}
