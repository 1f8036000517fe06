import type { OrgId } from '../../lib/ids.js';

/** Who acted: a user, service account, API key, the system itself, or an unauthenticated caller. */
export interface AuditActor {
  type: 'user' | 'service_account' | 'api_key' | 'system' | 'anonymous';
  id: string | null;
}

/** What was acted on. */
export interface AuditResource {
  type: string;
  id: string | null;
}

/** Outcome of a decision, where the event records one. */
export type AuditDecision =
  'allow' | 'deny' | 'block' | 'redact' | 'quarantine' | 'charge' | 'freeze' | 'info' | 'error';

/** An event as a module writes it; the log adds id, time, sequence and hashes. */
export interface AuditEventInput {
  orgId: OrgId;
  actor: AuditActor;
  /** `module.noun.verb`, e.g. `authz.decision.made`, `tenancy.org.created`. */
  action: string;
  resource?: AuditResource | null;
  decision?: AuditDecision | null;
  /** Namespaced codes from the error catalogue (or policy ids) explaining the decision. */
  reasonCodes?: readonly string[];
  requestId?: string | null;
  clientIp?: string | null;
  userAgent?: string | null;
  /** Free-form, client-safe details; masked before storage. */
  details?: Record<string, unknown>;
}

/** An event as stored and exported: the wire shape (snake_case) that the hash covers, plus its hashes. */
export interface AuditRecord {
  org_id: string;
  seq: number;
  id: string;
  occurred_at: string;
  actor: AuditActor;
  action: string;
  resource: AuditResource | null;
  decision: AuditDecision | null;
  reason_codes: string[];
  request_id: string | null;
  client_ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/** The part of a record that is hashed: everything but the hashes. */
export type HashedFields = Omit<AuditRecord, 'prev_hash' | 'hash'>;
