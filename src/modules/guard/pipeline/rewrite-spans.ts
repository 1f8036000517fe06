import type { Finding } from '../detector.js';
import { maskLabel, tokenPrefix } from './mask-label.js';

/** A span to rewrite: masked irreversibly or replaced by a reversible token. */
export interface Rewrite {
  readonly finding: Finding;
  readonly mode: 'mask' | 'redact';
}

/** Rewritten text and the token → original map for the reversible replacements. */
export interface RewriteResult {
  readonly text: string;
  readonly vault: Record<string, string>;
}

/**
 * Rewrites non-overlapping spans: `mask` → `[EMAIL]`, `redact` → `[[PII_EMAIL_1]]` with the original kept in `vault`.
 * The same original value gets the same token within one call, so a model can still tell two people apart.
 */
export function rewriteSpans(text: string, rewrites: readonly Rewrite[]): RewriteResult {
  const ordered = [...rewrites].sort((a, b) => a.finding.start - b.finding.start);
  const vault: Record<string, string> = {};
  const tokenOf = new Map<string, string>();
  const counters = new Map<string, number>();
  let out = '';
  let at = 0;
  for (const { finding, mode } of ordered) {
    // SECURITY: a span overlapping one already rewritten still has its remainder rewritten, so no character of it leaks.
    if (finding.end <= at) continue;
    const start = Math.max(finding.start, at);
    out += text.slice(at, start);
    const original = text.slice(start, finding.end);
    if (mode === 'mask') {
      out += maskLabel(finding.class);
    } else {
      const prefix = tokenPrefix(finding.class);
      const key = `${prefix}\u0000${original}`;
      let token = tokenOf.get(key);
      if (token === undefined) {
        const n = (counters.get(prefix) ?? 0) + 1;
        counters.set(prefix, n);
        token = `[[${prefix}_${n}]]`;
        tokenOf.set(key, token);
        vault[token] = original;
      }
      out += token;
    }
    at = finding.end;
  }
  return { text: out + text.slice(at), vault };
}

/** Puts the originals back into a model response: every vault token is replaced by its value. */
export function restoreTokens(text: string, vault: Readonly<Record<string, string>>): string {
  return text.replace(/\[\[[A-Z0-9_]+_\d+\]\]/g, (token) => vault[token] ?? token);
}
