import type { Finding } from '../detector.js';
import { matchAllOf } from '../pipeline/match-all.js';
import { SECRETS_DETECTOR } from './classes.js';
import { isPlaceholder } from './placeholder.js';
import { MORE_PROVIDER_PATTERNS } from './provider-patterns-more.js';
import { PROVIDER_PATTERNS as BASE_PATTERNS } from './provider-patterns.js';

const PROVIDER_PATTERNS = [...BASE_PATTERNS, ...MORE_PROVIDER_PATTERNS];

// Secrets that have no prefix of their own: recognised by shape plus a provider word on the same line.
// `gate` lists lower-case words (found by CONTEXT_SCAN) one of which the context needs before its regex runs.
const CONTEXTUAL: readonly {
  class: string;
  gate: readonly string[];
  context: RegExp;
  pattern: RegExp;
  confidence: number;
}[] = [
  {
    class: 'secret.aws_secret_key',
    gate: ['aws', 'access', 'amazon'],
    context: /aws|secret[_ -]?access|amazon/i,
    pattern: /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
    confidence: 0.9,
  },
  {
    class: 'secret.twilio_key',
    gate: ['twilio', 'auth'],
    context: /twilio|auth[_ -]?token/i,
    pattern: /(?<![A-Za-z0-9])[0-9a-f]{32}(?![A-Za-z0-9])/g,
    confidence: 0.8,
  },
  {
    class: 'secret.gcp_service_account',
    gate: ['"private_key_id"'],
    context: /"private_key_id"/,
    pattern: /(?<=private_key_id"\s*:\s*")[0-9a-f]{40}(?=")/g,
    confidence: 0.9,
  },
];

function lineAround(text: string, index: number): string {
  const from = text.lastIndexOf('\n', index) + 1;
  const to = text.indexOf('\n', index);
  return text.slice(from, to === -1 ? text.length : to);
}

// One pass finds which needles occur; each provider pattern then runs only when one of its needles was seen.
// A regex alternation of ~170 literals costs ~50 µs per KB in V8, so the pass is a table lookup on each pair of
// characters (the first two of every needle), and only a hit compares the needles that start with that pair.
const ALL_NEEDLES = [...new Set(PROVIDER_PATTERNS.flatMap((p) => p.needle))];
const pairKey = (a: number, b: number): number => ((a & 0x7f) << 7) | (b & 0x7f);
const BY_PAIR = new Map<number, string[]>();
const PAIR_TABLE = new Uint8Array(1 << 14);
const SINGLE_CHAR_NEEDLES = ALL_NEEDLES.filter((n) => n.length === 1);
for (const needle of ALL_NEEDLES) {
  if (needle.length < 2) continue;
  const key = pairKey(needle.charCodeAt(0), needle.charCodeAt(1));
  PAIR_TABLE[key] = 1;
  BY_PAIR.set(key, [...(BY_PAIR.get(key) ?? []), needle]);
}

function needlesIn(text: string): Set<string> {
  const seen = new Set<string>();
  for (const n of SINGLE_CHAR_NEEDLES) if (text.includes(n)) seen.add(n);
  let prev = text.charCodeAt(0);
  for (let i = 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Non-ASCII characters are folded by the mask; the startsWith check below makes any false hit harmless.
    const key = pairKey(prev, c);
    prev = c;
    if (PAIR_TABLE[key] !== 1) continue;
    for (const needle of BY_PAIR.get(key) ?? [])
      if (!seen.has(needle) && text.startsWith(needle, i - 1)) seen.add(needle);
  }
  return seen;
}
const CONTEXT_SCAN = /aws|access|amazon|twilio|auth|"private_key_id"/gi;

/** Finds provider API keys and tokens (AWS, GCP, Azure, GitHub, GitLab, Stripe, Slack, Twilio, SendGrid, OpenAI, Anthropic, Hugging Face, npm, …). */
export function detectProviderKeys(text: string): Finding[] {
  const out: Finding[] = [];
  const seen = needlesIn(text);
  for (const p of PROVIDER_PATTERNS) {
    if (!p.needle.some((needle) => seen.has(needle))) continue;
    for (const m of matchAllOf(p.pattern, text)) {
      const value = m[1] ?? m[0];
      const start = m.index + m[0].length - value.length;
      const placeholder = isPlaceholder(value);
      out.push({
        class: p.class,
        start,
        end: start + value.length,
        confidence: placeholder ? 0.3 : p.confidence,
        reason: placeholder ? 'guard.secret.placeholder' : 'guard.secret.provider_format',
        detector: SECRETS_DETECTOR,
      });
    }
  }
  const words = new Set<string>();
  CONTEXT_SCAN.lastIndex = 0;
  for (const m of matchAllOf(CONTEXT_SCAN, text)) words.add(m[0].toLowerCase());
  for (const c of CONTEXTUAL) {
    // The shape alone matches ordinary tokens: without the provider word anywhere, skip the scan.
    if (!c.gate.some((word) => words.has(word)) || !c.context.test(text)) continue;
    for (const m of matchAllOf(c.pattern, text)) {
      const value = m[0];
      // Mixed case plus digits separates a key from a word, path or hex digest of the same length.
      if (c.class === 'secret.aws_secret_key' && !(/[a-z]/.test(value) && /[A-Z]/.test(value) && /\d/.test(value)))
        continue;
      if (!c.context.test(lineAround(text, m.index))) continue;
      if (isPlaceholder(value)) continue;
      out.push({
        class: c.class,
        start: m.index,
        end: m.index + value.length,
        confidence: c.confidence,
        reason: 'guard.secret.provider_format_in_context',
        detector: SECRETS_DETECTOR,
      });
    }
  }
  return out;
}
