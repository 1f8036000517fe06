// The prompt registry: versioned templates, diff, rollback, rendering into chat requests.
export {
  PromptService,
  type PromptChangeOptions,
  type PromptRef,
  type PromptServiceDeps,
  type RenderedPrompt,
} from './prompt-service.js';
export type { PromptContent, PromptVariable } from './prompt-template.js';
export type { PromptHead, PromptVersion } from './repo.js';
export {
  createPromptBodySchema,
  promptContentOf,
  promptContentSchema,
  promptHeadSchema,
  promptNameSchema,
  promptVersionSchema,
  rollbackBodySchema,
  toPromptHeadWire,
  toPromptVersionWire,
} from './schema.js';
