import type { FastifyInstance } from 'fastify';

/**
 * What a route that may call a model declares (`config.gateway`): it is metered and guarded, or it calls no model
 * and says why. Checked at registration; `test/gateway/gateway-route-coverage.security.test.ts` checks the behaviour.
 */
export type ModelRouteDeclaration = { metered: true; guarded: true } | { callsModel: false; reason: string };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Required on every route with action `invoke:models` (see model-route-declaration.ts). */
    gateway?: ModelRouteDeclaration;
  }
}

function valid(declaration: unknown): declaration is ModelRouteDeclaration {
  if (typeof declaration !== 'object' || declaration === null) return false;
  const d = declaration as Record<string, unknown>;
  if (d.metered === true && d.guarded === true) return true;
  return d.callsModel === false && typeof d.reason === 'string' && d.reason.length > 0;
}

// SECURITY: known gateways let traffic bypass budgets and guardrails through the endpoints they forgot. A route that
// may invoke models and does not declare itself metered and guarded (or calling no model, with a reason) is
// refused at startup.
/** Refuses, at registration, a route with action `invoke:models` that lacks a valid `config.gateway` declaration. */
export function enforceModelRouteDeclarations(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const config = route.config as { authz?: { action?: string }; gateway?: unknown } | undefined;
    if (config?.authz?.action !== 'invoke:models' && config?.gateway === undefined) return;
    if (!valid(config?.gateway))
      throw new Error(
        `route ${[route.method].flat().join(',')} ${route.url} may invoke models but does not declare config.gateway = { metered: true, guarded: true } (or { callsModel: false, reason })`,
      );
  });
}
