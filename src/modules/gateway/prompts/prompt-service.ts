import { AppError } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import { diffPromptVersions } from './prompt-diff.js';
import { checkPromptContent, renderPrompt, type PromptContent } from './prompt-template.js';
import {
  VersionedRegistry,
  type RegistryChangeOptions,
  type RegistryKind,
  type VersionedRegistryDeps,
} from '../registry/versioned-registry.js';
import { promptStore } from './repo.js';

/** Dependencies of the prompt registry. */
export type PromptServiceDeps = VersionedRegistryDeps;

/** Who changes a prompt, and the request it came with. */
export type PromptChangeOptions = RegistryChangeOptions;

/** A prompt as a chat request names it: a name, a version (the head when absent) and the variables' values. */
export interface PromptRef {
  name: string;
  version?: number;
  variables?: Record<string, string>;
}

/** A rendered prompt: the text and the version it came from. */
export interface RenderedPrompt {
  name: string;
  version: number;
  text: string;
}

/** Valid prompt names (the migration checks the same). */
export const PROMPT_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/** The prompt registry's place among the versioned registries. */
const prompts: RegistryKind<PromptContent> = {
  store: promptStore,
  noun: 'prompt',
  resourceType: 'Prompt',
  namePattern: PROMPT_NAME,
  invalidName: () =>
    new AppError('gateway.prompt_invalid', {
      publicMessage: 'invalid name: lowercase letters, digits and . _ - (at most 100)',
      details: { issues: [{ field: 'name', message: 'lowercase letters, digits and . _ - (at most 100)' }] },
    }),
  codes: {
    notFound: 'gateway.prompt_not_found',
    versionNotFound: 'gateway.prompt_version_not_found',
    nameTaken: 'gateway.prompt_name_taken',
  },
  check: (_sql, content) => checkPromptContent(content),
  // The template itself is not audited (it may be long and is kept in its version row); its size and variables are.
  auditDetails: (content) => ({
    template_chars: content.template.length,
    variables: content.variables.map((v) => v.name),
  }),
  contentOf: (version) => ({ template: version.template, variables: version.variables }),
};

/**
 * The prompt registry: named prompt templates with immutable versions, diff and rollback (`gateway.prompt.created`,
 * `.version_created`, `.rolled_back`; see {@link VersionedRegistry}).
 */
export class PromptService extends VersionedRegistry<PromptContent> {
  constructor(deps: PromptServiceDeps) {
    super(deps, prompts);
  }

  /** A unified diff between two versions of a prompt. */
  async diff(
    orgId: OrgId,
    name: string,
    from: number,
    to: number,
  ): Promise<{ from: number; to: number; diff: string }> {
    const [a, b] = [await this.get(orgId, name, from), await this.get(orgId, name, to)];
    return { from, to, diff: diffPromptVersions(a, b) };
  }

  /** Renders a prompt version with the caller's variables (for a chat request's `bulwark.prompt`). */
  async render(orgId: OrgId, ref: PromptRef): Promise<RenderedPrompt> {
    const version = await this.get(orgId, ref.name, ref.version);
    return { name: version.name, version: version.version, text: renderPrompt(version, ref.variables ?? {}) };
  }
}
