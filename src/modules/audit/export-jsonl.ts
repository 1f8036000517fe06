import type { AuditCheckpoint } from './checkpoint.js';
import type { AuditRecord } from './event.js';
import { ChainVerifier, type ChainVerdict } from './hash-chain.js';
import { SealedChainVerifier, type AuditVerdict, type SealedVerifyOptions } from './sealed-chain-verifier.js';

/** One JSONL line of an export: the record exactly as hashed, plus its hashes. */
export function toJsonLine(record: AuditRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/** The JSONL line of a checkpoint: `{"checkpoint":{…}}`, written right after the event it seals. */
export function toCheckpointLine(checkpoint: AuditCheckpoint): string {
  return `${JSON.stringify({ checkpoint })}\n`;
}

/** A parsed export line: an event or a checkpoint. */
type ExportLine = { kind: 'event'; record: AuditRecord } | { kind: 'checkpoint'; checkpoint: AuditCheckpoint };

function parseLine(line: string): ExportLine {
  const value = JSON.parse(line) as AuditRecord | { checkpoint: AuditCheckpoint };
  return 'checkpoint' in value
    ? { kind: 'checkpoint', checkpoint: value.checkpoint }
    : { kind: 'event', record: value };
}

/**
 * Verifies an export's hash chain alone (one org, from seq 1, in order) with the algorithm of docs/audit-format.md;
 * checkpoint lines are skipped. `verifyExport` also checks them.
 */
export function verifyJsonLines(orgId: string, lines: Iterable<string>): ChainVerdict {
  const verifier = new ChainVerifier(orgId);
  for (const line of lines) {
    if (line.trim() === '') continue;
    const parsed = parseLine(line);
    if (parsed.kind === 'event' && !verifier.check(parsed.record)) break;
  }
  return verifier.finish();
}

/**
 * Verifies a whole export (one org, from seq 1): the hash chain, each checkpoint's sealed hash and, given the vault's
 * MAC key (`options.key`), each checkpoint's MAC. Without the key `macsChecked` is false: anyone can recompute the
 * sealed hashes of a forged file, so only the key holder's check proves the checkpoints.
 */
export async function verifyExport(
  orgId: string,
  lines: Iterable<string> | AsyncIterable<string>,
  options: SealedVerifyOptions = {},
): Promise<AuditVerdict> {
  const verifier = new SealedChainVerifier(orgId, [], options);
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const parsed = parseLine(line);
    const ok =
      parsed.kind === 'event' ? await verifier.check(parsed.record) : await verifier.addCheckpoint(parsed.checkpoint);
    if (!ok) break;
  }
  return verifier.finish();
}
