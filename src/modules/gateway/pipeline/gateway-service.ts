import { performance } from 'node:perf_hooks';
import type { Clock } from '../../../lib/clock.js';
import { AppError, isAppError } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import type { Db } from '../../../platform/db/index.js';
import type { AuditDecision, AuditEventInput } from '../../audit/index.js';
import { actorOf, type AuthzEngine, type Principal } from '../../authz/index.js';
import { planAllows, readEntitlements } from '../../billing/index.js';
import {
  createSecretsDetector,
  type GuardFinding,
  type GuardResult,
  type GuardScanInput,
  type GuardService,
  type QuarantineService,
} from '../../guard/index.js';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatRequest,
  EmbeddingRequest,
  EmbeddingResponse,
  MeterSubject,
  ModelCatalog,
  ModelTarget,
  ResolvedModel,
  UsageMeter,
  UsageReservation,
} from '../ports.js';
import { ProviderError } from '../providers/provider-error.js';
import { CircuitOpenError, type ProviderCircuits } from '../breaker/provider-circuits.js';
import { primeStream } from '../breaker/invoke-with-fallback.js';
import type { PromptRef, RenderedPrompt } from '../prompts/index.js';
import type { ShadowComparison } from '../routing/repo.js';
import { planRoute, type RoutePlan } from '../routing/route-plan.js';
import { runShadowCall } from '../routing/shadow-call.js';
import { countTokens } from '../tokens.js';
import { MAX_REQUEST_TEXT } from '../wire/request-schemas.js';
import { findCrossTenantRequest } from './cross-tenant.js';
import type { GatewayCall } from './gateway-call.js';
import { guardOutage, onlyUnavailable } from './guard-outage.js';
import { decideModelCall } from './model-policy.js';
import {
  applyRewrite,
  joinOutputTexts,
  joinTexts,
  promptText,
  splitTexts,
  systemPrompt,
  type JoinedTexts,
} from './prompt-segments.js';
import { RequestTrace, type StepRecord } from './request-trace.js';
import { holdBack, type HoldBackOutcome } from './stream-holdback.js';

/** Dependencies of the gateway pipeline; built by the composition root. */
export interface GatewayServiceDeps {
  db: Db;
  catalog: ModelCatalog;
  meter: UsageMeter;
  guard: GuardService;
  quarantine: QuarantineService;
  engine: AuthzEngine;
  /** Appends one event through the audit group commit; resolves once it is stored. */
  recordEvent(event: AuditEventInput): Promise<void>;
  /** The caller's own org slug, so a prompt naming it is not taken for a cross-tenant request. */
  orgSlug(orgId: OrgId): Promise<string | null>;
  /** Characters of streamed output held back until scanned (`gateway.streamHoldBackChars`). */
  holdBackChars: number;
  /** Circuit breakers per provider target (non-streamed calls and embeddings run behind them). */
  circuits: ProviderCircuits;
  clock: Clock;
  /** The prompt registry, for a chat request's `bulwark.prompt`. */
  prompts: { render(orgId: OrgId, ref: PromptRef): Promise<RenderedPrompt> };
  /** Where shadow comparisons of model routes are stored. */
  recordShadow(orgId: OrgId, comparison: ShadowComparison): Promise<void>;
}

/** Bulwark's extensions of a chat request (its `bulwark` object), never forwarded upstream. */
export interface ChatExtensions {
  prompt?: PromptRef;
}

const SECRET_SCANNER = createSecretsDetector();

/** Tokens reserved for the answer when the request sets no `max_tokens`. */
const DEFAULT_ANSWER_TOKENS = 1_024;

interface Admitted {
  model: ResolvedModel;
  request: ChatRequest;
  prompt: string;
  reservation: UsageReservation;
  controller: AbortController;
  /** The route plan when the model name is a route, with its shadow when policy lets the shadow run. */
  route: { plan: RoutePlan; shadowSkippedFor: string | null } | null;
}

function violates(result: GuardResult): boolean {
  return result.verdict === 'block' || result.verdict === 'quarantine';
}

function outcomeOf(error: unknown): AuditDecision {
  if (!isAppError(error)) return 'error';
  if (error.code === 'gateway.model_policy_denied' || error.code === 'gateway.model_not_found') return 'deny';
  if (error.code === 'gateway.output_blocked') return 'quarantine';
  if (error.status >= 500 || error.code === 'gateway.provider_rate_limited') return 'error';
  return 'block';
}

