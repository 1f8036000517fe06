import type { UserId } from '../../lib/ids.js';
import type { PlatformSql } from '../../platform/db/index.js';
import type { AuditActor, AuditDecision, AuditEventInput } from '../audit/index.js';
import type { SignInMeta } from './identity.js';
import type { CredentialDeps } from './identity-deps.js';

/** One audited sign-in or credential event of a user (or of an unknown account). */
export interface CredentialEvent {
  action: string;
  decision: AuditDecision;
  reasonCodes?: readonly string[];
  /** The user the event is about; null for an e-mail that matches no account. */
  userId: UserId | null;
  /** Who acted; defaults to the user (anonymous when there is none). */
  actor?: AuditActor;
  /** Signals for risk scoring; never a password, a code or an e-mail in clear. */
  details: Record<string, unknown>;
  meta?: SignInMeta | undefined;
}

/** The audit event of `event` in the platform org's chain. */
export function credentialAuditEvent(
  deps: Pick<CredentialDeps, 'platformOrgId'>,
  event: CredentialEvent,
): AuditEventInput {
  const actor: AuditActor =
    event.actor ?? (event.userId ? { type: 'user', id: event.userId } : { type: 'anonymous', id: null });
  return {
    orgId: deps.platformOrgId,
    actor,
    action: event.action,
    resource: { type: 'User', id: event.userId },
    decision: event.decision,
    reasonCodes: event.reasonCodes ?? [],
    requestId: event.meta?.requestId ?? null,
    clientIp: event.meta?.clientIp ?? null,
    userAgent: event.meta?.userAgent ?? null,
    details: event.details,
  };
}

/**
 * Runs `effect` in one platform transaction and appends the events it returns to the platform org's audit chain in
 * that same transaction, so a credential change and its record commit (or roll back) together.
 */
export async function inAuditedTransaction<T>(
  deps: Pick<CredentialDeps, 'db' | 'audit' | 'platformOrgId'>,
  effect: (platform: PlatformSql) => Promise<{ result: T; events: readonly CredentialEvent[] }>,
): Promise<T> {
  return deps.db.withPlatform(async (platform) => {
    // INVARIANT: the chain lock comes before the rows the effect locks (the order every audited use case keeps),
    // so two sign-ins cannot deadlock on the chain and a credential row.
    await platform.inTenant(deps.platformOrgId, (sql) => deps.audit.lockChain(sql));
    const { result, events } = await effect(platform);
    await platform.inTenant(deps.platformOrgId, (sql) =>
      deps.audit.append(
        sql,
        events.map((event) => credentialAuditEvent(deps, event)),
      ),
    );
    return result;
  });
}
