export {
  isOwnerDb,
  type CommitNotice,
  type Db,
  type DbKind,
  type OwnerDb,
  type PlatformSql,
  type PushedCommits,
  type Sql,
  type SqlResult,
  type TenantSql,
} from './db.js';
export { lockDataDir, type DataDirLock } from './data-dir-lock.js';
export { checkEnvironment, claimEnvironment, type Environment } from './environment-tag.js';
export { migrate, migrationStatus, readMigrations, MIGRATIONS_DIR, type Migration } from './migrate.js';
export { openDb, openMigrationDb, servingLoginOf } from './open-db.js';
export { PgliteDb } from './pglite-db.js';
export { PostgresDb, PostgresOwnerDb } from './postgres-db.js';
export { prepareDatabase, type PreparedDatabase } from './prepare-database.js';
export { APP_ROLE } from './scoped-transaction.js';
export {
  installTenantContextKey,
  keyTenantContext,
  readTenantContextKeyId,
  TenantContextSigner,
  type TenantContextKeySource,
} from './tenant-context-key.js';
export {
  provisionServingLogin,
  servingLoginFromUrl,
  type ProvisionOutcome,
  type ServingLogin,
} from './serving-login.js';
export { assertServingRoleSafe, inspectServingRole, type ServingRoleReport } from './serving-role.js';
export { databaseErrorCode } from './translate-db-error.js';