function providerFailure(error: ProviderError): AppError {
  if (error.failure === 'rate_limited')
    return new AppError('gateway.provider_rate_limited', {
      publicMessage: 'the model provider is rate limiting; retry later',
      ...(error.retryAfterSeconds !== null ? { details: { retry_after_seconds: error.retryAfterSeconds } } : {}),
      cause: error,
    });
  if (error.failure === 'rejected')
    return new AppError('http.bad_request', { publicMessage: 'the model provider rejected the request', cause: error });
  return new AppError('gateway.provider_error', { cause: error });
}

// Tries the targets in order, each behind its circuit breaker: an open circuit is skipped, a retryable failure moves
// on to the next target; the last failure is what the client gets, `gateway.circuit_open` when every circuit was open.
async function firstAnswer<T>(
  circuits: ProviderCircuits,
  targets: readonly ModelTarget[],
  call: (target: ModelTarget) => Promise<T>,
): Promise<T> {
  if (targets.length === 0) throw providerFailure(new ProviderError('unreachable', 'the model has no provider target'));
  let last: unknown;
  for (const target of targets) {
    try {
      return await circuits.run(target.circuitKey, () => call(target));
    } catch (error) {
      if (error instanceof CircuitOpenError) continue;
      last = error;
      if (!(error instanceof ProviderError) || !error.retryable) break;
    }
  }
  if (last === undefined) throw new AppError('gateway.circuit_open');
  throw last instanceof ProviderError ? providerFailure(last) : last;
}

function unjoinable(field: string): AppError {
  return new AppError('http.bad_request', {
    publicMessage: 'the texts of the request cannot be scanned apart (too many separator-like lines)',
    details: { issues: [{ field: `body.${field}`, message: 'texts cannot be told apart' }] },
  });
}

function mustJoin(texts: readonly string[], field: string): JoinedTexts {
  const joined = joinTexts(texts);
  if (joined === null) throw unjoinable(field);
  return joined;
}

function refuseOversized(text: string, field: string): void {
  if (text.length > MAX_REQUEST_TEXT)
    throw new AppError('http.bad_request', {
      publicMessage: `the request carries more than ${MAX_REQUEST_TEXT} characters of text`,
      details: { issues: [{ field: `body.${field}`, message: `at most ${MAX_REQUEST_TEXT} characters in all` }] },
    });
}

function linkedController(signal: AbortSignal): AbortController {
  const controller = new AbortController();
  if (signal.aborted) controller.abort();
  else signal.addEventListener('abort', () => controller.abort(), { once: true });
  return controller;
}

/**
 * The gateway's use cases: one model call each, through the pipeline of DESIGN.md. Per request: resolve the model,
 * refuse cross-tenant prompts, input guards (block, or redact what goes upstream), Cedar on `invoke:models` with the
 * findings and the model's attributes, reserve usage, call the provider, output guards (quarantine), settle, and one
 * audit event with every step's decision and reason codes.
 */
export class GatewayService {
  readonly #shadows = new Set<Promise<void>>();

  constructor(private readonly deps: GatewayServiceDeps) {}

  /** A non-streamed chat completion (`model` is the public name the client sent). */
  async chat(
    call: GatewayCall,
    request: ChatRequest,
    endpoint: 'chat.completions' | 'responses' = 'chat.completions',
    extensions: ChatExtensions = {},
  ): Promise<ChatCompletion> {
    const trace = new RequestTrace(call, endpoint, false);
    return this.traced(trace, request.model, async () => {
      const admitted = await this.admitChat(call, trace, request, extensions);
      let completion: ChatCompletion;
      const started = performance.now();
      try {
        completion = await firstAnswer(this.deps.circuits, admitted.model.targets, (target) =>
          target.provider.chat(
            { ...admitted.request, model: target.upstreamModel },
            { orgId: call.principal.orgId, requestId: call.requestId, signal: admitted.controller.signal },
          ),
        );
        trace.step('provider', 'answered');
      } catch (error) {
        trace.step('provider', 'failed', [isAppError(error) ? error.code : 'internal.error']);
        await this.finish(trace, admitted.reservation, null, (done) =>
          this.outcomeEvent(trace, request.model, { error }, done),
        );
        throw error;
      }
      const usage = completion.usage ?? {
        prompt_tokens: countTokens(admitted.prompt),
        completion_tokens: 0,
        total_tokens: countTokens(admitted.prompt),
      };
      this.startShadow(call, admitted, completion, usage.completion_tokens, performance.now() - started);
      // A withheld answer is charged too: the provider produced it.
      const guarded = await this.guardChatOutput(call, trace, admitted, completion).then(
        (answer) => ({ answer, failure: null }),
        (error: unknown) => ({ answer: null, failure: { error } }),
      );
      trace.note({ input_tokens: usage.prompt_tokens, output_tokens: usage.completion_tokens });
      await this.finish(
        trace,
        admitted.reservation,
        { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens },
        (done) => this.outcomeEvent(trace, request.model, guarded.failure, done),
      );
      if (guarded.answer === null) throw guarded.failure?.error;
      return { ...guarded.answer, model: request.model };
    });
  }

