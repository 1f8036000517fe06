import type { OrgId } from '../../lib/ids.js';
import type { AuditEventInput } from '../audit/index.js';

// The gateway speaks OpenAI's chat wire format inside: every provider adapter maps to and from it. Fields are
// snake_case as on the wire; unknown request fields are not forwarded (schema.ts lists what passes through).

/** One part of a multi-part message content (text is all the guards read; other parts pass through). */
export type ChatContentPart = { type: 'text'; text: string } | { type: string; [field: string]: unknown };

/** A tool call the model asked for (OpenAI `tool_calls[]`). */
export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** One chat message (OpenAI `messages[]`). */
export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content: string | ChatContentPart[] | null;
  name?: string;
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
}

/** A chat completion request as a provider receives it: `model` is already the upstream model name. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: unknown[];
  tool_choice?: unknown;
  parallel_tool_calls?: boolean;
  response_format?: unknown;
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string | string[];
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  user?: string;
}

/** Token counts as OpenAI reports them. */
export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** A non-streamed chat completion (OpenAI `chat.completion`). */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: {
    index: number;
    message: { role: 'assistant'; content: string | null; tool_calls?: ChatToolCall[]; refusal?: string | null };
    finish_reason: 'stop' | 'length' | 'tool_calls' | 'content_filter' | null;
  }[];
  usage?: TokenUsage;
}

/** One streamed chunk (OpenAI `chat.completion.chunk`); the last chunk carries `usage`. */
export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: {
    index: number;
    delta: {
      role?: 'assistant';
      content?: string | null;
      tool_calls?: {
        index: number;
        id?: string;
        type?: 'function';
        function?: { name?: string; arguments?: string };
      }[];
    };
    finish_reason: 'stop' | 'length' | 'tool_calls' | 'content_filter' | null;
  }[];
  usage?: TokenUsage | null;
}

/** An embeddings request as a provider receives it. */
export interface EmbeddingRequest {
  model: string;
  input: string[];
  dimensions?: number;
  user?: string;
}

/** An embeddings response (OpenAI `list` of `embedding`), vectors as float arrays. */
export interface EmbeddingResponse {
  object: 'list';
  model: string;
  data: { object: 'embedding'; index: number; embedding: number[] }[];
  usage: { prompt_tokens: number; total_tokens: number };
}

/** What a provider call knows besides the request. */
export interface ProviderCallContext {
  orgId: OrgId;
  requestId: string;
  /** Aborted when the client goes away or the gateway's deadline passes. */
  signal: AbortSignal;
}

/**
 * A model provider adapter (`gateway/providers/<name>/`). Failures are thrown as `ProviderError`
 * (providers/provider-error.ts) so that retry, fallback and the circuit breaker can tell retryable from final.
 */
export interface ModelProvider {
  /** Stable provider kind: `local`, `openai`, `anthropic`, `openai-compatible`. */
  readonly kind: string;
  chat(request: ChatRequest, context: ProviderCallContext): Promise<ChatCompletion>;
  chatStream(request: ChatRequest, context: ProviderCallContext): AsyncIterable<ChatCompletionChunk>;
  embed(request: EmbeddingRequest, context: ProviderCallContext): Promise<EmbeddingResponse>;
}

/** Attributes of a model that policy reads (Cedar context `model`) and that pricing uses. */
export interface ModelAttributes {
  provider: string;
  /** Where the model is hosted (`eu`, `us`, `local`, …). */
  region: string;
  /** Guard classes that may be sent to this model (for example `pii.email`); empty means none. */
  dataClassesAllowed: string[];
  kind: 'chat' | 'embedding';
  /** True for the built-in deterministic model, so responses and listings can label it. */
  builtIn: boolean;
}

/** One upstream a model name resolves to, tried in order (the fallback chain). */
export interface ModelTarget {
  provider: ModelProvider;
  upstreamModel: string;
  /** Breaker key: one circuit per provider connection and model. */
  circuitKey: string;
}

/** A model name as an org sees it, resolved to its attributes and fallback chain. */
export interface ResolvedModel {
  /** The public model name the client sent. */
  name: string;
  attributes: ModelAttributes;
  targets: ModelTarget[];
  /** Set when the name is a model route: the pipeline picks an arm per request (routing/route-plan.ts). */
  route?: ResolvedRoute;
}

/** A model route's head version resolved to its arms (in fallback order) and its shadow model. */
export interface ResolvedRoute {
  name: string;
  version: number;
  arms: { model: ResolvedModel; weight: number }[];
  shadow: ResolvedModel | null;
}

/** Where model names come from: the built-in models plus the org's configured providers. */
export interface ModelCatalog {
  /** Null when the org has no model of that name (the caller renders `gateway.model_not_found`). */
  resolve(orgId: OrgId, name: string): Promise<ResolvedModel | null>;
  list(orgId: OrgId): Promise<ResolvedModel[]>;
}

/** Who a metered call is for. */
export interface MeterSubject {
  orgId: OrgId;
  /** Principal id (`usr_…`, `svc_…`) and the API key, when the call came with one. */
  principalId: string;
  apiKeyId: string | null;
  roles: readonly string[];
  model: string;
}

/** A reservation held for one request until it is settled or released. */
export interface UsageReservation {
  readonly requestId: string;
  readonly subject: MeterSubject;
  readonly reservedTokens: number;
}

/**
 * Quotas, rate limits and budgets around one gateway call. `reserve` fails closed: it throws `AppError` with a
 * gateway code (`gateway.rate_limited`, `gateway.quota_exceeded`, `gateway.budget_exceeded`,
 * `gateway.meter_unavailable`) when the call may not proceed. Settling is idempotent by request id.
 * `events` are the call's own audit events (none for a shadow call): they commit in the settlement's or the
 * release's transaction, or neither commits. `reserve` appends the events in `carried` (the call's records so far;
 * none for a shadow call) in the transaction that reserves or refuses the call, and takes them out of `carried` once
 * it commits.
 */
export interface UsageMeter {
  reserve(
    subject: MeterSubject,
    requestId: string,
    estimatedTokens: number,
    carried?: AuditEventInput[],
  ): Promise<UsageReservation>;
  settle(
    reservation: UsageReservation,
    usage: { inputTokens: number; outputTokens: number },
    events: readonly AuditEventInput[],
  ): Promise<void>;
  /** Returns the reservation unused (the call failed before the provider answered). */
  release(reservation: UsageReservation, events: readonly AuditEventInput[]): Promise<void>;
}
