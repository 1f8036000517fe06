import { VersionedStore, type RegistryHead, type Versioned } from '../registry/versioned-store.js';
import type { PromptContent, PromptVariable } from './prompt-template.js';

/** One immutable version of a prompt. */
export type PromptVersion = Versioned<PromptContent>;

/** A prompt's head: its name and current version number. */
export type PromptHead = RegistryHead;

interface VariableRow {
  name: string;
  max_length: number;
  required: boolean;
}

const variablesJson = (variables: readonly PromptVariable[]) =>
  JSON.stringify(variables.map((v) => ({ name: v.name, max_length: v.maxLength, required: v.required })));

/** Where prompts live: `gateway_prompts` heads and `gateway_prompt_versions` (migration 0016). */
export const promptStore = new VersionedStore<PromptContent>({
  heads: 'gateway_prompts',
  versions: 'gateway_prompt_versions',
  nameColumn: 'prompt_name',
  contentColumns: ['template', 'variables'],
  toRow: (content) => [content.template, variablesJson(content.variables)],
  fromRow: (row) => ({
    template: row.template as string,
    variables: (row.variables as VariableRow[]).map((v) => ({
      name: v.name,
      maxLength: v.max_length,
      required: v.required,
    })),
  }),
});
