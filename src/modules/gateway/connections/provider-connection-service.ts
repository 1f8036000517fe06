import type { Clock } from '../../../lib/clock.js';
import { AppError } from '../../../lib/errors/index.js';
import { isId, newId, type OrgId } from '../../../lib/ids.js';
import type { Db, TenantSql } from '../../../platform/db/index.js';
import type { FieldCipher, FieldRef } from '../../../platform/vault/index.js';
import type { AuditActor, AuditLog } from '../../audit/index.js';
import { lockRouteTargets, routesTargetingModel } from '../routing/index.js';
import { checkProviderBaseUrl, type BaseUrlRules } from './check-provider-base-url.js';
import {
  MAX_TARGETS,
  type OrgModel,
  type OrgModelId,
  type OrgModelTarget,
  type ProviderConnection,
  type ProviderConnectionId,
  type ProviderKind,
  type ProviderOptions,
} from './provider-connection.js';
import {
  connectionIdByName,
  CREDENTIAL_COLUMN,
  CREDENTIAL_TABLE,
  deleteConnection,
  deleteModel,
  insertConnection,
  insertModel,
  modelIdByName,
  modelsUsingConnection,
  selectConnection,
  selectConnections,
  selectModel,
  selectModels,
  updateConnection,
} from './repo.js';

/** Dependencies of the provider connection use cases. */
export interface ProviderConnectionServiceDeps {
  db: Db;
  cipher: FieldCipher;
  audit: AuditLog;
  clock: Clock;
  baseUrlRules: BaseUrlRules;
  /** Called after a change commits-to-be (the catalogue drops cached providers of the org). */
  onChange?: (orgId: OrgId) => void;
}

/** A new connection. `credential` is required except for `openai-compatible`. */
export interface NewConnection {
  name: string;
  kind: ProviderKind;
  baseUrl?: string;
  credential?: string;
  options?: ProviderOptions;
}

/** A change to a connection; absent fields stay. `credential: null` removes the key (openai-compatible only). */
export interface ConnectionPatch {
  name?: string;
  baseUrl?: string;
  credential?: string | null;
  options?: ProviderOptions;
}

/** A new org model: public name, attributes and the fallback chain. */
export interface NewOrgModel {
  name: string;
  kind: 'chat' | 'embedding';
  /** Defaults to the first target's connection kind. */
  provider?: string;
  region: string;
  dataClassesAllowed: string[];
  targets: OrgModelTarget[];
}

/** Request facts every use case records. */
export interface UseCaseOptions {
  requestId?: string;
}

/** Default base URL per kind; `openai-compatible` has none (the server's URL is the point of it). */
export const DEFAULT_BASE_URLS: Readonly<Record<ProviderKind, string | undefined>> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  'openai-compatible': undefined,
};

const CREDENTIAL_MAX = 4096;

/** The field the credential ciphertext of a connection is bound to. */
export const credentialRef = (id: ProviderConnectionId): FieldRef => ({
  table: CREDENTIAL_TABLE,
  column: CREDENTIAL_COLUMN,
  rowId: id,
});

function invalid(field: string, message: string): AppError {
  return new AppError('gateway.provider_config_invalid', {
    publicMessage: `invalid ${field}: ${message}`,
    details: { issues: [{ field, message }] },
  });
}

const providerNotFound = () => new AppError('gateway.provider_not_found');
const modelNotFound = () => new AppError('gateway.org_model_not_found');

