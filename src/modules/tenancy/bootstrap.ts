import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors/index.js';
import { newId, type OrgId, type UserId } from '../../lib/ids.js';
import type { Db, PlatformSql, TenantSql } from '../../platform/db/index.js';
import type { AuditLog } from '../audit/index.js';
import { insertMembership, insertPlatformOrg, insertUser, selectPlatformOrgId } from './repo.js';

const SECRET_PREFIX = 'bwb_';
const BOOTSTRAP_LOCK_ID = 0x62776b02;

/** What the first start created; the secret is returned once and stored only as a hash. */
export interface BootstrapResult {
  platformOrgId: OrgId;
  ownerUserId: UserId;
  secret: string;
  expiresAt: Date;
}

/** Dependencies of bootstrap. */
export interface BootstrapDeps {
  db: Db;
  clock: Clock;
  audit: AuditLog;
}

// SECURITY: bootstrap secrets carry 256 random bits, so a fast hash is enough to make the stored form useless.
function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * On the very first start: creates the platform org, its owner and a one-time bootstrap secret,
 * in one transaction with its audit event. Returns undefined when the platform already exists.
 */
export async function bootstrapPlatform(
  deps: BootstrapDeps,
  options: { ownerEmail: string; ttlMinutes: number },
): Promise<BootstrapResult | undefined> {
  return deps.db.withPlatform(async (platform) => {
    // Two nodes starting at once: the second waits here and then finds the platform org.
    await platform.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_ID]);
    if ((await selectPlatformOrgId(platform)) !== undefined) return undefined;
    const now = deps.clock.now();
    const platformOrgId = newId('org', now.getTime());
    const ownerUserId = newId('usr', now.getTime());
    const secret = `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date(now.getTime() + options.ttlMinutes * 60_000);
    await insertPlatformOrg(platform, { id: platformOrgId, name: 'Platform', slug: 'platform' });
    await insertUser(platform, { id: ownerUserId, email: options.ownerEmail, displayName: 'Platform owner' });
    await insertSetupSecret(platform, { orgId: platformOrgId, userId: ownerUserId, secret, expiresAt });
    const tenant = await platform.enterTenant(platformOrgId);
    await insertMembership(tenant, { userId: ownerUserId, roles: ['owner'] });
    await deps.audit.append(tenant, [
      {
        orgId: platformOrgId,
        actor: { type: 'system', id: null },
        action: 'tenancy.platform.bootstrapped',
        resource: { type: 'Org', id: platformOrgId },
        decision: 'info',
        details: { owner_user_id: ownerUserId, bootstrap_expires_at: expiresAt.toISOString() },
      },
    ]);
    return { platformOrgId, ownerUserId, secret, expiresAt };
  });
}

/** The owner a setup secret belongs to (the platform owner for the bootstrap secret), and the org it opens. */
export interface SetupOwner {
  orgId: OrgId;
  ownerUserId: UserId;
  email: string;
}

/** What redeeming a setup secret hands the credential minter: the owner, and the passkey challenge to answer. */
export interface BootstrapOwner extends SetupOwner {
  passkeyChallenge: string;
}

async function insertSetupSecret(
  platform: PlatformSql,
  row: { orgId: OrgId; userId: UserId; secret: string; expiresAt: Date },
): Promise<void> {
  await platform.query(
    'INSERT INTO bootstrap_secrets (id, secret_hash, user_id, opens_org, expires_at) VALUES ($1, $2, $3, $4, $5)',
    [newId('key'), hashSecret(row.secret), row.userId, row.orgId, row.expiresAt],
  );
}

/**
 * Issues a one-time setup secret for an org's owner, in the caller's platform transaction (the org's creation, or
 * the operator's `bulwark owner-setup`): redeemed with a passkey registration, it yields the owner's first key.
 * Earlier unused secrets of the same owner and org stop working.
 */
export async function issueOwnerSetupSecret(
  deps: Pick<BootstrapDeps, 'clock'>,
  platform: PlatformSql,
  owner: { orgId: OrgId; userId: UserId; ttlMinutes: number },
): Promise<{ secret: string; expiresAt: Date }> {
  const now = deps.clock.now();
  await platform.query(
    `UPDATE bootstrap_secrets SET expires_at = $3
      WHERE opens_org = $1 AND user_id = $2 AND used_at IS NULL AND expires_at > $3`,
    [owner.orgId, owner.userId, now],
  );
  const secret = `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
  const expiresAt = new Date(now.getTime() + owner.ttlMinutes * 60_000);
  await insertSetupSecret(platform, { orgId: owner.orgId, userId: owner.userId, secret, expiresAt });
  return { secret, expiresAt };
}

