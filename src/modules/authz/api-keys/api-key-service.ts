import { createHash } from 'node:crypto';
import type { Clock } from '../../../lib/clock.js';
import { constantTimeEqual } from '../../../lib/constant-time.js';
import { AppError, type ErrorCode } from '../../../lib/errors/index.js';
import { isId, newId, type ApiKeyId, type OrgId } from '../../../lib/ids.js';
import {
  bumpOrgGeneration,
  GenerationCache,
  selectOrgGeneration,
  type OrgGenerations,
} from '../../../platform/cache-generation/index.js';
import type { Db, TenantSql } from '../../../platform/db/index.js';
import type { AuditActor, AuditEventInput, AuditLog } from '../../audit/index.js';
import { activeOwner, PASSKEY_ROLES, type ActiveOwner } from '../../tenancy/index.js';
import { actions } from '../actions.js';
import type { Principal } from '../principal.js';
import type { ApiKey, KeyOwner } from './api-key.js';
import { ipAllowed } from './cidr.js';
import { effectiveKeyRoles } from './effective-roles.js';
import { assertCanIssueKey, type KeyGrant } from './key-grantability.js';
import { mintApiKey, parseApiKey, type KeyEnv } from './key-format.js';
import {
  insertKey,
  revokeKey,
  selectKey,
  selectKeyForAuth,
  selectKeyOrg,
  selectKeys,
  shortenExpiry,
  touchKey,
  type KeyForAuth,
} from './repo.js';
import { MAX_OVERLAP_SECONDS, MIN_OVERLAP_SECONDS, type CreateKeyBody } from './schema.js';
import { unusableScopes, type ScopePermits } from './usable-scopes.js';

/** Dependencies of the API key service. */
export interface ApiKeyServiceDeps {
  db: Db;
  clock: Clock;
  audit: AuditLog;
  /** Environment this deployment issues and accepts keys for. */
  env: KeyEnv;
  /** Called after any change to an org's keys (decision caches drop their entries). */
  onChange?: (orgId: OrgId) => void;
  /** Whether a key about to be issued could ever use a scope (see createScopePermits). */
  permits: ScopePermits;
  /** The orgs' cache generations: a cached key is used only under the generation it was loaded at. */
  generations: OrgGenerations;
  /** Longest life of a key carrying `hwk` with a passkey role (owner, admin, security, finance). */
  passkeyKeyMaxLifetimeMs: number;
}

/** A key as authentication last read it, with its owner's roles and attributes then. */
interface KeyForAuthWithOwner extends KeyForAuth {
  ownerAttributes: Record<string, unknown> | undefined;
  ownerRoles: string[];
}

// A key's last use is written at most once a minute (touchKey); the cache skips the write in between.
const TOUCH_INTERVAL_MS = 60_000;

/** Why authentication failed; recorded in the audit log, never shown to the client. */
export class AuthenticationFailure extends Error {
  constructor(
    readonly reason: Extract<ErrorCode, `authn.${string}`>,
    readonly orgId: OrgId | undefined,
    readonly keyId: string | undefined,
  ) {
    super(reason);
  }
}

/** Request facts recorded with key changes. */
export interface ChangeMeta {
  requestId?: string;
  clientIp?: string;
  userAgent?: string;
}

// SECURITY: keys carry 256 random bits, so SHA-256 suffices; a slow hash would only slow authentication.
const hashKey = (token: string): string => createHash('sha256').update(token).digest('hex');

// Stand-ins for an unknown key id (see authenticate): well-formed ids no row has, and a hash no key has.
const NO_ORG = 'org_00000000000000000000000000' as OrgId;
const NO_OWNER = { type: 'user', id: 'usr_00000000000000000000000000' } as const;
const NO_HASH = '0'.repeat(64);

/** The audit actor of a principal. */
export function actorOf(principal: Principal): AuditActor {
  return { type: principal.kind, id: principal.id };
}

function ownerOfCreator(creator: Principal): KeyOwner {
  if (creator.kind === 'api_key') {
    const ownerId = creator.ownerId ?? '';
    return { type: ownerId.startsWith('svc_') ? 'service_account' : 'user', id: ownerId };
  }
  return { type: creator.kind === 'service_account' ? 'service_account' : 'user', id: creator.id };
}

/** Issuing, rotating, revoking and authenticating scoped API keys. */
export class ApiKeyService {
  // SECURITY: keyed by key id, holding the org with it (a key id belongs to one org); entries are used only when the
  // presented secret matches their hash and the org's generation is the one they were loaded at.
  private readonly keys = new GenerationCache<string, KeyForAuthWithOwner>(10_000);

  constructor(private readonly deps: ApiKeyServiceDeps) {}

