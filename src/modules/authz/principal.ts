import type { OrgId } from '../../lib/ids.js';
import type { Action } from './actions.js';

/** The built-in roles, most privileged first. */
export const roles = ['owner', 'admin', 'security', 'finance', 'developer', 'analyst', 'viewer', 'service'] as const;

/** A built-in role; what each may do is defined in policies/base/roles-*.cedar. */
export type Role = (typeof roles)[number];

/** What kind of caller a principal is. */
export type PrincipalKind = 'user' | 'service_account' | 'api_key';

/** Attributes of a principal used by attribute conditions (ABAC). */
export interface PrincipalAttributes {
  /** Data region the principal works in, e.g. `eu`. */
  region?: string;
  /** Projects the principal is assigned to. */
  projects?: readonly string[];
}

/** Who is asking: built from an access token or an API key by the authentication layer. */
export interface Principal {
  kind: PrincipalKind;
  /** `usr_…`, `svc_…` or `key_…`. */
  id: string;
  orgId: OrgId;
  roles: readonly Role[];
  attributes: PrincipalAttributes;
  /** API keys only: the actions the key is scoped to; a key may never do more than these. */
  scopes?: readonly Action[];
  /** Authentication methods (RFC 8176): `pwd`, `otp`, `hwk` (hardware key), `swk`, … */
  amr: readonly string[];
  /** API keys only: the user or service account the key acts for. */
  ownerId?: string;
}

const roleSet: ReadonlySet<string> = new Set(roles);

/** True when `value` is a built-in role. */
export function isRole(value: string): value is Role {
  return roleSet.has(value);
}
