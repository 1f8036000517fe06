import { performance } from 'node:perf_hooks';
import { isAppError } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import { invokeWithFallback } from '../breaker/invoke-with-fallback.js';
import type { ProviderCircuits } from '../breaker/provider-circuits.js';
import type { ChatCompletion, ChatRequest, MeterSubject, ResolvedModel, UsageMeter } from '../ports.js';
import { countTokens } from '../tokens.js';
import type { ShadowComparison } from './repo.js';

/** What a shadow call needs besides its input. */
export interface ShadowCallDeps {
  circuits: ProviderCircuits;
  meter: UsageMeter;
  record(orgId: OrgId, comparison: ShadowComparison): Promise<void>;
  now(): Date;
}

/** The primary's answer as the comparison sees it: sizes and latency, never kept as text. */
export interface PrimaryAnswer {
  model: string;
  text: string;
  tokens: number;
  latencyMs: number;
}

/** One shadow call: the route, the shadow model, the already-guarded upstream request and the primary's answer. */
export interface ShadowCallInput {
  orgId: OrgId;
  requestId: string;
  route: { name: string; version: number };
  shadow: ResolvedModel;
  /** The request exactly as the primary received it: after the input guard's redaction, with the prompt rendered. */
  request: ChatRequest;
  /** Who the shadow's usage is metered to (the caller's subject, with the shadow model). */
  subject: MeterSubject;
  /** Tokens reserved for the shadow call, and the prompt's share of them (when the upstream reports no usage). */
  estimatedTokens: number;
  promptTokens: number;
  primary: PrimaryAnswer;
  /** A reason code when the shadow may not run (policy denied it): recorded as skipped, nothing is sent. */
  skippedFor: string | null;
}

/** The usage and request id of a shadow call: the primary's id with `:shadow`, so usage rows show it as shadow traffic. */
export const shadowRequestId = (requestId: string): string => `${requestId}:shadow`;

function answerText(completion: ChatCompletion): string {
  return completion.choices[0]?.message.content ?? '';
}

/**
 * Sends the primary's upstream request to the shadow model behind its circuit, metered to the org under
 * `<request id>:shadow`, and records how its answer compared (exact match, characters, tokens, latency) or why it
 * failed or was skipped. INVARIANT: runs after the client has the primary's answer and never throws; its answer is
 * dropped after the comparison, so nothing of it can reach the client.
 */
export async function runShadowCall(deps: ShadowCallDeps, input: ShadowCallInput): Promise<void> {
  const base = {
    requestId: input.requestId,
    routeName: input.route.name,
    routeVersion: input.route.version,
    primaryModel: input.primary.model,
    shadowModel: input.shadow.name,
    primaryChars: input.primary.text.length,
    primaryTokens: input.primary.tokens,
    primaryLatencyMs: Math.round(input.primary.latencyMs),
  };
  const unanswered = (outcome: 'shadow_failed' | 'skipped', reasonCode: string): ShadowComparison => ({
    ...base,
    outcome,
    reasonCode,
    exactMatch: null,
    shadowChars: null,
    shadowTokens: null,
    shadowLatencyMs: null,
    createdAt: deps.now(),
  });
  let comparison: ShadowComparison;
  if (input.skippedFor !== null) comparison = unanswered('skipped', input.skippedFor);
  else comparison = await callShadow(deps, input, base, unanswered);
  try {
    await deps.record(input.orgId, comparison);
  } catch {
    // INVARIANT: the client's answer is already sent; a comparison that cannot be stored is lost, never retried
    // into the request path.
  }
}

async function callShadow(
  deps: ShadowCallDeps,
  input: ShadowCallInput,
  base: Omit<
    ShadowComparison,
    'outcome' | 'reasonCode' | 'exactMatch' | 'shadowChars' | 'shadowTokens' | 'shadowLatencyMs' | 'createdAt'
  >,
  unanswered: (outcome: 'shadow_failed' | 'skipped', reasonCode: string) => ShadowComparison,
): Promise<ShadowComparison> {
  const requestId = shadowRequestId(input.requestId);
  let reservation;
  try {
    reservation = await deps.meter.reserve(input.subject, requestId, input.estimatedTokens);
  } catch (error) {
    return unanswered('skipped', isAppError(error) ? error.code : 'internal.error');
  }
  const started = performance.now();
  const controller = new AbortController();
  try {
    const { value } = await invokeWithFallback(deps.circuits, input.shadow.targets, (target) =>
      target.provider.chat(
        { ...input.request, model: target.upstreamModel },
        { orgId: input.orgId, requestId, signal: controller.signal },
      ),
    );
    const latency = performance.now() - started;
    const text = answerText(value);
    const tokens = value.usage?.completion_tokens ?? countTokens(text);
    // A shadow call writes no audit event of its own: its comparison is stored (`record`) and the client's request
    // event names the shadow.
    await deps.meter.settle(
      reservation,
      { inputTokens: value.usage?.prompt_tokens ?? input.promptTokens, outputTokens: tokens },
      [],
    );
    return {
      ...base,
      outcome: 'compared',
      reasonCode: null,
      exactMatch: text === input.primary.text,
      shadowChars: text.length,
      shadowTokens: tokens,
      shadowLatencyMs: Math.round(latency),
      createdAt: deps.now(),
    };
  } catch (error) {
    await deps.meter.release(reservation, []).catch(() => undefined);
    return unanswered('shadow_failed', isAppError(error) ? error.code : 'internal.error');
  }
}
