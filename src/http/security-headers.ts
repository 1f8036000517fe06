import type { FastifyInstance } from 'fastify';

/** The headers every response carries: no sniffing, no framing, no caching, no referrer, strict transport over https. */
export function securityHeaders(options: { https: boolean }): Record<string, string> {
  return {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'cache-control': 'no-store',
    ...(options.https ? { 'strict-transport-security': 'max-age=63072000; includeSubDomains' } : {}),
  };
}

// A route may set its own content-security-policy and cache-control; the others are always ours.
const OVERRIDABLE = new Set(['content-security-policy', 'cache-control']);

/** Adds the security headers to every API response. */
export function addSecurityHeaders(app: FastifyInstance, options: { https: boolean }): void {
  const headers = Object.entries(securityHeaders(options));
  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of headers)
      if (!OVERRIDABLE.has(name) || !reply.hasHeader(name)) reply.header(name, value);
    return payload;
  });
}
