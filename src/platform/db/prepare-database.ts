import type { OwnerDb } from './db.js';
import { claimEnvironment, type Environment } from './environment-tag.js';
import { migrate } from './migrate.js';
import { provisionServingLogin, type ProvisionOutcome, type ServingLogin } from './serving-login.js';

/** What preparing the database did. */
export interface PreparedDatabase {
  applied: number[];
  /** Set when a serving login was provisioned (PostgreSQL with a login named in DATABASE_URL). */
  servingLogin?: { user: string; outcome: ProvisionOutcome };
}

/**
 * The work of `bulwark migrate`, over the owner (migration) connection: apply pending migrations, tag or check the
 * environment, and make sure the serving login exists and may act as bulwark_app.
 */
export async function prepareDatabase(
  owner: OwnerDb,
  options: { environment: Environment; servingLogin?: ServingLogin },
): Promise<PreparedDatabase> {
  const applied = await migrate(owner);
  await claimEnvironment(owner, options.environment);
  if (options.servingLogin === undefined) return { applied };
  return {
    applied,
    servingLogin: {
      user: options.servingLogin.user,
      outcome: await provisionServingLogin(owner, options.servingLogin),
    },
  };
}