function checkCredential(value: string): string {
  if (value.length === 0 || value.length > CREDENTIAL_MAX)
    throw invalid('api_key', `1 to ${CREDENTIAL_MAX} characters`);
  // A header value cannot carry control characters; refusing them here keeps a bad key from failing every call later.
  if ([...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    throw invalid('api_key', 'must not contain control characters');
  return value;
}

function auditDetails(
  connection: Pick<ProviderConnection, 'name' | 'kind' | 'baseUrl' | 'options'>,
  hasCredential: boolean,
) {
  // SECURITY: what a connection event records; the credential itself never (nor a part or hash of it).
  return {
    name: connection.name,
    kind: connection.kind,
    base_url: connection.baseUrl,
    has_credential: hasCredential,
    ...(connection.options.organization ? { organization: connection.options.organization } : {}),
  };
}

/**
 * Use cases of the gateway's per-org provider connections and models. Mutations run in the caller's tenant
 * transaction and append their audit event there, so change and event commit together; reads open their own.
 * The credential is encrypted with the field cipher bound to its row and never returned, logged or audited.
 */
export class ProviderConnectionService {
  constructor(private readonly deps: ProviderConnectionServiceDeps) {}

  /** Creates a connection (`gateway.provider.created`). A taken name is `gateway.provider_name_taken`. */
  async createConnection(
    sql: TenantSql,
    actor: AuditActor,
    input: NewConnection,
    options: UseCaseOptions = {},
  ): Promise<ProviderConnection> {
    const baseUrl = checkProviderBaseUrl(input.baseUrl ?? DEFAULT_BASE_URLS[input.kind] ?? '', this.deps.baseUrlRules);
    if (input.kind !== 'openai-compatible' && input.credential === undefined)
      throw invalid('api_key', `required for a ${input.kind} connection`);
    if (await connectionIdByName(sql, input.name)) throw new AppError('gateway.provider_name_taken');
    const now = this.deps.clock.now();
    const id = newId('prv', now.getTime());
    const ciphertext =
      input.credential === undefined
        ? null
        : await this.deps.cipher.encrypt(sql, credentialRef(id), checkCredential(input.credential));
    const providerOptions = input.options ?? {};
    await insertConnection(sql, {
      id,
      name: input.name,
      kind: input.kind,
      baseUrl,
      ciphertext,
      options: providerOptions,
      at: now,
    });
    const connection: ProviderConnection = {
      id,
      name: input.name,
      kind: input.kind,
      baseUrl,
      hasCredential: ciphertext !== null,
      options: providerOptions,
      createdAt: now,
      updatedAt: now,
    };
    await this.#audit(
      sql,
      actor,
      'gateway.provider.created',
      id,
      auditDetails(connection, ciphertext !== null),
      options,
    );
    this.deps.onChange?.(sql.orgId);
    return connection;
  }

  /** Changes a connection's name, base URL, credential or options (`gateway.provider.updated`). */
  async updateConnection(
    sql: TenantSql,
    actor: AuditActor,
    id: string,
    patch: ConnectionPatch,
    options: UseCaseOptions = {},
  ): Promise<ProviderConnection> {
    if (!isId('prv', id)) throw providerNotFound();
    const stored = await selectConnection(sql, id, { forUpdate: true });
    if (!stored) throw providerNotFound();
    const current = stored.connection;
    const name = patch.name ?? current.name;
    if (name !== current.name && (await connectionIdByName(sql, name)))
      throw new AppError('gateway.provider_name_taken');
    const baseUrl =
      patch.baseUrl === undefined ? current.baseUrl : checkProviderBaseUrl(patch.baseUrl, this.deps.baseUrlRules);
    let ciphertext = stored.ciphertext;
    if (patch.credential === null) {
      if (current.kind !== 'openai-compatible') throw invalid('api_key', `required for a ${current.kind} connection`);
      ciphertext = null;
    } else if (patch.credential !== undefined) {
      ciphertext = await this.deps.cipher.encrypt(sql, credentialRef(id), checkCredential(patch.credential));
    }
    const providerOptions = patch.options ?? current.options;
    const now = this.deps.clock.now();
    await updateConnection(sql, id, { name, baseUrl, ciphertext, options: providerOptions, at: now });
    const updated: ProviderConnection = {
      ...current,
      name,
      baseUrl,
      hasCredential: ciphertext !== null,
      options: providerOptions,
      updatedAt: now,
    };
    await this.#audit(
      sql,
      actor,
      'gateway.provider.updated',
      id,
      {
        ...auditDetails(updated, ciphertext !== null),
        changed: Object.keys(patch)
          .map((k) => (k === 'credential' ? 'api_key' : k === 'baseUrl' ? 'base_url' : k))
          .sort(),
      },
      options,
    );
    this.deps.onChange?.(sql.orgId);
    return updated;
  }

  /** Deletes a connection (`gateway.provider.deleted`); one that is a model's target is `gateway.provider_in_use`. */
  async deleteConnection(sql: TenantSql, actor: AuditActor, id: string, options: UseCaseOptions = {}): Promise<void> {
    if (!isId('prv', id)) throw providerNotFound();
    const stored = await selectConnection(sql, id, { forUpdate: true });
    if (!stored) throw providerNotFound();
    const models = await modelsUsingConnection(sql, id);
    if (models.length)
      throw new AppError('gateway.provider_in_use', {
        publicMessage: `the provider connection is a target of ${models.length} model(s)`,
        details: { models },
      });
    await deleteConnection(sql, id);
    await this.#audit(
      sql,
      actor,
      'gateway.provider.deleted',
      id,
      auditDetails(stored.connection, stored.ciphertext !== null),
      options,
    );
    this.deps.onChange?.(sql.orgId);
  }

  /** One connection of the org, without its credential. */
  getConnection(orgId: OrgId, id: string): Promise<ProviderConnection> {
    return this.deps.db.withTenant(orgId, async (sql) => {
      const stored = isId('prv', id) ? await selectConnection(sql, id) : undefined;
      if (!stored) throw providerNotFound();
      return stored.connection;
    });
  }

  /** A page of the org's connections in id order. */
  listConnections(orgId: OrgId, page: { limit: number; afterId?: string }): Promise<ProviderConnection[]> {
    return this.deps.db.withTenant(orgId, (sql) => selectConnections(sql, page));
  }

  /** Creates an org model with its fallback chain (`gateway.model.created`). */
  async createModel(
    sql: TenantSql,
    actor: AuditActor,
    input: NewOrgModel,
    options: UseCaseOptions = {},
  ): Promise<OrgModel> {
    if (input.targets.length < 1 || input.targets.length > MAX_TARGETS)
      throw invalid('targets', `1 to ${MAX_TARGETS} targets`);
    const kinds: ProviderKind[] = [];
    for (const [i, target] of input.targets.entries()) {
      // INVARIANT: a connection id of another org is invisible under row-level security, so it is refused like an unknown one.
      const stored = isId('prv', target.connectionId) ? await selectConnection(sql, target.connectionId) : undefined;
      if (!stored) throw invalid(`targets[${i}].provider_id`, 'no provider connection with this id in the org');
      if (input.kind === 'embedding' && stored.connection.kind === 'anthropic')
        throw invalid(`targets[${i}].provider_id`, 'anthropic has no embeddings API');
      kinds.push(stored.connection.kind);
    }
    if (await modelIdByName(sql, input.name)) throw new AppError('gateway.model_name_taken');
    const now = this.deps.clock.now();
    const model: OrgModel = {
      id: newId('mdl', now.getTime()),
      name: input.name,
      kind: input.kind,
      provider: input.provider ?? kinds[0] ?? 'unknown',
      region: input.region,
      dataClassesAllowed: [...new Set(input.dataClassesAllowed)].sort(),
      targets: input.targets.map((t) => ({ connectionId: t.connectionId, upstreamModel: t.upstreamModel })),
      createdAt: now,
    };
    await insertModel(sql, model);
    await this.#audit(
      sql,
      actor,
      'gateway.model.created',
      model.id,
      {
        name: model.name,
        kind: model.kind,
        provider: model.provider,
        region: model.region,
        data_classes_allowed: model.dataClassesAllowed,
        targets: model.targets.map((t) => ({ provider_id: t.connectionId, upstream_model: t.upstreamModel })),
      },
      options,
    );
    this.deps.onChange?.(sql.orgId);
    return model;
  }

  /**
   * Deletes an org model and its chain (`gateway.model.deleted`); one that a route's head version targets or shadows is
   * `gateway.model_in_use`, so no route is left pointing at a model that no longer exists.
   */
  async deleteModel(sql: TenantSql, actor: AuditActor, id: string, options: UseCaseOptions = {}): Promise<void> {
    if (!isId('mdl', id)) throw modelNotFound();
    await lockRouteTargets(sql);
    const model = await selectModel(sql, id);
    if (!model) throw modelNotFound();
    const routes = await routesTargetingModel(sql, model.name);
    if (routes.length)
      throw new AppError('gateway.model_in_use', {
        publicMessage: `the model is a target of ${routes.length} route(s)`,
        details: { routes },
      });
    if (!(await deleteModel(sql, id))) throw modelNotFound();
    await this.#audit(sql, actor, 'gateway.model.deleted', id, { name: model.name }, options);
    this.deps.onChange?.(sql.orgId);
  }

  /** One org model by id. */
  getModel(orgId: OrgId, id: string): Promise<OrgModel> {
    return this.deps.db.withTenant(orgId, async (sql) => {
      const model = isId('mdl', id) ? await selectModel(sql, id as OrgModelId) : undefined;
      if (!model) throw modelNotFound();
      return model;
    });
  }

  /** A page of the org's models in id order. */
  listModels(orgId: OrgId, page: { limit: number; afterId?: string }): Promise<OrgModel[]> {
    return this.deps.db.withTenant(orgId, (sql) => selectModels(sql, page));
  }

  async #audit(
    sql: TenantSql,
    actor: AuditActor,
    action: string,
    id: string,
    details: Record<string, unknown>,
    options: UseCaseOptions,
  ): Promise<void> {
    await this.deps.audit.append(sql, [
      {
        orgId: sql.orgId,
        actor,
        action,
        resource: { type: action.startsWith('gateway.model.') ? 'Model' : 'ProviderConnection', id },
        decision: 'info',
        reasonCodes: [],
        requestId: options.requestId ?? null,
        details,
      },
    ]);
  }
}
