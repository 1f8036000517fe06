/** Counts the database work of a bench's phases: transactions and the statements run in them (`trace` prints each). */
import type { Db, PlatformSql, Sql, TenantSql } from '../src/platform/db/index.js';

export interface DbCounts {
  transactions: number;
  statements: number;
  /** When set, each transaction and statement is printed (`trace=1`). */
  trace?: boolean;
}

export function countDb(db: Db): DbCounts {
  const counts: DbCounts = { transactions: 0, statements: 0 };
  const countQuery = <S extends Sql>(sql: S): S =>
    new Proxy(sql, {
      get(target, prop, receiver) {
        if (prop === 'query')
          return (text: string, params?: readonly unknown[]) => {
            counts.statements++;
            if (counts.trace) console.log(`    ${text.replace(/\s+/g, ' ').slice(0, 110)}`);
            return target.query(text, params);
          };
        if (prop === 'enterTenant')
          return async (orgId: TenantSql['orgId']) =>
            countQuery(await (target as unknown as PlatformSql).enterTenant(orgId));
        if (prop === 'inTenant')
          return (orgId: TenantSql['orgId'], fn: (t: TenantSql) => Promise<unknown>) =>
            (target as unknown as PlatformSql).inTenant(orgId, (t) => fn(countQuery(t)));
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
  const withTenant = db.withTenant.bind(db);
  const withPlatform = db.withPlatform.bind(db);
  db.withTenant = (orgId, fn) => {
    counts.transactions++;
    if (counts.trace) console.log('  tenant transaction');
    return withTenant(orgId, (sql) => fn(countQuery(sql)));
  };
  db.withPlatform = (fn) => {
    counts.transactions++;
    if (counts.trace) console.log('  platform transaction');
    return withPlatform((sql) => fn(countQuery(sql)));
  };
  return counts;
}
