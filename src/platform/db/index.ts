export type { Db, DbKind, PlatformSql, Sql, SqlResult, TenantSql } from './db.js';
export { claimEnvironment, type Environment } from './environment-tag.js';
export { migrate, migrationStatus, readMigrations, MIGRATIONS_DIR, type Migration } from './migrate.js';
export { openDb } from './open-db.js';
export { PgliteDb } from './pglite-db.js';
export { PostgresDb } from './postgres-db.js';
export { APP_ROLE } from './scoped-transaction.js';
export { databaseErrorCode } from './translate-db-error.js';