/**
 * Break-glass from the operator's shell (`bulwark owner-setup`): a setup secret for an owner of `orgId` (the one with
 * `email`, or the org's first owner), with `tenancy.owner_setup.issued` in the org's chain, in one transaction. The
 * way back to an `hwk` owner key when none is left (after migration 0026, or a lost passkey). Throws
 * `http.not_found` when the org has no such owner.
 */
export async function issueOwnerSetupFromShell(
  deps: BootstrapDeps,
  input: { orgId: OrgId; email?: string; ttlMinutes: number },
): Promise<{ email: string; secret: string; expiresAt: Date }> {
  return deps.db.withPlatform(async (platform) => {
    const { rows } = await platform.inTenant(input.orgId, (tenant) =>
      tenant.query<{ user_id: UserId; email: string }>(
        `SELECT m.user_id, u.email FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE 'owner' = ANY (m.roles) AND u.status = 'active' AND ($1::text IS NULL OR lower(u.email) = lower($1))
          ORDER BY m.created_at, m.id LIMIT 1`,
        [input.email ?? null],
      ),
    );
    const owner = rows[0];
    if (!owner) throw new AppError('http.not_found', { publicMessage: 'the org has no such active owner' });
    const issued = await issueOwnerSetupSecret(deps, platform, {
      orgId: input.orgId,
      userId: owner.user_id,
      ttlMinutes: input.ttlMinutes,
    });
    await platform.inTenant(input.orgId, (tenant) =>
      deps.audit.append(tenant, [
        {
          orgId: input.orgId,
          actor: { type: 'system', id: 'cli' },
          action: 'tenancy.owner_setup.issued',
          resource: { type: 'User', id: owner.user_id },
          decision: 'info',
          details: { expires_at: issued.expiresAt.toISOString() },
        },
      ]),
    );
    return { email: owner.email, ...issued };
  });
}

/**
 * The owner a live (unused, unexpired) setup secret belongs to; records the challenge of the passkey registration
 * its redemption must answer (a new one replaces the last). Throws `tenancy.bootstrap_invalid`.
 */
export async function beginOwnerSetup(
  deps: Pick<BootstrapDeps, 'clock'>,
  platform: PlatformSql,
  secret: string,
  challengeFor: (owner: SetupOwner) => Promise<string>,
): Promise<SetupOwner> {
  const { rows } = await platform.query<{ org_id: OrgId; user_id: UserId; email: string }>(
    `SELECT b.opens_org AS org_id, b.user_id, u.email FROM bootstrap_secrets b JOIN users u ON u.id = b.user_id
      WHERE b.secret_hash = $1 AND b.used_at IS NULL AND b.expires_at > $2`,
    [hashSecret(secret), deps.clock.now()],
  );
  const row = rows[0];
  if (!row) throw new AppError('tenancy.bootstrap_invalid');
  const owner: SetupOwner = { orgId: row.org_id, ownerUserId: row.user_id, email: row.email };
  await platform.query('UPDATE bootstrap_secrets SET passkey_challenge = $2 WHERE secret_hash = $1', [
    hashSecret(secret),
    await challengeFor(owner),
  ]);
  return owner;
}

/**
 * Redeems a setup secret (the bootstrap secret, or an org owner's) once, inside the caller's platform transaction:
 * marks it used, lets `proveOwner` register the owner's passkey (answering the challenge of beginOwnerSetup), records
 * `tenancy.bootstrap.redeemed` and lets `mintOwnerKey` issue the owner's first credential in the org's tenant scope,
 * all in the same transaction. The passkey lives in identity and the credential in authz, which tenancy may not
 * import, hence the callbacks. If it fails the secret stays unused (one transaction), so the owner can retry. Unknown, used, expired
 * and never-begun secrets all fail with the same `tenancy.bootstrap_invalid`.
 */
