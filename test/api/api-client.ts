import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { SoftwareAuthenticator } from '../support/software-authenticator.js';

/** A tiny client for app.inject with a bearer key. */
export function apiClient(app: FastifyInstance) {
  return async function call(
    key: string | undefined,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    return app.inject({
      method,
      url,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
      ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
    });
  };
}

/** The origin passkey ceremonies run on: the issuer's, from the provider's discovery document. */
async function passkeyOrigin(app: FastifyInstance): Promise<string> {
  const discovery = await app.inject({ method: 'GET', url: '/oidc/.well-known/openid-configuration' });
  return new URL((discovery.json() as { issuer: string }).issuer).origin;
}

/**
 * Redeems a setup secret (the bootstrap secret, or an org owner's) as its owner would: registers a passkey (a
 * software authenticator) with the options the secret gets, and receives the owner's first key, which carries hwk.
 */
export async function redeemSetupSecret(app: FastifyInstance, secret: string) {
  const call = apiClient(app);
  const options = await call(undefined, 'POST', '/v1/bootstrap/passkey-options', { secret });
  if (options.statusCode !== 200) throw new Error(`setup options failed: ${options.body}`);
  const authenticator = new SoftwareAuthenticator();
  const passkey = authenticator.createCredential(options.json().options, { origin: await passkeyOrigin(app) });
  const redeemed = await call(undefined, 'POST', '/v1/bootstrap/redeem', { secret, passkey });
  if (redeemed.statusCode !== 201) throw new Error(`setup redeem failed: ${redeemed.body}`);
  return { key: redeemed.json(), secret: redeemed.json().secret as string, authenticator };
}

/** The setup secret e-mailed to a new org's owner, read from the development outbox by a platform owner. */
export async function mailedSetupSecret(app: FastifyInstance, platformKey: string, email: string): Promise<string> {
  const outbox = await apiClient(app)(platformKey, 'GET', `/v1/dev/outbox?to=${encodeURIComponent(email)}&limit=20`);
  const message = (outbox.json().data as { purpose: string; text: string }[]).find((m) => m.purpose === 'owner_setup');
  const secret = /\b(bwb_[A-Za-z0-9_-]+)/.exec(message?.text ?? '')?.[1];
  if (!secret) throw new Error(`no owner setup e-mail to ${email}: ${outbox.body}`);
  return secret;
}

/** Sets up a platform owner, two orgs (A and B) with their owners' keys, as a client would. */
export async function twoOrgs(app: FastifyInstance, bootstrapSecret: string) {
  const call = apiClient(app);
  const platformKey = (await redeemSetupSecret(app, bootstrapSecret)).secret;
  const create = async (slug: string) => {
    const res = await call(platformKey, 'POST', '/v1/orgs', {
      name: slug.toUpperCase(),
      slug,
      owner_email: `owner@${slug}.example`,
    });
    if (res.statusCode !== 201) throw new Error(`org create failed: ${res.body}`);
    const body = res.json();
    return {
      orgId: body.org.id as string,
      ownerKey: (await redeemSetupSecret(app, await mailedSetupSecret(app, platformKey, `owner@${slug}.example`)))
        .secret,
      ownerUserId: body.owner.user_id as string,
    };
  };
  return { call, platformKey, a: await create('org-a'), b: await create('org-b') };
}
