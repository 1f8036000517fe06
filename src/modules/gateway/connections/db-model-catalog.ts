import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { OrgId } from '../../../lib/ids.js';
import type { Db, TenantSql } from '../../../platform/db/index.js';
import type { FieldCipher } from '../../../platform/vault/index.js';
import type { ModelCatalog, ModelProvider, ModelTarget, ResolvedModel } from '../ports.js';
import type { ProviderHttpClient } from '../providers/http/provider-http-client.js';
import { createProvider } from './create-provider.js';
import { credentialRef } from './provider-connection-service.js';
import { selectResolvableTargets, type ResolvableTarget } from './repo.js';

/** Dependencies of the database-backed catalogue. */
export interface DbModelCatalogDeps {
  db: Db;
  cipher: FieldCipher;
  http: ProviderHttpClient;
  /** The built-in models (the `local` provider's), wired by main.ts; an org model of the same name takes precedence. */
  builtIn: ModelCatalog;
  /** How long a provider with its decrypted credential is kept in memory (ms). */
  providerTtlMs?: number;
  /** Providers kept at most. */
  maxProviders?: number;
}

/** A fixed list of models as a catalogue (for the built-in models, and tests). */
export function staticCatalog(models: readonly ResolvedModel[]): ModelCatalog {
  const byName = new Map(models.map((m) => [m.name, m]));
  return {
    resolve: async (_orgId, name) => byName.get(name) ?? null,
    list: async () => [...models],
  };
}

/** The circuit key of a target: one circuit per org, provider connection and upstream model. */
export function circuitKeyOf(orgId: OrgId, connectionId: string, upstreamModel: string): string {
  return `${orgId}/${connectionId}/${upstreamModel}`;
}

/**
 * The models an org can call: its own (gateway_models, read under its row-level security, each resolved to real
 * provider instances in chain order) and the built-in ones. Every lookup reads the rows (one query), so a change or a
 * deleted model takes effect on the next call on every node; only provider instances are cached, keyed by org,
 * connection and a digest of the ciphertext, base URL and options, so a new credential is used at once.
 */
export class DbModelCatalog implements ModelCatalog {
  // SECURITY: the cache holds decrypted credentials inside provider closures, briefly; its key starts with the org id
  // and the rows it is filled from were read under that org's row-level security, so no org reaches another's.
  readonly #providers: LRUCache<string, ModelProvider>;

  constructor(private readonly deps: DbModelCatalogDeps) {
    this.#providers = new LRUCache({ max: deps.maxProviders ?? 1_000, ttl: deps.providerTtlMs ?? 5 * 60_000 });
  }

  /** The org model of this name, else the built-in one, else null. */
  async resolve(orgId: OrgId, name: string): Promise<ResolvedModel | null> {
    const own = await this.deps.db.withTenant(orgId, async (sql) =>
      this.#resolveRows(sql, await selectResolvableTargets(sql, name)),
    );
    return own[0] ?? (await this.deps.builtIn.resolve(orgId, name));
  }

  /** The org's models, then the built-in ones it does not shadow. */
  async list(orgId: OrgId): Promise<ResolvedModel[]> {
    const own = await this.deps.db.withTenant(orgId, async (sql) =>
      this.#resolveRows(sql, await selectResolvableTargets(sql)),
    );
    const names = new Set(own.map((m) => m.name));
    const builtIn = (await this.deps.builtIn.list(orgId)).filter((m) => !names.has(m.name));
    return [...own, ...builtIn];
  }

  /** Drops the cached providers of an org (after its connections change). */
  invalidate(orgId: OrgId): void {
    for (const key of this.#providers.keys()) if (key.startsWith(`${orgId}/`)) this.#providers.delete(key);
  }

  async #resolveRows(sql: TenantSql, rows: ResolvableTarget[]): Promise<ResolvedModel[]> {
    const models = new Map<string, ResolvedModel>();
    for (const row of rows) {
      let model = models.get(row.model.name);
      if (!model) {
        model = {
          name: row.model.name,
          attributes: {
            provider: row.model.provider,
            region: row.model.region,
            dataClassesAllowed: row.model.dataClassesAllowed,
            kind: row.model.kind,
            builtIn: false,
          },
          targets: [],
        };
        models.set(row.model.name, model);
      }
      const target: ModelTarget = {
        provider: await this.#provider(sql, row),
        upstreamModel: row.upstreamModel,
        circuitKey: circuitKeyOf(sql.orgId, row.connection.connection.id, row.upstreamModel),
      };
      model.targets.push(target);
    }
    return [...models.values()];
  }

  async #provider(sql: TenantSql, row: ResolvableTarget): Promise<ModelProvider> {
    const { connection, ciphertext } = row.connection;
    const digest = createHash('sha256')
      .update(JSON.stringify([connection.kind, connection.baseUrl, connection.options, ciphertext]))
      .digest('base64url');
    const key = `${sql.orgId}/${connection.id}/${digest}`;
    const cached = this.#providers.get(key);
    if (cached) return cached;
    const credential =
      ciphertext === null ? null : await this.deps.cipher.decryptString(sql, credentialRef(connection.id), ciphertext);
    const options: Record<string, string> = {};
    for (const [k, v] of Object.entries(connection.options)) if (typeof v === 'string') options[k] = v;
    const provider = createProvider(
      connection.kind,
      { baseUrl: connection.baseUrl, credential, options },
      this.deps.http,
    );
    this.#providers.set(key, provider);
    return provider;
  }
}
