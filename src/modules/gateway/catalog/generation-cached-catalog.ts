import type { OrgId } from '../../../lib/ids.js';
import { GenerationCache, type OrgGenerations } from '../../../platform/cache-generation/index.js';
import type { ModelCatalog, ResolvedModel } from '../ports.js';

/** Dependencies of the cached catalogue. */
export interface GenerationCachedCatalogDeps {
  /** The catalogue that reads the database (routes over org models over built-in ones). */
  catalog: ModelCatalog;
  generations: Pick<OrgGenerations, 'current'>;
  /** Resolutions kept at most. */
  max?: number;
  /** How long a resolution (its provider instances hold decrypted credentials) is kept at most (ms). */
  ttlMs?: number;
}

/**
 * Model resolution cached per org and name under the org's cache generation: every write to gateway models, their
 * targets, provider connections and route versions bumps it in its own transaction (connections/repo.ts,
 * registry/versioned-store.ts), so a change applies from the first request that reads the new generation, on every
 * node. Listing (`GET /v1/models`) is not on the hot path and always reads.
 */
export class GenerationCachedCatalog implements ModelCatalog {
  // SECURITY: keys lead with the org id, and each value was resolved under that org's row-level security.
  readonly #resolved: GenerationCache<string, { model: ResolvedModel | null }>;

  constructor(private readonly deps: GenerationCachedCatalogDeps) {
    this.#resolved = new GenerationCache(deps.max ?? 10_000, deps.ttlMs ?? 60_000);
  }

  /** The model (or route) of this name as the underlying catalogue resolves it, from cache when still current. */
  async resolve(orgId: OrgId, name: string): Promise<ResolvedModel | null> {
    // INVARIANT: the generation is read before the rows, so an entry is never stamped newer than what it holds.
    const generation = await this.deps.generations.current(orgId);
    const key = `${orgId}\u0000${name}`;
    const cached = this.#resolved.get(key, generation);
    if (cached) return cached.model;
    const model = await this.deps.catalog.resolve(orgId, name);
    this.#resolved.set(key, generation, { model });
    return model;
  }

  /** The org's models, read afresh. */
  list(orgId: OrgId): Promise<ResolvedModel[]> {
    return this.deps.catalog.list(orgId);
  }
}