  /**
   * A streamed chat completion. Everything up to the provider call runs before this resolves (so refusals are
   * ordinary HTTP errors); the returned stream releases output only after the hold-back scanned it and throws
   * `AppError` (after the released part) when the output guard stops it or the provider fails.
   */
  async chatStream(
    call: GatewayCall,
    request: ChatRequest,
    options: { includeUsage: boolean; endpoint?: 'chat.completions' | 'responses'; extensions?: ChatExtensions },
  ): Promise<AsyncGenerator<ChatCompletionChunk>> {
    const trace = new RequestTrace(call, options.endpoint ?? 'chat.completions', true);
    const admitted = await this.traced(trace, request.model, () =>
      this.admitChat(call, trace, request, options.extensions ?? {}),
    );
    // A stream is released to the client as it arrives; shadowing it is left out (the route's shadow runs on
    // non-streamed chat completions only).
    if (admitted.route?.plan.shadow) trace.note({ shadow: 'not_run_for_stream' });
    return this.streamAdmitted(call, trace, admitted, request.model, options.includeUsage);
  }

  /** Embeddings of each input string (`model` is the public name). */
  async embed(call: GatewayCall, request: EmbeddingRequest): Promise<EmbeddingResponse> {
    const trace = new RequestTrace(call, 'embeddings', false);
    return this.traced(trace, request.model, async () => {
      const model = await this.resolve(call, trace, request.model, 'embedding');
      const joined = mustJoin(request.input, 'input');
      refuseOversized(joined.joined, 'input');
      this.refuseCrossTenant(call, trace, await this.ownSlug(call.principal.orgId), joined.joined);
      const scan = await this.scanInput(call, trace, joined.joined);
      const input = scan.result.transformed !== undefined ? splitTexts(joined, scan.result.transformed) : request.input;
      if (input === null) throw this.blocked(trace, scan.result);
      await this.authorize(call, trace, model, scan.result.findings, input.join('\n'));
      const tokens = countTokens(input.join('\n'));
      const reservation = await this.reserve(call, trace, model, tokens);
      const controller = linkedController(call.signal);
      let response: EmbeddingResponse;
      try {
        response = await firstAnswer(this.deps.circuits, model.targets, (target) =>
          target.provider.embed(
            { ...request, input, model: target.upstreamModel },
            { orgId: call.principal.orgId, requestId: call.requestId, signal: controller.signal },
          ),
        );
        trace.step('provider', 'answered');
      } catch (error) {
        trace.step('provider', 'failed', [isAppError(error) ? error.code : 'internal.error']);
        await this.finish(trace, reservation, null, (done) => this.outcomeEvent(trace, request.model, { error }, done));
        throw error;
      }
      // Vectors carry no text to scan.
      trace.step('output_guard', 'not_applicable');
      trace.note({ input_tokens: response.usage.prompt_tokens, inputs: input.length });
      await this.finish(trace, reservation, { inputTokens: response.usage.prompt_tokens, outputTokens: 0 }, (done) =>
        this.outcomeEvent(trace, request.model, null, done),
      );
      return { ...response, model: request.model };
    });
  }

  /** The models the caller may invoke: the org's catalogue filtered by Cedar (`invoke:models`, no data classes). */
  async listModels(principal: Principal, ip: string): Promise<ResolvedModel[]> {
    const models = await this.deps.catalog.list(principal.orgId);
    return models.filter((model) => decideModelCall(this.deps.engine, principal, model, [], ip).decision === 'allow');
  }

