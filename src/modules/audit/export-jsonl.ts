import type { AuditRecord } from './event.js';
import { ChainVerifier, type ChainVerdict } from './hash-chain.js';

/** One JSONL line of an export: the record exactly as hashed, plus its hashes. */
export function toJsonLine(record: AuditRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/** Verifies an export's lines (one org, in order) with the algorithm of docs/audit-format.md. */
export function verifyJsonLines(orgId: string, lines: Iterable<string>): ChainVerdict {
  const verifier = new ChainVerifier(orgId);
  for (const line of lines) {
    if (line.trim() === '') continue;
    if (!verifier.check(JSON.parse(line) as AuditRecord)) break;
  }
  return verifier.finish();
}
