export { AuditBuffer, type AuditBufferOptions, type BatchWriter } from './audit-buffer.js';
export { AuditLog, type AuditLogDeps, type DetailsMasker } from './audit-log.js';
export type { AuditActor, AuditDecision, AuditEventInput, AuditRecord, AuditResource } from './event.js';
export { AuditSealer, type AuditSealerDeps } from './audit-sealer.js';
export {
  checkpointMacInput,
  SEAL_EVERY_EVENTS,
  SEAL_INTERVAL_MS,
  type AuditCheckpoint,
  type AuditSealKey,
} from './checkpoint.js';
export { toCheckpointLine, toJsonLine, verifyExport, verifyJsonLines } from './export-jsonl.js';
export { canonicalEvent, chainHash, GENESIS_HASH, type ChainProblem, type ChainVerdict } from './hash-chain.js';
export type { AuditProblem, AuditVerdict } from './sealed-chain-verifier.js';
export { legalHolds, placeLegalHold, type LegalHold } from './legal-holds.js';
export { activitySummary, firstEventOf, type ActivitySummary } from './activity-summary.js';
