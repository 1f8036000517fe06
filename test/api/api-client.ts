import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

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

/** Sets up a platform owner, two orgs (A and B) with their owners' keys, as a client would. */
export async function twoOrgs(app: FastifyInstance, bootstrapSecret: string) {
  const call = apiClient(app);
  const redeemed = await call(undefined, 'POST', '/v1/bootstrap/redeem', { secret: bootstrapSecret });
  if (redeemed.statusCode !== 201) throw new Error(`bootstrap failed: ${redeemed.body}`);
  const platformKey = redeemed.json().secret as string;
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
      ownerKey: body.owner_api_key.secret as string,
      ownerUserId: body.owner.user_id as string,
    };
  };
  return { call, platformKey, a: await create('org-a'), b: await create('org-b') };
}
