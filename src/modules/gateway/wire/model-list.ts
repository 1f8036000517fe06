import type { ResolvedModel } from '../ports.js';

/** One entry of `GET /v1/models` (OpenAI's `model` object, plus what Bulwark knows about it). */
export interface ModelListEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  /** Bulwark extension: `chat` or `embedding`, the provider and whether it is the built-in deterministic model. */
  bulwark: { kind: 'chat' | 'embedding'; provider: string; region: string; built_in: boolean };
}

/** The `GET /v1/models` list of the given models. */
export function modelList(models: readonly ResolvedModel[]): { object: 'list'; data: ModelListEntry[] } {
  return {
    object: 'list',
    data: models.map((m) => ({
      id: m.name,
      object: 'model',
      created: 0,
      owned_by: m.attributes.builtIn ? 'bulwark-built-in' : m.attributes.provider,
      bulwark: {
        kind: m.attributes.kind,
        provider: m.attributes.provider,
        region: m.attributes.region,
        built_in: m.attributes.builtIn,
      },
    })),
  };
}
