import type { UserId } from '../../../lib/ids.js';
import type { PlatformSql } from '../../../platform/db/index.js';
import type { AuditActor, AuditDecision } from '../../audit/index.js';
import type { SignInMeta } from '../identity.js';
import { credentialAuditEvent } from '../sign-in-audit.js';
import type { PasskeyDeps } from './passkey.js';

/** One passkey event: a registration, removal, sign-in or suspension, or a refused attempt at one. */
export interface PasskeyEvent {
  action:
    | 'identity.passkey.registered'
    | 'identity.passkey.removed'
    | 'identity.passkey.succeeded'
    | 'identity.passkey.failed'
    | 'identity.passkey.suspended';
  decision: AuditDecision;
  actor: AuditActor;
  /** The account concerned; null when an assertion named no known credential and no user was expected. */
  userId: UserId | null;
  reasonCodes?: readonly string[];
  meta?: SignInMeta;
  /** Risk-signal material: ids, AAGUID, transports, counters. Never key material. */
  details: Record<string, unknown>;
}

/** The actor of a sign-in step: the user when known, else the anonymous caller. */
export function signInActor(userId: UserId | null | undefined): AuditActor {
  return userId ? { type: 'user', id: userId } : { type: 'anonymous', id: null };
}

/**
 * Why the library refused a response, for the audit record: its message names the check (origin, RP ID, user
 * verification, challenge, signature) and the presented value, never key material.
 */
export function verificationProblem(cause: unknown): string {
  return (cause instanceof Error ? cause.message : 'not verified').slice(0, 200);
}

/**
 * Appends a passkey event to the platform org's chain inside the caller's platform transaction, so it commits with
 * the change (or the refusal) it records.
 */
export async function appendPasskeyEvent(deps: PasskeyDeps, platform: PlatformSql, event: PasskeyEvent): Promise<void> {
  await platform.inTenant(deps.platformOrgId, (sql) => deps.audit.append(sql, [credentialAuditEvent(deps, event)]));
}
