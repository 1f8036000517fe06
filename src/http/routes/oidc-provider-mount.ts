import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Oidc } from '../../modules/oidc/index.js';
import { securityHeaders } from '../security-headers.js';

const PROVIDER_POLICY = "default-src 'none'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Where the provider is served; the issuer's path (the config requires it). */
export const OIDC_PREFIX = '/oidc';

/**
 * Mounts oidc-provider's request handler under /oidc inside Fastify, so Fastify's request id, access log, body-free
 * routing, 404 and error renderers (the OAuth shape on /oidc) and the security headers apply to it as to every
 * route. The handler writes the response itself (the reply is hijacked), so the headers that onSend would add are
 * set on the raw response first, where the provider may refine them (it sets its own cache-control).
 */
export function mountOidcProvider(app: FastifyInstance, oidc: Oidc, options: { https: boolean }): void {
  // The provider's own pages (form_post responses, a logout without a session) post a form with one inline script;
  // oidc-provider adds that script's hash to a policy with a `script-src`, so the policy names one.
  const headers = Object.entries({ ...securityHeaders(options), 'content-security-policy': PROVIDER_POLICY });
  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const callback = await oidc.callback();
    for (const [name, value] of Object.entries(reply.getHeaders()))
      if (value !== undefined) reply.raw.setHeader(name, value);
    for (const [name, value] of headers) reply.raw.setHeader(name, value);
    const url = request.raw.url ?? OIDC_PREFIX;
    // The provider finds its mount path from originalUrl minus url, as under Express or Koa mounting.
    Object.assign(request.raw, { originalUrl: url, url: url.slice(OIDC_PREFIX.length) || '/' });
    reply.hijack();
    await callback(request.raw, reply.raw);
  };
  void app.register(async (scope) => {
    // SECURITY: the provider parses its own bodies (urlencoded and JSON, 56 KiB at most); nothing is parsed here.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    scope.all(OIDC_PREFIX, { schema: { hide: true } }, handle);
    scope.all(`${OIDC_PREFIX}/*`, { schema: { hide: true } }, handle);
  });
}
