import type { TenantSql } from '../../../platform/db/index.js';
import { modelKindByName } from '../connections/repo.js';
import type { ModelCatalog } from '../ports.js';

/**
 * The kind of a model a route may target: the org's own model of that name (read under `sql`'s row-level security,
 * so another org's model is unknown), else one of `fixed` (the built-in models; in tests, the test catalogue).
 */
export function modelKindIn(
  fixed: ModelCatalog,
): (sql: TenantSql, name: string) => Promise<'chat' | 'embedding' | null> {
  return async (sql, name) =>
    (await modelKindByName(sql, name)) ?? (await fixed.resolve(sql.orgId, name))?.attributes.kind ?? null;
}
