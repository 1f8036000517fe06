export * from './ports.js';
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
