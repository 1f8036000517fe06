import type { AuditDecision, AuditEventInput } from '../../audit/index.js';
import { actorOf } from '../../authz/index.js';
import type { GatewayCall } from './gateway-call.js';

/** The pipeline steps, in the order they run. */
export type GatewayStep =
  | 'model'
  | 'prompt'
  | 'cross_tenant'
  | 'input_guard'
  | 'policy'
  | 'meter_reserve'
  | 'provider'
  | 'output_guard'
  | 'meter_settle';

/** One step's outcome as recorded: a decision word and the reason codes behind it (never text). */
export interface StepRecord {
  step: GatewayStep;
  decision: string;
  reasons: string[];
}

/**
 * The record of one gateway request: every step's decision and reason codes, written as one audit event
 * (`gateway.request.completed`, or `.blocked` / `.failed`): in the transaction that settles or releases the call's
 * usage once it has a reservation, through the group-commit buffer before that.
 */
export class RequestTrace {
  readonly steps: StepRecord[] = [];
  /** True once the request's event is stored, so nothing writes it a second time. */
  recorded = false;
  /** Events of the request's steps (the output scan's verdict) that commit with the request's own event. */
  readonly carried: AuditEventInput[] = [];
  private readonly facts: Record<string, unknown> = {};

  constructor(
    readonly call: GatewayCall,
    readonly endpoint: 'chat.completions' | 'responses' | 'embeddings',
    readonly stream: boolean,
  ) {
    if (call.auditFacts) this.note(call.auditFacts);
  }

  /** Records a step's decision. */
  step(step: GatewayStep, decision: string, reasons: readonly string[] = []): void {
    this.steps.push({ step, decision, reasons: [...reasons] });
  }

  /** Adds client-safe facts (model, token counts, classes) to the event. */
  note(facts: Record<string, unknown>): void {
    Object.assign(this.facts, facts);
  }

  /** The audit event of the request with its final outcome; `then` are steps that commit with the event. */
  toEvent(
    outcome: AuditDecision,
    model: string | null,
    reasonCodes: readonly string[],
    then: readonly StepRecord[] = [],
  ): AuditEventInput {
    const verb = outcome === 'allow' || outcome === 'redact' ? 'completed' : outcome === 'error' ? 'failed' : 'blocked';
    return {
      orgId: this.call.principal.orgId,
      actor: actorOf(this.call.principal),
      action: `gateway.request.${verb}`,
      resource: model === null ? null : { type: 'Model', id: model.slice(0, 128) },
      decision: outcome,
      reasonCodes,
      requestId: this.call.requestId,
      clientIp: this.call.clientIp,
      ...(this.call.userAgent !== undefined ? { userAgent: this.call.userAgent } : {}),
      details: { endpoint: this.endpoint, stream: this.stream, steps: [...this.steps, ...then], ...this.facts },
    };
  }
}
