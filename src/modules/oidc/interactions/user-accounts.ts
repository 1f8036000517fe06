import { errors } from 'oidc-provider';
import type { OrgId } from '../../../lib/ids.js';
import type { Db } from '../../../platform/db/index.js';
import { activeOwner } from '../../tenancy/index.js';
import { rolesForSignIn } from './sign-in-methods.js';

/**
 * The roles a user token carries in the client's org, read when the token is minted (at the code exchange and at
 * every refresh): the membership's current roles, less those the sign-in's methods do not earn (rolesForSignIn).
 * A user who is no longer an active member gets no token (`invalid_grant`).
 */
export async function userTokenRoles(
  db: Db,
  input: { orgId: string; userId: string; amr: readonly string[] },
): Promise<string[]> {
  const owner = await db.withTenant(input.orgId as OrgId, (sql) =>
    activeOwner(sql, { type: 'user', id: input.userId }),
  );
  if (!owner) throw new errors.InvalidGrant('the user is no longer a member of the application\u2019s org');
  return rolesForSignIn(owner.roles, input.amr);
}
