import { LRUCache } from 'lru-cache';
import type { OrgId } from '../../lib/ids.js';
import type { Db, TenantSql } from '../../platform/db/index.js';
import type { AuditActor, AuditDecision, AuditEventInput, AuditLog } from '../audit/index.js';
import type { Hook } from './detector.js';
import type { EmbeddingPool } from './embedding/embedding-pool.js';
import { createInjectionDetector } from './injection/injection-detector.js';
import { createLeakageDetector } from './moderation/leakage-detector.js';
import { createToxicityDetector } from './moderation/toxicity-detector.js';
import { detectPiiRules } from './pii/detect-pii-rules.js';
import { createPiiNerDetector, createPiiRulesDetector } from './pii/pii-detector.js';
import { resolveClassPolicy, type ClassPolicy } from './pipeline/class-policy.js';
import { createGuardPipeline, type GuardPipeline, type GuardPipelineOptions } from './pipeline/guard-pipeline.js';
import type { GuardPolicyStore } from './guard-policy-store.js';
import type { GuardRulesPool } from './rules-pool.js';
import type { GuardResult, Verdict } from './pipeline/decide-verdict.js';
import type { QuarantineService } from './quarantine/quarantine-service.js';
import type { RemoteDetectorSet } from './remote/create-remote-detectors.js';
import { detectSecrets } from './secrets/detect-secrets.js';
import { createSecretsDetector } from './secrets/secrets-detector.js';

/** One text to scan and what the output detectors need to know about its exchange. */
export interface GuardScanInput {
  text: string;
  hook: Hook;
  /** The prompt of the exchange (output scans): sensitive values the user sent are echoed, not leaked. */
  inputText?: string;
  systemPrompt?: string;
  canaryTokens?: string[];
}

/** Dependencies of the guard service. */
export interface GuardServiceDeps {
  db: Db;
  audit: AuditLog;
  quarantine: QuarantineService;
  /** Per-org class policies; every org runs the defaults without one. */
  policies?: GuardPolicyStore;
  /** Starts the embedding worker pool; called on the first scan, so nodes that never scan never load the model. */
  createPool?: () => EmbeddingPool;
  /**
   * The guard rules worker pool: the names-and-places stage (compromise) and the injection detector's first stage run
   * in it, off the event loop; its workers start on the first scan (or `warmUp`), and `close` stops them. Without one
   * both stages run on the calling thread.
   */
  rulesPool?: GuardRulesPool;
  /**
   * Stores one event through the audit group commit, resolving once it is stored. A scan without a caller's
   * transaction and without a hold records its verdict here instead of in a transaction of its own.
   */
  recordEvent?: (event: AuditEventInput) => Promise<void>;
  /** Detectors that ask classifiers served elsewhere (configured per deployment); they run beside the built-in ones. */
  remoteDetectors?: RemoteDetectorSet;
}

const DEFAULT_POLICY = resolveClassPolicy();

const AUDIT_DECISION: Record<Verdict, AuditDecision> = {
  allow: 'allow',
  redact: 'redact',
  block: 'block',
  quarantine: 'quarantine',
};

// The verdict's audit event, naming the quarantine hold when there is one.
function verdictEvent(
  orgId: OrgId,
  input: GuardScanInput,
  result: GuardResult,
  actor: AuditActor,
  requestId: string,
): (held: { id: string } | undefined) => AuditEventInput {
  return (held) => ({
    orgId,
    actor,
    action: 'guard.scan.completed',
    resource: held ? { type: 'QuarantineItem', id: held.id } : null,
    decision: AUDIT_DECISION[result.verdict],
    reasonCodes: result.reasons,
    requestId,
    // SECURITY: classes and counts only; matched text never reaches the audit log.
    details: {
      hook: input.hook,
      classes: [...new Set(result.findings.map((f) => f.class))],
      findings: result.findings.length,
      size: input.text.length,
    },
  });
}

/**
 * Runs the guard pipelines for an org and records the verdict: PII, secrets, prompt injection and
 * moderation with the default class policy; a quarantined output is held encrypted for review.
 */
export class GuardService {
  private detectors: Pick<GuardPipelineOptions, 'secretDetectors' | 'detectors'> | undefined;
  // Old policy versions fall out (least recently used first) once a thousand orgs' pipelines are held.
  private readonly pipelines = new LRUCache<ClassPolicy, GuardPipeline>({ max: 1_000 });
  private pool: EmbeddingPool | undefined;
  private readonly rulesPool: GuardRulesPool | undefined;

  constructor(private readonly deps: GuardServiceDeps) {
    this.rulesPool = deps.rulesPool;
  }