  /**
   * Creates a key in the transaction's org. Refuses (`authz.role_not_grantable`) a role the creator could not
   * grant, scopes or authentication methods the creating key lacks, and (`authz.scopes_unusable`) scopes the key
   * could never use. Returns the metadata and the token, shown once.
   */
  async create(
    sql: TenantSql,
    creator: Principal,
    body: CreateKeyBody,
    meta: ChangeMeta = {},
  ): Promise<{ key: ApiKey; token: string }> {
    assertCanIssueKey(creator, body);
    const now = this.deps.clock.now();
    const requested = body.expires_at ? new Date(body.expires_at) : null;
    if (requested && requested <= now)
      throw new AppError('http.bad_request', {
        publicMessage: 'expires_at must be in the future',
        details: { issues: [{ field: 'body.expires_at', message: 'must be in the future' }] },
      });
    const expiresAt = this.boundedExpiry(body, requested, now);
    const owner = body.owner ?? ownerOfCreator(creator);
    const ownerNow = await this.mustFindActiveOwner(sql, owner);
    const minted = mintApiKey(newId('key', now.getTime()), this.deps.env);
    this.assertScopesUsable(
      {
        kind: 'api_key',
        id: minted.keyId,
        orgId: sql.orgId,
        roles: effectiveKeyRoles(body.role, ownerNow.roles),
        attributes: {},
        scopes: body.scopes,
        amr: body.amr,
        ownerId: owner.id,
      },
      body,
    );
    const key = await insertKey(sql, {
      id: minted.keyId,
      name: body.name,
      env: minted.env,
      owner,
      role: body.role,
      scopes: [...new Set(body.scopes)],
      amr: [...new Set(body.amr)],
      cidrs: body.cidrs,
      expiresAt,
      rotatedFrom: null,
      secretHash: hashKey(minted.token),
      createdBy: actorOf(creator),
      createdAt: now,
    });
    await this.deps.audit.append(sql, [
      this.changeEvent(sql.orgId, creator, 'authz.api_key.created', key.id, meta, {
        role: key.role,
        scopes: key.scopes,
        owner: key.owner,
        expires_at: key.expiresAt?.toISOString() ?? null,
      }),
    ]);
    await bumpOrgGeneration(sql);
    this.deps.onChange?.(sql.orgId);
    return { key, token: minted.token };
  }

  /**
   * Issues a successor with the same grants; the old key stays valid for `overlapSeconds` (0 = it expires now, at
   * most 7 days), then expires. Only a principal that could create the key now may rotate it (`assertCanIssueKey`).
   */
  async rotate(
    sql: TenantSql,
    actor: Principal,
    keyId: string,
    overlapSeconds: number,
    meta: ChangeMeta = {},
  ): Promise<{ key: ApiKey; token: string }> {
    if (
      !Number.isSafeInteger(overlapSeconds) ||
      overlapSeconds < MIN_OVERLAP_SECONDS ||
      overlapSeconds > MAX_OVERLAP_SECONDS
    ) {
      throw new AppError('http.bad_request', {
        publicMessage: `overlap_seconds must be a whole number from ${MIN_OVERLAP_SECONDS} to ${MAX_OVERLAP_SECONDS}`,
        details: {
          issues: [
            {
              field: 'body.overlap_seconds',
              message: `must be an integer from ${MIN_OVERLAP_SECONDS} to ${MAX_OVERLAP_SECONDS}`,
            },
          ],
        },
      });
    }
    const old = await this.mustFind(sql, keyId, true);
    const now = this.deps.clock.now();
    if (old.revokedAt || (old.expiresAt && old.expiresAt <= now))
      throw new AppError('db.conflict', { publicMessage: 'a revoked or expired key cannot be rotated' });
    // SECURITY: rotation hands out a fresh secret with the old key's grants, so it checks exactly what creation checks;
    // otherwise any holder of manage:keys (a security key) could rotate the owner's key and receive an owner key.
    assertCanIssueKey(actor, old);
    const minted = mintApiKey(newId('key', now.getTime()), this.deps.env);
    const key = await insertKey(sql, {
      ...old,
      // A successor never outlives its predecessor; an unbounded passkey-role key gets the bound from now.
      expiresAt: old.expiresAt ?? this.boundedExpiry(old, null, now),
      id: minted.keyId,
      env: minted.env,
      rotatedFrom: old.id,
      secretHash: hashKey(minted.token),
      createdBy: actorOf(actor),
      createdAt: now,
    });
    await shortenExpiry(sql, old.id, new Date(now.getTime() + overlapSeconds * 1000));
    await this.deps.audit.append(sql, [
      this.changeEvent(sql.orgId, actor, 'authz.api_key.rotated', old.id, meta, {
        successor: key.id,
        overlap_seconds: overlapSeconds,
      }),
    ]);
    await bumpOrgGeneration(sql);
    this.deps.onChange?.(sql.orgId);
    return { key, token: minted.token };
  }

