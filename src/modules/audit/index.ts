export { AuditBuffer, type AuditBufferOptions, type BatchWriter } from './audit-buffer.js';
export { AuditLog, type AuditLogDeps, type DetailsMasker } from './audit-log.js';
export type { AuditActor, AuditDecision, AuditEventInput, AuditRecord, AuditResource } from './event.js';
export { toJsonLine, verifyJsonLines } from './export-jsonl.js';
export { canonicalEvent, chainHash, GENESIS_HASH, type ChainProblem, type ChainVerdict } from './hash-chain.js';
