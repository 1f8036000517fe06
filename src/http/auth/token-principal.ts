import { isRole, type Principal } from '../../modules/authz/index.js';
import type { AuthenticatedToken } from '../../modules/oidc/index.js';

/**
 * The principal of an authenticated access token: a user or a service account of the token's org, with the roles
 * it still holds and its ABAC attributes. A service account's token carries no authentication methods; a user's
 * carries those of its sign-in (`hwk` only after a passkey ceremony).
 */
export function tokenPrincipal(token: AuthenticatedToken): Principal {
  const { region, projects } = token.attributes;
  return {
    kind: token.subject,
    id: token.subject === 'user' ? token.userId : token.serviceAccountId,
    orgId: token.orgId,
    roles: token.roles.filter(isRole),
    attributes: {
      ...(typeof region === 'string' ? { region } : {}),
      ...(Array.isArray(projects) ? { projects: projects.filter((p): p is string => typeof p === 'string') } : {}),
    },
    amr: token.subject === 'user' ? token.amr : [],
  };
}