  // SECURITY: a key that carries `hwk` and a passkey role acts with admin or finance power without any further
  // ceremony, so it lives a bounded time (at most passkeyKeyMaxLifetimeMs, that much when no expiry is asked).
  private boundedExpiry(key: { role: string; amr: readonly string[] }, requested: Date | null, now: Date) {
    if (!key.amr.includes('hwk') || !PASSKEY_ROLES.has(key.role)) return requested;
    const latest = new Date(now.getTime() + this.deps.passkeyKeyMaxLifetimeMs);
    if (requested && requested > latest)
      throw new AppError('authz.key_lifetime_exceeded', {
        publicMessage: `a key with hwk and role '${key.role}' may live until ${latest.toISOString()} at most`,
        details: { issues: [{ field: 'body.expires_at', message: `at most ${latest.toISOString()}` }] },
      });
    return requested ?? latest;
  }

  /** Revokes a key at once. Revoking twice is refused with `db.conflict`. */
  async revoke(sql: TenantSql, actor: Principal, keyId: string, meta: ChangeMeta = {}): Promise<ApiKey> {
    await this.mustFind(sql, keyId, true);
    if (!(await revokeKey(sql, keyId, this.deps.clock.now())))
      throw new AppError('db.conflict', { publicMessage: 'the key is already revoked' });
    await this.deps.audit.append(sql, [this.changeEvent(sql.orgId, actor, 'authz.api_key.revoked', keyId, meta, {})]);
    await bumpOrgGeneration(sql);
    this.deps.onChange?.(sql.orgId);
    return this.mustFind(sql, keyId);
  }

  /** Keys of the transaction's org (metadata only), keyset-paginated. */
  list(sql: TenantSql, options: { afterId?: string; limit: number }): Promise<ApiKey[]> {
    return selectKeys(sql, options);
  }

  /** One key's metadata; `http.not_found` when the org has no such key. */
  get(sql: TenantSql, keyId: string): Promise<ApiKey> {
    return this.mustFind(sql, keyId);
  }

  /** The owner of one of the org's keys, for authorization's resource; undefined when the org has no such key. */
  async ownerOf(orgId: OrgId, keyId: string): Promise<KeyOwner | undefined> {
    if (!isId('key', keyId)) return undefined;
    return (await this.deps.db.withTenant(orgId, (sql) => selectKey(sql, keyId)))?.owner;
  }

  /**
   * Resolves a presented key to a principal. Every failure throws `AuthenticationFailure` with a precise
   * reason for the audit log; the secret is compared before any state of the key is revealed.
   */
  async authenticate(token: string, clientIp: string | undefined): Promise<Principal> {
    const parsed = parseApiKey(token);
    if (!parsed) throw new AuthenticationFailure('authn.key_malformed', undefined, undefined);
    if (parsed.env !== this.deps.env)
      throw new AuthenticationFailure('authn.key_wrong_environment', undefined, parsed.keyId);
    const now = this.deps.clock.now();
    const hash = hashKey(token);
    const found = (await this.fromCache(parsed.keyId, hash)) ?? (await this.load(parsed.keyId, hash));
    if (!found || !constantTimeEqual(hash, found.secretHash))
      throw new AuthenticationFailure('authn.key_unknown', found?.orgId, parsed.keyId);
    const fail = (reason: AuthenticationFailure['reason']) => new AuthenticationFailure(reason, found.orgId, found.id);
    // Expiry and the CIDR list are checked against this request's clock and address, never a cached verdict.
    if (found.revokedAt) throw fail('authn.key_revoked');
    if (found.expiresAt && found.expiresAt <= now) throw fail('authn.key_expired');
    if (found.cidrs.length > 0 && (!clientIp || !ipAllowed(clientIp, found.cidrs)))
      throw fail('authn.key_ip_not_allowed');
    if (!found.ownerAttributes) throw fail('authn.owner_inactive');
    await this.touchIfDue(found, now);
    const attributes = found.ownerAttributes;
    return {
      kind: 'api_key',
      id: found.id,
      orgId: found.orgId,
      // SECURITY: the owner's roles are those read under the org's current generation (a demotion bumps it), so a
      // demotion caps the key on the next request (decision-cache keys hold roles).
      roles: effectiveKeyRoles(found.role, found.ownerRoles),
      attributes: {
        ...(typeof attributes.region === 'string' ? { region: attributes.region } : {}),
        ...(Array.isArray(attributes.projects)
          ? { projects: attributes.projects.filter((p): p is string => typeof p === 'string') }
          : {}),
      },
      scopes: found.scopes,
      amr: found.amr,
      ownerId: found.owner.id,
    };
  }

