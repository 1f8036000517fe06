export type { Detector, DetectorManifest, Finding, Hook, ScanContext } from './detector.js';
export {
  createPiiRulesDetector,
  createPiiNerDetector,
  piiRulesManifest,
  piiNerManifest,
  type PiiNerDetectorOptions,
  type PiiRulesParams,
} from './pii/pii-detector.js';
export { createGuardRulesPool, type GuardRulesPool, type GuardRulesPoolOptions } from './rules-pool.js';
export { PII_CLASSES, PII_DETECTOR_UNAVAILABLE, type PiiClass } from './pii/classes.js';
export { createSecretsDetector, secretsManifest } from './secrets/secrets-detector.js';
export { stripSecrets, type StrippedText } from './secrets/strip-secrets.js';
export { createGuardPipeline, type GuardPipeline, type GuardPipelineOptions } from './pipeline/guard-pipeline.js';
export {
  classPolicySchema,
  resolveClassPolicy,
  GUARD_ACTIONS,
  type ClassPolicy,
  type ClassPolicyInput,
  type GuardAction,
} from './pipeline/class-policy.js';
export { decideVerdict, type GuardResult, type GuardFinding, type Verdict } from './pipeline/decide-verdict.js';
export { restoreTokens } from './pipeline/rewrite-spans.js';
export { sensitivityOf, SENSITIVITY_LEVELS, type Sensitivity } from './pipeline/sensitivity.js';
export { maskText } from './masking/mask-text.js';
export { maskLogValue, DEFAULT_MASK_LIMITS, type MaskLimits } from './masking/mask-log-object.js';
export { maskLogFormatter, maskLogMethod } from './masking/pino-masking.js';
export {
  evaluatePiiSpans,
  MIN_GOLD_OVERLAP,
  type PiiRow,
  type PiiEvalOptions,
} from './eval-spans/evaluate-pii-spans.js';
export { evaluateSecretsTree } from './eval-spans/evaluate-secrets-tree.js';
export { parseTruthCsv, type TruthRow } from './eval-spans/parse-truth-csv.js';
export { mapLabel } from './eval-spans/label-map.js';
export type { EvaluationReport, ClassScore } from './eval-spans/metrics.js';
export * from './eval/index-exports.js';
export { createInjectionDetector } from './injection/injection-detector.js';
export { loadShippedInjectionModel } from './injection/injection-model.js';
export { createToxicityDetector } from './moderation/toxicity-detector.js';
export {
  ModerationService,
  MODERATION_MODEL,
  type ModerationServiceDeps,
  type ModerationRequest,
} from './moderation/moderation-service.js';
export {
  MODERATION_CATEGORIES,
  type ModerationCategory,
  type CategoryScores,
} from './moderation/moderation-categories.js';
export type { ModerationOutcome } from './moderation/score-moderation.js';
export { createLeakageDetector, type SensitiveSpan } from './moderation/leakage-detector.js';
export { EmbeddingPool, EmbeddingUnavailableError, type EmbeddingPoolOptions } from './embedding/embedding-pool.js';
export { WorkerUnavailableError, type WorkerUnavailableKind } from './worker-pool.js';
export {
  QuarantineService,
  type QuarantineServiceDeps,
  type HoldInput,
  type ListOptions,
  type ReviewOptions,
} from './quarantine/quarantine-service.js';
export {
  LIST_LIMIT_MAX,
  REVIEW_NOTE_MAX,
  QUARANTINE_STATUSES,
  type QuarantineId,
  type QuarantineStatus,
  type QuarantineFinding,
  type QuarantineItem,
  type QuarantineItemWithContent,
} from './quarantine/quarantine-item.js';
export {
  quarantineListQuerySchema,
  quarantineReviewBodySchema,
  quarantineItemSchema,
  quarantineItemWithContentSchema,
  releasedQuarantineItemSchema,
  quarantineListSchema,
  toQuarantineItemWire,
  toQuarantineItemWithContentWire,
  type QuarantineListQuery,
  type QuarantineReviewBody,
  type QuarantineItemWire,
} from './quarantine/schema.js';
export { GuardService, type GuardScanInput, type GuardServiceDeps } from './guard-service.js';
export {
  createRemoteDetectors,
  type RemoteDetectorSet,
  type RemoteDetectorSpec,
} from './remote/create-remote-detectors.js';
export type { RemoteDetector, RemoteDetectorEvents } from './remote/remote-detector.js';
export { GuardPolicyStore, type GuardPolicyVersion } from './guard-policy-store.js';
