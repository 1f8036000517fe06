import type { AuditActor, AuditEventInput } from '../audit/index.js';

/** Who makes a change, and events (the decision that allowed it) to append in the same transaction. */
export interface AuditContext {
  actor: AuditActor;
  events: AuditEventInput[];
  requestId?: string;
}