  // A cached key whose hash matches the presented secret, if its org's generation (read now, from the database) is
  // the one it was loaded at. A wrong secret never uses the cache: it takes the full path below, so a rejected key id
  // that exists costs the same as one that does not (bench/auth-timing.ts).
  private async fromCache(keyId: string, hash: string): Promise<KeyForAuthWithOwner | undefined> {
    const cached = this.keys.peek(keyId);
    if (!cached || !constantTimeEqual(hash, cached.secretHash)) return undefined;
    const generation = await this.deps.generations.read(cached.orgId);
    return this.keys.get(keyId, generation);
  }

  // SECURITY: an unknown key id runs the same queries and the same compare as a known one (against an org and an
  // owner that cannot exist and a dummy hash), so response time does not tell which key ids are real.
  private async load(keyId: string, hash: string): Promise<KeyForAuthWithOwner | undefined> {
    const loaded = await this.deps.db.withPlatform(async (platform) => {
      const orgId = await selectKeyOrg(platform, keyId);
      const tenant = await platform.enterTenant(orgId ?? NO_ORG);
      // INVARIANT: the generation is read before the key and its owner, so the entry is never stamped newer than them.
      const generation = await selectOrgGeneration(tenant, orgId ?? NO_ORG);
      const key = await selectKeyForAuth(tenant, keyId);
      const owner = await activeOwner(tenant, key?.owner ?? NO_OWNER);
      if (!key) return void constantTimeEqual(hash, NO_HASH);
      return { generation, key: { ...key, ownerAttributes: owner?.attributes, ownerRoles: owner?.roles ?? [] } };
    });
    if (!loaded) return undefined;
    const { generation, key } = loaded;
    this.deps.generations.observe(key.orgId, generation);
    // Only a key whose secret was presented is cached; an entry is looked up only with that secret again.
    if (constantTimeEqual(hash, key.secretHash)) this.keys.set(keyId, generation, key);
    return key;
  }

  private async touchIfDue(key: KeyForAuthWithOwner, now: Date): Promise<void> {
    if (key.lastUsedAt && now.getTime() - key.lastUsedAt.getTime() < TOUCH_INTERVAL_MS) return;
    await this.deps.db.withTenant(key.orgId, (sql) => touchKey(sql, key.id, now));
    // The cached entry's last use moves on with it (touchKey writes no more than once a minute either way).
    key.lastUsedAt = now;
  }

  private async mustFindActiveOwner(sql: TenantSql, owner: KeyOwner): Promise<ActiveOwner> {
    const found = await activeOwner(sql, owner);
    if (found === undefined) {
      throw new AppError('http.bad_request', {
        publicMessage: `the key owner ${owner.id} is not an active ${owner.type.replace('_', ' ')} of this org`,
        details: { issues: [{ field: 'body.owner', message: 'not an active member of this org' }] },
      });
    }
    return found;
  }

  // A key whose roles (its ceiling capped by its owner's current roles) can never use one of its scopes is refused,
  // naming those scopes. Asking for every scope of the catalogue means "whatever the role allows" and is refused only
  // when nothing at all is usable.
  private assertScopesUsable(candidate: Principal, grant: KeyGrant): void {
    const unusable = unusableScopes(this.deps.permits, candidate);
    const everyScope = new Set(grant.scopes).size === actions.length;
    if (unusable.length === 0 || (everyScope && unusable.length < grant.scopes.length)) return;
    const actingAs = candidate.roles.length ? candidate.roles.join(', ') : 'no role';
    throw new AppError('authz.scopes_unusable', {
      publicMessage: `a key with role '${grant.role}' (acting as ${actingAs} for its owner${grant.amr.includes('hwk') ? '' : ', without hwk'}) can never use the scopes: ${unusable.join(', ')}`,
      details: { scopes: unusable },
    });
  }

  private async mustFind(sql: TenantSql, keyId: string, forUpdate = false): Promise<ApiKey> {
    const key = isId('key', keyId) ? await selectKey(sql, keyId, forUpdate) : undefined;
    if (!key) throw new AppError('http.not_found', { publicMessage: 'no such API key' });
    return key;
  }

  private changeEvent(
    orgId: OrgId,
    actor: Principal,
    action: string,
    keyId: ApiKeyId | string,
    meta: ChangeMeta,
    details: Record<string, unknown>,
  ): AuditEventInput {
    return {
      orgId,
      actor: actorOf(actor),
      action,
      resource: { type: 'ApiKey', id: keyId },
      decision: 'info',
      requestId: meta.requestId ?? null,
      clientIp: meta.clientIp ?? null,
      userAgent: meta.userAgent ?? null,
      details,
    };
  }
}
