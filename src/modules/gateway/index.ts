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
export { ProviderError, type ProviderFailure } from './providers/provider-error.js';
export { LocalProvider } from './providers/local/local-provider.js';
export {
  LOCAL_CHAT_MODEL,
  LOCAL_EMBED_MODEL,
  LOCAL_EMBED_DIMENSIONS,
  LOCAL_LABEL,
} from './providers/local/local-models.js';
export { localEmbedding } from './providers/local/local-embedding.js';
export { BuiltInCatalog, EmptyCatalog } from './catalog/built-in-catalog.js';
export { UnmeteredUsageMeter } from './metering-placeholder.js';
export { countTokens, countMessageTokens } from './tokens.js';
export { GatewayService, type GatewayServiceDeps } from './pipeline/gateway-service.js';
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
