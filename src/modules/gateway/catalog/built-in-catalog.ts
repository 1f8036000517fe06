import type { OrgId } from '../../../lib/ids.js';
import { PII_CLASSES } from '../../guard/index.js';
import type { ModelCatalog, ModelProvider, ResolvedModel } from '../ports.js';
import { LOCAL_CHAT_MODEL, LOCAL_EMBED_MODEL } from '../providers/local/local-models.js';

/**
 * The built-in models, the same for every org: the `local` provider's chat and embedding models. They run in
 * process, so nothing leaves the node: their `dataClassesAllowed` are the PII and PHI classes (never secrets).
 * The guard's default policy still blocks PII on input; an org that allows a class there may then send it here.
 */
export class BuiltInCatalog implements ModelCatalog {
  private readonly models: ReadonlyMap<string, ResolvedModel>;

  constructor(local: ModelProvider) {
    const model = (name: string, kind: 'chat' | 'embedding'): ResolvedModel => ({
      name,
      attributes: { provider: 'local', region: 'local', dataClassesAllowed: [...PII_CLASSES], kind, builtIn: true },
      targets: [{ provider: local, upstreamModel: name, circuitKey: `local/${name}` }],
    });
    this.models = new Map([
      [LOCAL_CHAT_MODEL, model(LOCAL_CHAT_MODEL, 'chat')],
      [LOCAL_EMBED_MODEL, model(LOCAL_EMBED_MODEL, 'embedding')],
    ]);
  }

  async resolve(_orgId: OrgId, name: string): Promise<ResolvedModel | null> {
    return this.models.get(name) ?? null;
  }

  async list(_orgId: OrgId): Promise<ResolvedModel[]> {
    return [...this.models.values()];
  }
}

/** A catalogue with no models (the built-in provider switched off and nothing else configured). */
export class EmptyCatalog implements ModelCatalog {
  async resolve(): Promise<ResolvedModel | null> {
    return null;
  }

  async list(): Promise<ResolvedModel[]> {
    return [];
  }
}