export async function redeemBootstrapSecret<K>(
  deps: Pick<BootstrapDeps, 'clock' | 'audit'>,
  platform: PlatformSql,
  secret: string,
  proveOwner: (owner: BootstrapOwner) => Promise<void>,
  mintOwnerKey: (tenant: TenantSql, owner: BootstrapOwner) => Promise<K>,
): Promise<K> {
  const now = deps.clock.now();
  // Single use even under concurrent redemption: the conditional UPDATE is atomic.
  const { rows } = await platform.query<{ user_id: UserId; org_id: OrgId; passkey_challenge: string | null }>(
    `UPDATE bootstrap_secrets SET used_at = $2
      WHERE secret_hash = $1 AND used_at IS NULL AND expires_at > $2 AND passkey_challenge IS NOT NULL
      RETURNING user_id, opens_org AS org_id, passkey_challenge`,
    [hashSecret(secret), now],
  );
  const row = rows[0];
  if (!row?.passkey_challenge) throw new AppError('tenancy.bootstrap_invalid');
  const { rows: users } = await platform.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [
    row.user_id,
  ]);
  const owner: BootstrapOwner = {
    orgId: row.org_id,
    ownerUserId: row.user_id,
    email: users[0]?.email ?? '',
    passkeyChallenge: row.passkey_challenge,
  };
  await proveOwner(owner);
  return platform.inTenant(owner.orgId, async (tenant) => {
    await deps.audit.append(tenant, [
      {
        orgId: owner.orgId,
        actor: { type: 'user', id: owner.ownerUserId },
        action: 'tenancy.bootstrap.redeemed',
        decision: 'allow',
        resource: { type: 'Org', id: owner.orgId },
      },
    ]);
    return mintOwnerKey(tenant, owner);
  });
}

/**
 * After a failed redemption (the passkey was refused, so nothing was consumed): the secret's challenge is dropped, so
 * no answer to it is accepted later, and the failure is recorded in the org's chain.
 */
export async function abandonOwnerSetup(
  deps: Pick<BootstrapDeps, 'db' | 'audit'>,
  secret: string,
  reason: string,
): Promise<void> {
  await deps.db.withPlatform(async (platform) => {
    const { rows } = await platform.query<{ org_id: OrgId; user_id: UserId }>(
      'UPDATE bootstrap_secrets SET passkey_challenge = NULL WHERE secret_hash = $1 AND used_at IS NULL RETURNING opens_org AS org_id, user_id',
      [hashSecret(secret)],
    );
    const row = rows[0];
    if (!row) return;
    await platform.inTenant(row.org_id, (tenant) =>
      deps.audit.append(tenant, [
        {
          orgId: row.org_id,
          actor: { type: 'user', id: row.user_id },
          action: 'tenancy.bootstrap.failed',
          decision: 'deny',
          reasonCodes: [reason],
          resource: { type: 'Org', id: row.org_id },
        },
      ]),
    );
  });
}

/** The platform org's id; throws when the platform was never bootstrapped. */
export async function findPlatformOrgId(db: Db): Promise<OrgId> {
  const id = await db.withPlatform(selectPlatformOrgId);
  if (!id) throw new Error('platform org missing: the database was never bootstrapped');
  return id;
}

/**
 * Issues a new bootstrap secret when the first one expired or was lost before anyone redeemed it. Refused once
 * any bootstrap secret was redeemed: from then on the platform owner's keys are the way in. Operator-only (CLI).
 */
export async function reissueBootstrapSecret(
  deps: BootstrapDeps,
  options: { ttlMinutes: number },
): Promise<{ secret: string; expiresAt: Date }> {
  const result = await deps.db.withPlatform(async (platform) => {
    await platform.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_ID]);
    const platformOrgId = await selectPlatformOrgId(platform);
    if (!platformOrgId)
      throw new AppError('tenancy.bootstrap_invalid', {
        publicMessage: 'the platform was never bootstrapped: run bulwark serve once',
      });
    const { rows } = await platform.query<{ user_id: UserId; redeemed: boolean }>(
      'SELECT user_id, bool_or(used_at IS NOT NULL) AS redeemed FROM bootstrap_secrets WHERE opens_org = $1 GROUP BY user_id',
      [platformOrgId],
    );
    const owner = rows[0];
    if (!owner) throw new AppError('tenancy.bootstrap_invalid', { publicMessage: 'no platform owner to bootstrap' });
    if (owner.redeemed)
      throw new AppError('tenancy.bootstrap_invalid', {
        publicMessage: 'the bootstrap secret was already redeemed; use a platform owner key instead',
      });
    // SECURITY: every earlier secret stops working before the new one exists.
    const { secret, expiresAt } = await issueOwnerSetupSecret(deps, platform, {
      orgId: platformOrgId,
      userId: owner.user_id,
      ttlMinutes: options.ttlMinutes,
    });
    const tenant = await platform.enterTenant(platformOrgId);
    await deps.audit.append(tenant, [
      {
        orgId: platformOrgId,
        actor: { type: 'system', id: 'cli' },
        action: 'tenancy.bootstrap.reissued',
        resource: { type: 'Org', id: platformOrgId },
        decision: 'info',
        details: { expires_at: expiresAt.toISOString() },
      },
    ]);
    return { secret, expiresAt };
  });
  return result;
}
