import { canonicalJson } from '../../lib/canonical-json.js';
import { isAppError } from '../../lib/errors/index.js';
import type { KeyVault } from '../../platform/vault/index.js';

/** What the audit log needs of the vault to seal and check checkpoints (the KeyVault's MAC operations). */
export type AuditSealKey = Pick<KeyVault, 'currentMacKeyId' | 'mac' | 'verifyMac'>;

/** A sealed checkpoint: the org's chain head at `seq`, MACed with a vault key. The wire shape of an export line. */
export interface AuditCheckpoint {
  org_id: string;
  seq: number;
  head_hash: string;
  /** RFC 3339 UTC with milliseconds. */
  sealed_at: string;
  key_id: string;
  /** Lowercase hex HMAC-SHA256 of `checkpointMacInput`. */
  mac: string;
}

/** Version tag inside the MAC input, so a tag over another structure can never pass for a checkpoint's. */
export const CHECKPOINT_FORMAT = 'bulwark.audit-checkpoint.v1';

/** Default sealing bounds: a checkpoint at least every this many events of an org (on the append path)... */
export const SEAL_EVERY_EVENTS = 1000;
/** ...and, while a serving node runs, within this long of an event (the sealing timer). */
export const SEAL_INTERVAL_MS = 60_000;

/** The bytes the MAC covers: RFC 8785 JSON of the format tag, org, seq, head hash, sealing time and key id. */
export function checkpointMacInput(checkpoint: Omit<AuditCheckpoint, 'mac'>): Buffer {
  const covered = {
    format: CHECKPOINT_FORMAT,
    org_id: checkpoint.org_id,
    seq: checkpoint.seq,
    head_hash: checkpoint.head_hash,
    sealed_at: checkpoint.sealed_at,
    key_id: checkpoint.key_id,
  };
  return Buffer.from(canonicalJson(covered), 'utf8');
}

/** Seals the head (`seq`, `headHash`) of `orgId` with the vault's current MAC key. */
export async function sealCheckpoint(
  key: AuditSealKey,
  orgId: string,
  seq: number,
  headHash: string,
  sealedAt: Date,
): Promise<AuditCheckpoint> {
  const unsealed = {
    org_id: orgId,
    seq,
    head_hash: headHash,
    sealed_at: sealedAt.toISOString(),
    key_id: key.currentMacKeyId(),
  };
  const tag = await key.mac(unsealed.key_id, checkpointMacInput(unsealed));
  return { ...unsealed, mac: tag.toString('hex') };
}

/** Whether the checkpoint's MAC is valid. A key id the vault does not hold counts as invalid; an unreachable vault throws. */
export async function checkpointMacValid(key: AuditSealKey, checkpoint: AuditCheckpoint): Promise<boolean> {
  if (!/^[0-9a-f]{64}$/.test(checkpoint.mac)) return false;
  const { mac, ...covered } = checkpoint;
  try {
    return await key.verifyMac(checkpoint.key_id, checkpointMacInput(covered), Buffer.from(mac, 'hex'));
  } catch (error) {
    // SECURITY: an attacker may write any key id; one the vault never issued proves nothing, so the seal fails.
    if (isAppError(error, 'vault.key_not_found')) return false;
    throw error;
  }
}
