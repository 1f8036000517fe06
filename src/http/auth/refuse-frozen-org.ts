import type { FastifyRequest, preParsingHookHandler } from 'fastify';
import { AppError } from '../../lib/errors/index.js';
import { actorOf } from '../../modules/authz/index.js';
import type { ApiServices } from '../api-services.js';
import { requestMeta } from './route-auth.js';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What a frozen org may still do: read (by method), and the read actions, audit export and legal holds included. */
export function staysOpenWhenFrozen(method: string, action: string): boolean {
  return READ_METHODS.has(method) || action.startsWith('read:') || action === 'export:audit';
}

/**
 * Refuses every other request of a principal whose org is frozen with 423 `tenancy.org_frozen`, recorded in the
 * org's chain first. Installed for the whole app, it runs on every route with `authz` after authentication and the
 * tenant boundary and before the body is parsed, so no route can forget it.
 */
export function refuseFrozenOrg(services: ApiServices): preParsingHookHandler {
  return async function checkOrgNotFrozen(request: FastifyRequest, _reply, payload) {
    const principal = request.principal;
    const action = request.routeOptions.config.authz?.action;
    if (!principal || !action || staysOpenWhenFrozen(request.method, action)) return payload;
    // INVARIANT: the status is cached only under the org's cache generation, which this request's authentication read
    // from the database and a freeze bumps, so a freeze holds from the next request on every node.
    if (!(await services.orgFrozen.isFrozen(principal.orgId))) return payload;
    try {
      await services.audit.record(principal.orgId, [
        {
          orgId: principal.orgId,
          actor: actorOf(principal),
          action: 'authz.decision.made',
          resource: { type: 'Org', id: principal.orgId },
          decision: 'deny',
          reasonCodes: ['tenancy.org_frozen'],
          ...requestMeta(request),
          details: { action, route: request.routeOptions.url ?? request.url, method: request.method },
        },
      ]);
    } catch (cause) {
      throw new AppError('audit.write_failed', { cause });
    }
    throw new AppError('tenancy.org_frozen', {
      publicMessage: 'the org is frozen: changes and model calls are refused until it is unfrozen',
    });
  };
}
