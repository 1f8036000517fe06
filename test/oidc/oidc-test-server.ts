import { createServer } from 'node:net';
import * as client from 'openid-client';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from '../api/api-client.js';

/** A port free now, so the node's public URL (and issuer) can name it before it listens. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A Bulwark node listening on 127.0.0.1 (real HTTP), with orgs A and B and their owners' keys. `publicHost` names
 * the node in its public URL (and so the issuer and the passkey RP ID): a browser's WebAuthn wants a domain such as
 * `localhost`, never an IP address.
 */
export async function listeningOidcServer(env: Record<string, string> = {}, options: { publicHost?: string } = {}) {
  const port = await freePort();
  const publicUrl = { BULWARK_PUBLIC_URL: `http://${options.publicHost ?? '127.0.0.1'}:${port}` };
  const server: TestServer = await createTestServer({
    env: { BULWARK_HOST: '127.0.0.1', BULWARK_PORT: String(port), ...publicUrl, ...env },
  });
  await server.app.listen({ host: '127.0.0.1', port });
  const orgs = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
  const issuer = server.config.oidc.issuer;
  const audience = `${server.config.publicUrl}/v1`;

  /** A service account of `orgId` with `roles`, and an OAuth client for it (client_secret_basic unless jwks given). */
  async function serviceClient(ownerKey: string, orgId: string, roles: string[], jwks?: { keys: object[] }) {
    const account = await orgs.call(ownerKey, 'POST', `/v1/orgs/${orgId}/service-accounts`, {
      name: `svc-${roles.join('-')}-${Math.random().toString(36).slice(2, 8)}`,
      roles,
    });
    if (account.statusCode !== 201) throw new Error(`service account: ${account.body}`);
    const created = await orgs.call(
      ownerKey,
      'POST',
      `/v1/orgs/${orgId}/service-accounts/${account.json().id}/oauth-clients`,
      jwks ? { auth_method: 'private_key_jwt', jwks } : {},
    );
    if (created.statusCode !== 201) throw new Error(`oauth client: ${created.body}`);
    return created.json() as {
      client_id: string;
      client_secret?: string;
      service_account_id: string;
      token_endpoint: string;
    };
  }

  /** openid-client's configuration for a client, from the provider's discovery document over HTTP. */
  async function relyingParty(clientId: string, auth: client.ClientAuth) {
    return client.discovery(new URL(issuer), clientId, undefined, auth, { execute: [client.allowInsecureRequests] });
  }

  /** A client_credentials access token of a service client made by serviceClient (client_secret_basic). */
  async function clientCredentialsToken(created: { client_id: string; client_secret?: string }) {
    const rp = await relyingParty(created.client_id, client.ClientSecretBasic(created.client_secret ?? ''));
    return (await client.clientCredentialsGrant(rp, { resource: audience })).access_token;
  }

  /** Calls the API over HTTP with a bearer token. */
  async function api(token: string, method: string, path: string, body?: unknown) {
    return fetch(`${server.config.publicUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  return { server, orgs, issuer, audience, serviceClient, clientCredentialsToken, relyingParty, api };
}
