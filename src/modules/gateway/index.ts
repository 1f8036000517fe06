// Metering: usage, quotas, rate limits, budgets, caps and the cost guard (G3).
export * from './metering/index.js';
// G2: providers, outbound calls, breakers, fallback, per-org provider connections.
export { ProviderError, type ProviderFailure } from './providers/provider-error.js';
export {
  DEFAULT_HTTP_CLIENT_OPTIONS,
  DEFAULT_OUTBOUND_TIMEOUTS,
  ProviderCallAborted,
  ProviderHttpClient,
  type OutboundTimeouts,
  type ProviderHttpClientOptions,
} from './providers/http/provider-http-client.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './providers/http/retry-policy.js';
export { parseSse, SseParser, type SseEvent } from './providers/http/sse-parser.js';
export { createOpenAiProvider } from './providers/openai/index.js';
export { createAnthropicProvider } from './providers/anthropic/index.js';
export { createOpenAiCompatibleProvider } from './providers/openai-compatible/index.js';
export {
  CircuitOpenError,
  DEFAULT_CIRCUIT_SETTINGS,
  ProviderCircuits,
  type CircuitSettings,
  type CircuitStateChange,
} from './breaker/provider-circuits.js';
export {
  gatewayErrorFor,
  invokeWithFallback,
  primeStream,
  type FallbackResult,
  type TargetAttempt,
} from './breaker/invoke-with-fallback.js';
export { checkProviderBaseUrl, isLoopbackHost } from './connections/check-provider-base-url.js';
export {
  circuitKeyOf,
  DbModelCatalog,
  staticCatalog,
  type DbModelCatalogDeps,
} from './connections/db-model-catalog.js';
export {
  ProviderConnectionService,
  type ConnectionPatch,
  type NewConnection,
  type NewOrgModel,
  type ProviderConnectionServiceDeps,
} from './connections/provider-connection-service.js';
export type {
  OrgModel,
  OrgModelId,
  ProviderConnection,
  ProviderConnectionId,
  ProviderKind,
} from './connections/provider-connection.js';
export {
  createModelBodySchema,
  createProviderBodySchema,
  orgModelSchema,
  providerSchema,
  toOrgModelWire,
  toProviderWire,
  updateProviderBodySchema,
} from './connections/schema.js';
export type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatContentPart,
  ChatMessage,
  ChatRequest,
  ChatToolCall,
  EmbeddingRequest,
  EmbeddingResponse,
  MeterSubject,
  ModelAttributes,
  ModelCatalog,
  ModelProvider,
  ModelTarget,
  ProviderCallContext,
  ResolvedModel,
  TokenUsage,
  UsageMeter,
  UsageReservation,
} from './ports.js';
export { LocalProvider } from './providers/local/local-provider.js';
export {
  LOCAL_CHAT_MODEL,
  LOCAL_EMBED_MODEL,
  LOCAL_EMBED_DIMENSIONS,
  LOCAL_LABEL,
} from './providers/local/local-models.js';
export { localEmbedding } from './providers/local/local-embedding.js';
export { BuiltInCatalog, EmptyCatalog } from './catalog/built-in-catalog.js';
export { GenerationCachedCatalog } from './catalog/generation-cached-catalog.js';
export { countTokens, countMessageTokens } from './tokens.js';
export { GatewayService, type ChatExtensions, type GatewayServiceDeps } from './pipeline/gateway-service.js';
// Prompt registry and model routes (versions, rollback, canary, shadow).
export * from './prompts/index.js';
export * from './routing/index.js';

export type { GatewayCall } from './pipeline/gateway-call.js';
export { findCrossTenantRequest, type CrossTenantReason, type OwnOrg } from './pipeline/cross-tenant.js';
export { modelCallContext, decideModelCall } from './pipeline/model-policy.js';
export {
  chatCompletionBodySchema,
  responsesBodySchema,
  embeddingsBodySchema,
  MAX_REQUEST_TEXT,
  type ChatCompletionBody,
  type ResponsesBody,
  type EmbeddingsBody,
} from './wire/request-schemas.js';
export {
  responsesToChat,
  chatToResponse,
  chatStreamToResponses,
  type ResponseObject,
  type ResponsesStreamEvent,
} from './wire/responses-mapping.js';
export { encodeEmbeddings, vectorToBase64 } from './wire/embedding-encoding.js';
export { modelList, type ModelListEntry } from './wire/model-list.js';
// Retrieval: per-org documents, exact cosine search under row-level security, Cedar per document, chat grounding.
export {
  RetrievalService,
  type InTenantTransaction,
  type NewDocument,
  type RetrievalQuery,
  type RetrievalServiceDeps,
} from './retrieval/retrieval-service.js';
export type { ChunkHit, DocumentAttributes, DocumentId, StoredDocument } from './retrieval/document.js';
export {
  createDocumentBodySchema,
  documentSchema,
  documentWithTextSchema,
  searchBodySchema,
  searchResultSchema,
  toDocumentWire,
  toSearchWire,
  MAX_DOCUMENT_TEXT,
  MAX_TOP_K,
  type ChatRetrieval,
} from './retrieval/schema.js';
