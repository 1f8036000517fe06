import type { AuditActor } from '../audit/index.js';

/** Who makes a change. (The decision that allowed it is appended by the transaction's opener.) */
export interface AuditContext {
  actor: AuditActor;
  requestId?: string;
}
