import { createHmac } from 'node:crypto';
import { AppError } from '../../lib/errors/index.js';
import type { OrgId } from '../../lib/ids.js';
import type { ContextClaim, Db, OwnerDb, TenantContextSigner as ContextSigner } from './db.js';

/** The label the vault's MAC key signs to derive the tenant-context key (a new label is a new key). */
export const TENANT_CONTEXT_KEY_LABEL = 'bulwark.tenant-context.v1';

const HMAC_BLOCK = 64;

/**
 * Signs the tenant context of a transaction (migration 0012): the tag binds the claim to this backend and this
 * transaction's start, as `bulwark_context_claim()` recomputes it inside the database.
 */
export class TenantContextSigner implements ContextSigner {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('the tenant-context key is 32 bytes');
    this.#key = Buffer.from(key);
  }

  /** The value of `bulwark.context` for `claim` in the transaction whose binding (`<pid>|<start µs>`) is given. */
  contextFor(claim: ContextClaim, binding: string): string {
    const tag = createHmac('sha256', this.#key).update(`${claim}|${binding}`, 'utf8').digest('hex');
    return `${claim}|${tag}`;
  }

  /** HMAC's inner and outer key blocks, as the database stores them. */
  pads(): { inner: Buffer; outer: Buffer } {
    const block = Buffer.alloc(HMAC_BLOCK);
    this.#key.copy(block);
    return {
      inner: Buffer.from(block.map((byte) => byte ^ 0x36)),
      outer: Buffer.from(block.map((byte) => byte ^ 0x5c)),
    };
  }
}

// The binding of the current transaction, selected in the same statement that drops to the app role.
export const BINDING_SQL =
  "pg_backend_pid()::text || '|' || (extract(epoch FROM transaction_timestamp()) * 1000000)::bigint::text";

/**
 * Installs the key the database checks tenant contexts with (owner connection only): the vault key it came from and
 * HMAC's padded key blocks. Replaces a previous key, so every node must then use the new one.
 */
export async function installTenantContextKey(owner: OwnerDb, macKeyId: string, signer: TenantContextSigner) {
  const { inner, outer } = signer.pads();
  await owner.withOwner((sql) =>
    sql.query(
      `INSERT INTO tenant_context_key (singleton, mac_key_id, inner_pad, outer_pad) VALUES (true, $1, $2, $3)
       ON CONFLICT (singleton) DO UPDATE SET mac_key_id = EXCLUDED.mac_key_id, inner_pad = EXCLUDED.inner_pad,
         outer_pad = EXCLUDED.outer_pad, installed_at = now()`,
      [macKeyId, inner, outer],
    ),
  );
}

/** Fails with `db.tenant_context_key_mismatch` unless the database accepts contexts signed by this Db's key. */
export async function assertTenantContextAccepted(check: () => Promise<string | null>, expected: string) {
  const accepted = await check();
  if (accepted !== expected)
    throw new AppError('db.tenant_context_key_mismatch', {
      publicMessage:
        'the database checks tenant contexts with another key than this node derives from its key vault: ' +
        'every node must use the key vault the database was prepared with (run bulwark migrate with it)',
    });
}

/** The vault key the database's tenant-context key was derived from, or null when none is installed yet. */
export async function readTenantContextKeyId(db: Db): Promise<string | null> {
  return db.withPlatform(async (sql) => {
    const { rows } = await sql.query<{ installed: boolean }>(
      "SELECT to_regclass('public.tenant_context_key') IS NOT NULL AS installed",
    );
    if (!rows[0]?.installed) return null;
    return (
      (await sql.query<{ mac_key_id: string }>('SELECT mac_key_id FROM tenant_context_key')).rows[0]?.mac_key_id ?? null
    );
  });
}

/** The org the database accepts as this transaction's tenant (null: the context is not accepted). */
export async function acceptedTenant(db: Db, orgId: OrgId): Promise<string | null> {
  return db.withTenant(orgId, async (sql) => {
    return (await sql.query<{ org: string | null }>('SELECT bulwark_tenant_org() AS org')).rows[0]?.org ?? null;
  });
}

/** The part of the key vault the tenant-context key is derived with (its MAC key). */
export interface TenantContextKeySource {
  currentMacKeyId(): string;
  mac(keyId: string, data: Buffer): Promise<Buffer>;
}

async function derive(source: TenantContextKeySource, macKeyId: string): Promise<TenantContextSigner | undefined> {
  try {
    return new TenantContextSigner(await source.mac(macKeyId, Buffer.from(TENANT_CONTEXT_KEY_LABEL, 'utf8')));
  } catch (error) {
    if (error instanceof AppError && error.code === 'vault.key_not_found') return undefined;
    throw error;
  }
}

// A well-formed org id no org has: the probe proves the database accepts this node's signature.
const PROBE_ORG = `org_${'0'.repeat(26)}` as OrgId;

/**
 * Keys `db` with the tenant-context key derived from the vault's MAC key, then proves the database accepts it. With
 * `owner` (the migration connection) a database without a key, or with one this vault cannot derive (a test key,
 * another vault), gets this vault's key installed; without it such a database fails `db.tenant_context_key_mismatch`.
 */
export async function keyTenantContext(db: Db, source: TenantContextKeySource, owner?: OwnerDb): Promise<void> {
  const installedId = await readTenantContextKeyId(db);
  let signer = installedId === null ? undefined : await derive(source, installedId);
  if (!signer) {
    if (!owner)
      throw new AppError('db.tenant_context_key_mismatch', {
        publicMessage: 'the database has no tenant-context key this node can derive: run bulwark migrate',
      });
    const macKeyId = source.currentMacKeyId();
    signer = await derive(source, macKeyId);
    if (!signer) throw new AppError('vault.key_not_found', { publicMessage: `the vault has no MAC key ${macKeyId}` });
    await installTenantContextKey(owner, macKeyId, signer);
  }
  db.keyTenantContext(signer);
  owner?.keyTenantContext(signer);
  await assertTenantContextAccepted(() => acceptedTenant(db, PROBE_ORG), PROBE_ORG);
}