  // Runs `fn` and, when it fails before the request's event was stored with its settlement or release (`finish`),
  // writes the event through the buffer before the client hears of the failure. A success always went through
  // `finish` (streams finish when they end).
  private async traced<T>(trace: RequestTrace, model: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (!trace.recorded) await this.record([...trace.carried, this.outcomeEvent(trace, model, { error })]);
      throw error;
    }
  }

  /**
   * Settles the call's usage (or releases its reservation when `usage` is null) and stores the request's audit
   * event, with the events its steps carried, in the same transaction; `eventWith` builds the event as it reads once
   * the settlement step is done.
   * SECURITY: a call is never charged without its record nor recorded without its charge. When the two cannot
   * commit, the step is traced as failed and the error goes on to the caller (which records the failure).
   */
  private async finish(
    trace: RequestTrace,
    reservation: UsageReservation,
    usage: { inputTokens: number; outputTokens: number } | null,
    eventWith: (done: StepRecord[]) => AuditEventInput,
  ): Promise<void> {
    const done: StepRecord = { step: 'meter_settle', decision: usage ? 'settled' : 'released', reasons: [] };
    const events = [...trace.carried, eventWith([done])];
    try {
      if (usage) await this.deps.meter.settle(reservation, usage, events);
      else await this.deps.meter.release(reservation, events);
    } catch (error) {
      trace.step('meter_settle', 'failed', [isAppError(error) ? error.code : 'internal.error']);
      throw error;
    }
    trace.step(done.step, done.decision);
    trace.recorded = true;
  }

  // The request's event: its failure when `failure` is set, else allow (redact when a guard rewrote text).
  private outcomeEvent(
    trace: RequestTrace,
    model: string,
    failure: { error: unknown } | null,
    then: StepRecord[] = [],
  ): AuditEventInput {
    if (failure) {
      const code = isAppError(failure.error) ? failure.error.code : 'internal.error';
      return trace.toEvent(outcomeOf(failure.error), model, [code], then);
    }
    const redacted = trace.steps.some((s) => s.decision === 'redact');
    return trace.toEvent(redacted ? 'redact' : 'allow', model, this.reasonsOf(trace), then);
  }

  private reasonsOf(trace: RequestTrace): string[] {
    return [...new Set(trace.steps.flatMap((s) => s.reasons))];
  }

  // Waits for every write to end, so none is still landing after the caller has been told the record failed.
  private async record(events: readonly AuditEventInput[]): Promise<void> {
    const writes = await Promise.allSettled(events.map((event) => this.deps.recordEvent(event)));
    const failed = writes.find((write) => write.status === 'rejected');
    if (failed) throw new AppError('audit.write_failed', { cause: failed.reason });
  }

  // The output scan's verdict is carried to the call's settlement, which commits right after it: one durable commit
  // fewer per call.
  private async scanOutput(call: GatewayCall, trace: RequestTrace, input: GuardScanInput) {
    const scan = await this.deps.guard.scanForCaller(
      call.principal.orgId,
      input,
      actorOf(call.principal),
      call.requestId,
    );
    if (scan.unrecorded) trace.carried.push(scan.unrecorded);
    return scan;
  }

  private async ownSlug(orgId: OrgId): Promise<string | null> {
    return this.deps.orgSlug(orgId);
  }

  private async resolve(
    call: GatewayCall,
    trace: RequestTrace,
    name: string,
    kind: 'chat' | 'embedding',
  ): Promise<ResolvedModel> {
    const model = await this.deps.catalog.resolve(call.principal.orgId, name);
    // A model of the other kind is not found either: the client asked for something this endpoint cannot serve.
    if (!model || model.attributes.kind !== kind) {
      trace.step('model', 'not_found', ['gateway.model_not_found']);
      throw new AppError('gateway.model_not_found', {
        publicMessage: `The model \`${name.slice(0, 128)}\` does not exist or you do not have access to it.`,
        details: { issues: [{ field: 'body.model', message: 'unknown model' }] },
      });
    }
    trace.step('model', 'resolved');
    trace.note({ model: model.name, provider: model.attributes.provider, built_in: model.attributes.builtIn });
    return model;
  }

  private refuseCrossTenant(call: GatewayCall, trace: RequestTrace, slug: string | null, text: string): void {
    const reason = findCrossTenantRequest(text, { id: call.principal.orgId, slug });
    if (reason === null) {
      trace.step('cross_tenant', 'allow');
      return;
    }
    trace.step('cross_tenant', 'block', ['gateway.cross_tenant_request']);
    trace.note({ cross_tenant: reason });
    // SECURITY: one fixed answer, decided from the text alone: nothing says whether the named org exists.
    throw new AppError('gateway.cross_tenant_request', {
      publicMessage: "the request asks for another tenant's data, which this API never returns",
    });
  }

  // The input scan's verdict is carried to the call's reservation, which commits before the provider hears of the
  // call (or, when the call stops before it, to the event of its failure).
  private async scanInput(call: GatewayCall, trace: RequestTrace, text: string) {
    const scan = await this.deps.guard.scanForCaller(
      call.principal.orgId,
      { text, hook: 'input' },
      actorOf(call.principal),
      call.requestId,
    );
    if (scan.unrecorded) trace.carried.push(scan.unrecorded);
    trace.step('input_guard', scan.result.verdict, scan.result.reasons);
    trace.note({ input_classes: [...new Set(scan.result.findings.map((f) => f.class))] });
    if (violates(scan.result)) throw this.blocked(trace, scan.result);
    return scan;
  }

  private blocked(trace: RequestTrace, result: GuardResult): AppError {
    if (onlyUnavailable(result)) return guardOutage('input');
    const classes = [
      ...new Set(
        result.findings
          .filter(
            (f) => f.action === 'block' || f.action === 'redact' || f.action === 'mask' || f.action === 'quarantine',
          )
          .map((f) => f.class),
      ),
    ];
    return new AppError('gateway.guardrail_blocked', {
      publicMessage: `the input guard blocked the request (${classes.join(', ') || 'policy'})`,
      details: { classes, reasons: [...result.reasons] },
    });
  }

  // Returns the models of `others` (a route's fallback arms and shadow) that policy allows for the same request.
  private async authorize(
    call: GatewayCall,
    trace: RequestTrace,
    model: ResolvedModel,
    findings: readonly GuardFinding[],
    upstreamText: string,
    others: readonly ResolvedModel[] = [],
  ): Promise<ResolvedModel[]> {
    // SECURITY: the guard merges overlapping findings into one class, so a secret inside a wider finding (a
    // prompt-injection span over the whole text) can disappear from its result. The secret scanners (regular
    // expressions, cheap) look again at the exact text going upstream, so "no model may receive secrets" holds.
    const secrets = await SECRET_SCANNER.scan(upstreamText, { hook: 'input', orgId: call.principal.orgId });
    const decision = decideModelCall(
      this.deps.engine,
      call.principal,
      model,
      findings,
      call.clientIp,
      secrets.map((f) => f.class),
    );
    trace.step('policy', decision.decision, decision.reasons);
    if (decision.decision === 'deny')
      throw new AppError('gateway.model_policy_denied', {
        publicMessage: `policy does not allow this request to the model ${model.name}`,
        details: { reasons: [...decision.reasons] },
      });
    // SECURITY: every other model this request may reach (a fallback arm, the shadow) is decided on its own
    // attributes with the same findings, so a route cannot carry data to a model policy keeps it from.
    const classes = secrets.map((f) => f.class);
    return others.filter(
      (other) =>
        decideModelCall(this.deps.engine, call.principal, other, findings, call.clientIp, classes).decision === 'allow',
    );
  }

  private async reserve(
    call: GatewayCall,
    trace: RequestTrace,
    model: ResolvedModel,
    tokens: number,
  ): Promise<UsageReservation> {
    try {
      const reservation = await this.deps.meter.reserve(
        this.subjectOf(call, model),
        call.requestId,
        tokens,
        trace.carried,
      );
      trace.step('meter_reserve', 'reserved');
      return reservation;
    } catch (error) {
      trace.step('meter_reserve', 'refused', [isAppError(error) ? error.code : 'internal.error']);
      throw error;
    }
  }

  private subjectOf(call: GatewayCall, model: ResolvedModel): MeterSubject {
    const p = call.principal;
    return {
      orgId: p.orgId,
      principalId: p.kind === 'api_key' ? (p.ownerId ?? p.id) : p.id,
      apiKeyId: p.kind === 'api_key' ? p.id : null,
      roles: p.roles,
      model: model.name,
    };
  }

  // Renders `bulwark.prompt` as the first system message, so the input guards and policy read it like any text.
  private async withPrompt(
    call: GatewayCall,
    trace: RequestTrace,
    request: ChatRequest,
    ref: PromptRef,
  ): Promise<ChatRequest> {
    const decision = this.deps.engine.decide(
      call.principal,
      'read:prompts',
      { type: 'Prompt', id: ref.name, orgId: call.principal.orgId },
      { ip: call.clientIp },
    );
    trace.step('prompt', decision.decision, decision.reasons);
    if (decision.decision === 'deny')
      throw new AppError('authz.denied', {
        publicMessage: 'using a registry prompt needs read:prompts',
        details: { reasons: [...decision.reasons] },
      });
    const rendered = await this.deps.prompts.render(call.principal.orgId, ref);
    trace.note({ prompt: { name: rendered.name, version: rendered.version } });
    return { ...request, messages: [{ role: 'system', content: rendered.text }, ...request.messages] };
  }

  private async admitChat(
    call: GatewayCall,
    trace: RequestTrace,
    original: ChatRequest,
    extensions: ChatExtensions,
  ): Promise<Admitted> {
    const resolved = await this.resolve(call, trace, original.model, 'chat');
    // SECURITY: a route's canary split and shadow are plan features, read at each call so a downgrade ends them.
    const features = resolved.route ? await this.routeFeatures(call.principal.orgId) : null;
    const plan = resolved.route
      ? planRoute(resolved.route, call.requestId, { canary: features?.canary ?? false })
      : null;
    const request = extensions.prompt ? await this.withPrompt(call, trace, original, extensions.prompt) : original;
    const text = promptText(request);
    if (text === null) throw unjoinable('messages');
    refuseOversized(text.joined, 'messages');
    this.refuseCrossTenant(call, trace, await this.ownSlug(call.principal.orgId), text.joined);
    const scan = await this.scanInput(call, trace, text.joined);
    let upstream = request;
    if (scan.result.transformed !== undefined) {
      const rewritten = applyRewrite(request, text, scan.result.transformed);
      // SECURITY: a rewrite that cannot be mapped back is not sent half-applied: block instead.
      if (rewritten === null) throw this.blocked(trace, scan.result);
      upstream = rewritten;
    }
    const prompt = promptText(upstream)?.joined ?? text.joined;
    const primary = plan ? plan.primary : resolved;
    const others = plan ? [...plan.fallbacks, ...(plan.shadow ? [plan.shadow] : [])] : [];
    const allowed = await this.authorize(call, trace, primary, scan.result.findings, prompt, others);
    let model = primary;
    let route: Admitted['route'] = null;
    if (plan) {
      const fallbacks = plan.fallbacks.filter((f) => allowed.includes(f));
      const shadowAllowed = plan.shadow !== null && allowed.includes(plan.shadow);
      // The chain: the picked arm's targets, then the other arms' in declared order (those policy allows).
      model = { ...primary, targets: [...primary.targets, ...fallbacks.flatMap((f) => f.targets)] };
      route = {
        plan,
        shadowSkippedFor:
          plan.shadow === null
            ? null
            : !features?.shadow
              ? 'billing.plan_feature_required'
              : !shadowAllowed
                ? 'gateway.model_policy_denied'
                : null,
      };
      trace.note({
        route: {
          name: plan.route,
          version: plan.version,
          arm: primary.name,
          fallbacks: fallbacks.map((f) => f.name),
          fallbacks_denied: plan.fallbacks.filter((f) => !fallbacks.includes(f)).map((f) => f.name),
          shadow: plan.shadow?.name ?? null,
          ...(plan.shadow ? { shadow_policy: shadowAllowed ? 'allow' : 'deny' } : {}),
        },
      });
    }
    const answer = request.max_completion_tokens ?? request.max_tokens ?? DEFAULT_ANSWER_TOKENS;
    const reservation = await this.reserve(call, trace, model, countTokens(prompt) + answer);
    return { model, request: upstream, prompt, reservation, controller: linkedController(call.signal), route };
  }

  // Which route features the org's plan turns on now (all of them for an org on no billing plan).
  private async routeFeatures(orgId: OrgId): Promise<{ canary: boolean; shadow: boolean }> {
    const entitlements = await this.deps.db.withTenant(orgId, (sql) => readEntitlements(sql, this.deps.clock));
    return { canary: planAllows(entitlements, 'canary_routes'), shadow: planAllows(entitlements, 'shadow_routes') };
  }

  /** Resolves once every shadow call started so far has been recorded (tests; shutdown). */
  async shadowsSettled(): Promise<void> {
    await Promise.all([...this.#shadows]);
  }

  // Starts the route's shadow call in the background; the client's answer never waits for it or depends on it.
  private startShadow(
    call: GatewayCall,
    admitted: Admitted,
    completion: ChatCompletion,
    completionTokens: number,
    latencyMs: number,
  ): void {
    const route = admitted.route;
    // A shadow that policy denied is recorded as skipped (`shadowSkippedFor`) and is sent nothing.
    const shadow = route?.plan.shadow;
    if (!route || !shadow) return;
    const run = runShadowCall(
      {
        circuits: this.deps.circuits,
        meter: this.deps.meter,
        record: (orgId, comparison) => this.deps.recordShadow(orgId, comparison),
        now: () => this.deps.clock.now(),
      },
      {
        orgId: call.principal.orgId,
        requestId: call.requestId,
        route: { name: route.plan.route, version: route.plan.version },
        shadow,
        request: admitted.request,
        subject: this.subjectOf(call, shadow),
        estimatedTokens: admitted.reservation.reservedTokens,
        promptTokens: countTokens(admitted.prompt),
        primary: {
          model: route.plan.primary.name,
          text: completion.choices[0]?.message.content ?? '',
          tokens: completionTokens,
          latencyMs,
        },
        skippedFor: route.shadowSkippedFor,
      },
    );
    this.#shadows.add(run);
    void run.finally(() => this.#shadows.delete(run));
  }

  private async guardChatOutput(
    call: GatewayCall,
    trace: RequestTrace,
    admitted: Admitted,
    completion: ChatCompletion,
  ): Promise<ChatCompletion> {
    const choice = completion.choices[0];
    const content = choice?.message.content ?? '';
    const calls = choice?.message.tool_calls ?? [];
    const toolTexts = calls.map((c) => `${c.function.name}\n${c.function.arguments}`);
    const joined = joinOutputTexts([content, ...toolTexts]);
    const system = systemPrompt(admitted.request);
    const scan = await this.scanOutput(call, trace, {
      text: joined.joined,
      hook: 'output',
      inputText: admitted.prompt,
      ...(system !== undefined ? { systemPrompt: system } : {}),
    });
    trace.step('output_guard', scan.result.verdict, scan.result.reasons);
    trace.note({ output_classes: [...new Set(scan.result.findings.map((f) => f.class))] });
    let quarantineId = scan.quarantineId;
    const parts =
      scan.result.transformed !== undefined ? splitTexts(joined, scan.result.transformed) : [content, ...toolTexts];
    const toolsRewritten = parts === null || parts.slice(1).some((p, i) => p !== toolTexts[i]);
    if (violates(scan.result) && onlyUnavailable(scan.result)) throw guardOutage('output');
    if (violates(scan.result) || toolsRewritten) {
      if (quarantineId === null) quarantineId = await this.hold(call, joined.joined, scan.result, admitted.model.name);
      throw new AppError('gateway.output_blocked', {
        publicMessage: 'the model response was withheld by the output guard',
        details: quarantineId ? { quarantine_id: quarantineId } : {},
      });
    }
    if (!choice || parts === null || scan.result.transformed === undefined || choice.message.content === null)
      return completion;
    return {
      ...completion,
      choices: [{ ...choice, message: { ...choice.message, content: parts[0] ?? '' } }, ...completion.choices.slice(1)],
    };
  }

  // Holds a response the guard did not quarantine itself (a block verdict, a rewrite that cannot be applied).
  private async hold(call: GatewayCall, text: string, result: GuardResult | null, model: string): Promise<string> {
    const held = await this.deps.db.withTenant(call.principal.orgId, (sql) =>
      this.deps.quarantine.hold(sql, {
        content: text,
        hook: 'output',
        findings: result ? [...result.findings] : [],
        reasonCodes: result?.reasons.length ? [...result.reasons] : ['gateway.output_blocked'],
        requestId: call.requestId,
        actor: actorOf(call.principal),
        model,
      }),
    );
    return held.id;
  }

  private async *streamAdmitted(
    call: GatewayCall,
    trace: RequestTrace,
    admitted: Admitted,
    publicModel: string,
    includeUsage: boolean,
  ): AsyncGenerator<ChatCompletionChunk> {
    const outcome: HoldBackOutcome = {
      usage: null,
      received: '',
      verdict: null,
      reasons: [],
      quarantineId: null,
      scans: 0,
      finished: false,
    };
    const orgId = call.principal.orgId;
    const system = systemPrompt(admitted.request);
    const outputInput = (text: string) => ({
      text,
      hook: 'output' as const,
      inputText: admitted.prompt,
      ...(system !== undefined ? { systemPrompt: system } : {}),
    });
    let failure: unknown;
    try {
      const upstream = await this.openStream(admitted, call, trace);
      yield* holdBack(
        this.mapProviderErrors(upstream, trace),
        {
          window: this.deps.holdBackChars,
          publicModel,
          includeUsage,
          evaluate: (text) => this.deps.guard.evaluate(orgId, outputInput(text)),
          finalScan: (text) => this.scanOutput(call, trace, outputInput(text)),
          quarantine: (text, result) => this.hold(call, text, result, admitted.model.name),
        },
        outcome,
      );
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      // Runs on completion, on failure and when the client goes away (the generator is returned early).
      admitted.controller.abort();
      if (outcome.verdict !== null) trace.step('output_guard', outcome.verdict, outcome.reasons);
      trace.note({ scans: outcome.scans, ...(outcome.quarantineId ? { quarantine_id: outcome.quarantineId } : {}) });
      const inputTokens = outcome.usage?.prompt_tokens ?? countTokens(admitted.prompt);
      const outputTokens = outcome.usage?.completion_tokens ?? countTokens(outcome.received);
      const unanswered = outcome.received.length === 0 && outcome.usage === null && failure !== undefined;
      trace.note({ input_tokens: inputTokens, output_tokens: outputTokens });
      const outcomeDecision: AuditDecision =
        failure !== undefined
          ? outcomeOf(failure)
          : outcome.finished
            ? outcome.verdict === 'redact'
              ? 'redact'
              : 'allow'
            : 'error';
      const reasons =
        failure !== undefined
          ? [isAppError(failure) ? failure.code : 'internal.error']
          : outcome.finished
            ? this.reasonsOf(trace)
            : ['gateway.client_disconnected'];
      if (!outcome.finished && failure === undefined) trace.note({ client_disconnected: true });
      await this.finish(trace, admitted.reservation, unanswered ? null : { inputTokens, outputTokens }, (done) =>
        trace.toEvent(outcomeDecision, publicModel, reasons, done),
      ).catch(async (error: unknown) => {
        // Part of the stream may have been answered already: the failure is recorded if it can be and goes on.
        await this.record([...trace.carried, this.outcomeEvent(trace, publicModel, { error })]).catch(() => undefined);
        throw error;
      });
    }
  }

  // Falls back, behind the circuits, until a target yields its first chunk; once a stream has started it never does.
  private async openStream(
    admitted: Admitted,
    call: GatewayCall,
    trace: RequestTrace,
  ): Promise<AsyncIterable<ChatCompletionChunk>> {
    const context = { orgId: call.principal.orgId, requestId: call.requestId, signal: admitted.controller.signal };
    try {
      return await firstAnswer(this.deps.circuits, admitted.model.targets, (target) =>
        primeStream(target.provider.chatStream({ ...admitted.request, model: target.upstreamModel }, context)),
      );
    } catch (error) {
      trace.step('provider', 'failed', [isAppError(error) ? error.code : 'internal.error']);
      throw error;
    }
  }

  private async *mapProviderErrors(
    upstream: AsyncIterable<ChatCompletionChunk>,
    trace: RequestTrace,
  ): AsyncGenerator<ChatCompletionChunk> {
    try {
      let first = true;
      for await (const chunk of upstream) {
        if (first) trace.step('provider', 'answered');
        first = false;
        yield chunk;
      }
    } catch (error) {
      if (error instanceof ProviderError) {
        trace.step('provider', 'failed', [
          error.failure === 'rate_limited' ? 'gateway.provider_rate_limited' : 'gateway.provider_error',
        ]);
        throw providerFailure(error);
      }
      throw error;
    }
  }
}