  /**
   * Scans `input`, then appends the verdict to the org's audit log and holds a quarantined output in one tenant
   * transaction: `transaction` (the caller's, opened only after the detectors ran) or a new one.
   */
  async scan(
    orgId: OrgId,
    input: GuardScanInput,
    actor: AuditActor,
    requestId: string,
    transaction?: <T>(fn: (sql: TenantSql) => Promise<T>) => Promise<T>,
  ): Promise<{ result: GuardResult; quarantineId: string | null }> {
    const result = await this.evaluate(orgId, input);
    const event = verdictEvent(orgId, input, result, actor, requestId);
    // The verdict is stored before the caller hears it either way; without a hold it joins the group commit.
    if (!transaction && result.verdict !== 'quarantine' && this.deps.recordEvent) {
      await this.deps.recordEvent(event(undefined));
      return { result, quarantineId: null };
    }
    const inTransaction =
      transaction ?? (<T>(fn: (sql: TenantSql) => Promise<T>) => this.deps.db.withTenant(orgId, fn));
    return inTransaction((sql) => this.#holdAndAppend(sql, input, result, actor, requestId, event));
  }

  /**
   * Scans `input` like `scan`, but a verdict without a hold is not stored: its event is returned as `unrecorded`, and
   * the caller commits it in a transaction of its own before it answers (the gateway's settlement of the call). A
   * quarantine is still held and recorded at once, in one transaction.
   */
  async scanForCaller(
    orgId: OrgId,
    input: GuardScanInput,
    actor: AuditActor,
    requestId: string,
  ): Promise<{ result: GuardResult; quarantineId: string | null; unrecorded: AuditEventInput | null }> {
    const result = await this.evaluate(orgId, input);
    const event = verdictEvent(orgId, input, result, actor, requestId);
    if (result.verdict !== 'quarantine') return { result, quarantineId: null, unrecorded: event(undefined) };
    const held = await this.deps.db.withTenant(orgId, (sql) =>
      this.#holdAndAppend(sql, input, result, actor, requestId, event),
    );
    return { ...held, unrecorded: null };
  }

  // Holds a quarantined text and appends the verdict (naming the hold) in the caller's transaction.
  async #holdAndAppend(
    sql: TenantSql,
    input: GuardScanInput,
    result: GuardResult,
    actor: AuditActor,
    requestId: string,
    event: (held: { id: string } | undefined) => AuditEventInput,
  ): Promise<{ result: GuardResult; quarantineId: string | null }> {
    const held =
      result.verdict === 'quarantine'
        ? await this.deps.quarantine.hold(sql, {
            content: input.text,
            hook: input.hook,
            findings: [...result.findings],
            reasonCodes: result.reasons.length ? [...result.reasons] : ['guard.blocked'],
            requestId,
            actor,
          })
        : undefined;
    await this.deps.audit.append(sql, [event(held)]);
    return { result, quarantineId: held?.id ?? null };
  }

  /**
   * Runs the detectors and the org's class policy on `input` and returns the verdict without recording anything.
   * For the gateway's streaming hold-back, which scans a growing text many times and records its final scan with
   * `scan`.
   */
  async evaluate(orgId: OrgId, input: GuardScanInput): Promise<GuardResult> {
    const policy = this.deps.policies ? (await this.deps.policies.effective(orgId)).policy : undefined;
    return this.pipelineFor(policy).run(input.text, {
      hook: input.hook,
      orgId,
      ...(input.inputText !== undefined ? { inputText: input.inputText } : {}),
      ...(input.systemPrompt !== undefined ? { systemPrompt: input.systemPrompt } : {}),
      ...(input.canaryTokens !== undefined ? { canaryTokens: input.canaryTokens } : {}),
    });
  }

  /**
   * Builds the detectors and starts the embedding and rules workers now, so the first scans after a start do not wait
   * for them.
   */
  async warmUp(): Promise<void> {
    this.pipelineFor(undefined);
    await Promise.all([this.pool?.start(), this.rulesPool?.start()]);
  }

  /** Stops the embedding and rules workers and closes the remote detectors' connections. */
  async close(): Promise<void> {
    await Promise.all([this.pool?.close(), this.rulesPool?.close(), this.deps.remoteDetectors?.close()]);
  }

  // Detectors are built once; a pipeline per effective policy object (policies are cached and frozen per version).
  private pipelineFor(policy: ClassPolicy | undefined): GuardPipeline {
    const key = policy ?? DEFAULT_POLICY;
    const existing = this.pipelines.get(key);
    if (existing) return existing;
    if (!this.detectors) {
      this.pool = this.deps.createPool?.();
      const findSensitive = (text: string) => [...detectSecrets(text), ...detectPiiRules(text)];
      this.detectors = {
        secretDetectors: [createSecretsDetector()],
        detectors: [
          createPiiRulesDetector(),
          createPiiNerDetector(this.rulesPool ? { pool: this.rulesPool } : {}),
          createInjectionDetector({
            ...(this.pool ? { pool: this.pool } : {}),
            ...(this.rulesPool ? { rulesPool: this.rulesPool } : {}),
          }),
          createToxicityDetector(this.pool ? { pool: this.pool } : {}),
          createLeakageDetector({ findSensitive }),
          ...(this.deps.remoteDetectors?.detectors ?? []),
        ],
      };
    }
    const pipeline = createGuardPipeline({ ...this.detectors, effectivePolicy: key });
    this.pipelines.set(key, pipeline);
    return pipeline;
  }
}
