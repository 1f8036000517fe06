import type { AuditRecord } from './event.js';
import { checkpointMacValid, SEAL_EVERY_EVENTS, type AuditCheckpoint, type AuditSealKey } from './checkpoint.js';
import { ChainVerifier, type ChainProblem } from './hash-chain.js';

/** Why a sealed chain failed: a hash-chain problem, or one of its checkpoints. */
export type AuditProblem =
  | ChainProblem
  /** The chain recomputed up to a checkpoint's seq differs from the hash it sealed: an event at or before it was rewritten. */
  | 'checkpoint_mismatch'
  /** A checkpoint's MAC does not verify (forged, edited, copied from another org, or under a key the vault lacks). */
  | 'checkpoint_mac_invalid'
  /** A checkpoint seals a seq the chain no longer reaches: sealed events were truncated. */
  | 'checkpoint_beyond_head'
  /** More events follow the last checkpoint than the append path ever leaves unsealed: checkpoints were deleted. */
  | 'checkpoint_missing';

/** Result of verifying one org's chain against its sealed checkpoints. */
export interface AuditVerdict {
  ok: boolean;
  eventsChecked: number;
  lastSeq: number;
  lastHash: string;
  /** The first event that is not proven intact (for a checkpoint problem: the first after the last good checkpoint). */
  firstBadSeq?: number;
  problem?: AuditProblem;
  /** The checkpoint that failed. */
  badCheckpointSeq?: number;
  /** Checkpoints whose MAC and sealed hash were both confirmed (only hashes when `macsChecked` is false). */
  checkpointsChecked: number;
  lastCheckpointSeq: number;
  /** Events after the last good checkpoint: not an error, but a rewrite of them would not be detected. */
  unsealedEvents: number;
  /** False when no MAC key was at hand (a third party checking an export): sealed hashes were compared, MACs were not. */
  macsChecked: boolean;
}

/** Options of a verification: the MAC key (omit to skip MACs) and the append path's sealing bound. */
export interface SealedVerifyOptions {
  key?: AuditSealKey;
  sealEvery?: number;
}

/**
 * Verifies records streamed in sequence order against the org's checkpoints: every checkpoint's MAC is valid, and the
 * chain recomputed up to its seq equals the hash it sealed. Give checkpoints up front or with `addCheckpoint` (an
 * export line follows the event it seals); feed records with `check`, then call `finish`.
 */
export class SealedChainVerifier {
  private readonly chain: ChainVerifier;
  // Checkpoints whose seq the chain has not reached yet, in seq order.
  private readonly pending: AuditCheckpoint[] = [];
  private readonly sealEvery: number;
  private last: { seq: number; hash: string } = { seq: 0, hash: '' };
  private goodCheckpoints = 0;
  private lastGoodSeq = 0;
  private failure: { problem: AuditProblem; checkpointSeq: number } | undefined;

  constructor(
    private readonly orgId: string,
    checkpoints: readonly AuditCheckpoint[] = [],
    private readonly options: SealedVerifyOptions = {},
  ) {
    this.chain = new ChainVerifier(orgId);
    this.sealEvery = options.sealEvery ?? SEAL_EVERY_EVENTS;
    for (const checkpoint of checkpoints) this.queue(checkpoint);
  }

  /** Checks the next record and any checkpoint waiting for its seq; returns false once verification has failed. */
  async check(record: AuditRecord): Promise<boolean> {
    if (this.failure || !this.chain.check(record)) return false;
    this.last = { seq: record.seq, hash: record.hash };
    while (this.pending[0]?.seq === record.seq) {
      if (!(await this.confirm(this.pending.shift() as AuditCheckpoint))) return false;
    }
    return true;
  }

  /** Adds a checkpoint: checked at once when it seals the last record checked, or when the chain reaches its seq. */
  async addCheckpoint(checkpoint: AuditCheckpoint): Promise<boolean> {
    if (this.failure) return false;
    if (checkpoint.seq > this.last.seq) {
      this.queue(checkpoint);
      return true;
    }
    // A checkpoint for an event already passed cannot be compared any more (only the last hash is kept): fail closed.
    if (checkpoint.seq < this.last.seq) return this.fail('checkpoint_mismatch', checkpoint.seq);
    return this.confirm(checkpoint);
  }

  /** The verdict; with `head` (inside Bulwark), a chain shorter than or different from the stored head fails too. */
  async finish(head?: { seq: number; hash: string }): Promise<AuditVerdict> {
    const chain = this.chain.finish(head);
    const seal = {
      checkpointsChecked: this.goodCheckpoints,
      lastCheckpointSeq: this.lastGoodSeq,
      unsealedEvents: Math.max(0, chain.lastSeq - this.lastGoodSeq),
      macsChecked: this.options.key !== undefined,
    };
    const base = { eventsChecked: chain.eventsChecked, lastSeq: chain.lastSeq, lastHash: chain.lastHash, ...seal };
    const sealFailure = (problem: AuditProblem, checkpointSeq: number): AuditVerdict => ({
      ok: false,
      ...base,
      firstBadSeq: this.lastGoodSeq + 1,
      problem,
      badCheckpointSeq: checkpointSeq,
    });
    if (this.failure) return sealFailure(this.failure.problem, this.failure.checkpointSeq);
    // A broken chain names its own first bad event, which is more precise than any checkpoint.
    if (!chain.ok)
      return {
        ok: false,
        ...base,
        ...(chain.firstBadSeq === undefined ? {} : { firstBadSeq: chain.firstBadSeq }),
        ...(chain.problem ? { problem: chain.problem } : {}),
      };
    const beyond = this.pending[0];
    if (beyond)
      return sealFailure(
        (await this.macValid(beyond)) ? 'checkpoint_beyond_head' : 'checkpoint_mac_invalid',
        beyond.seq,
      );
    // INVARIANT: the append path seals whenever an append crosses a multiple of sealEvery (in the same transaction),
    // so fewer than sealEvery events ever follow the last checkpoint; more means checkpoints were removed.
    if (seal.unsealedEvents >= this.sealEvery)
      return { ok: false, ...base, firstBadSeq: this.lastGoodSeq + 1, problem: 'checkpoint_missing' };
    return { ok: true, ...base };
  }

  private queue(checkpoint: AuditCheckpoint): void {
    const at = this.pending.findIndex((c) => c.seq > checkpoint.seq);
    this.pending.splice(at === -1 ? this.pending.length : at, 0, checkpoint);
  }

  /** Checks a checkpoint of the last record checked: MAC first, then the sealed hash. */
  private async confirm(checkpoint: AuditCheckpoint): Promise<boolean> {
    if (!(await this.macValid(checkpoint))) return this.fail('checkpoint_mac_invalid', checkpoint.seq);
    if (checkpoint.head_hash !== this.last.hash) return this.fail('checkpoint_mismatch', checkpoint.seq);
    this.goodCheckpoints += 1;
    this.lastGoodSeq = checkpoint.seq;
    return true;
  }

  private fail(problem: AuditProblem, checkpointSeq: number): false {
    this.failure = { problem, checkpointSeq };
    return false;
  }

  private async macValid(checkpoint: AuditCheckpoint): Promise<boolean> {
    // SECURITY: the MAC covers org_id; comparing it as well keeps a keyless check from accepting another org's line.
    if (checkpoint.org_id !== this.orgId) return false;
    return this.options.key ? checkpointMacValid(this.options.key, checkpoint) : true;
  }
}
