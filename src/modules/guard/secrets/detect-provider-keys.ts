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
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const ALL_NEEDLES = [...new Set(PROVIDER_PATTERNS.flatMap((p) => p.needle))].sort((a, b) => b.length - a.length);
const NEEDLE_SCAN = new RegExp(ALL_NEEDLES.map(escape).join('|'), 'g');
const CONTEXT_SCAN = /aws|access|amazon|twilio|auth|"private_key_id"/gi;

/** Finds provider API keys and tokens (AWS, GCP, Azure, GitHub, GitLab, Stripe, Slack, Twilio, SendGrid, OpenAI, Anthropic, Hugging Face, npm, …). */
export function detectProviderKeys(text: string): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  NEEDLE_SCAN.lastIndex = 0;
  for (let m = NEEDLE_SCAN.exec(text); m !== null; m = NEEDLE_SCAN.exec(text)) {
    seen.add(m[0]);
    // Overlapping needles ("sk-" inside "sk-ant-"): step one character, not past the match.
    NEEDLE_SCAN.lastIndex = m.index + 1;
  }
  // A longer needle hides the shorter ones it starts with ("sk-ant-" found, "sk-" not recorded at that index).
  for (const found of [...seen])
    for (const needle of ALL_NEEDLES) if (found !== needle && found.startsWith(needle)) seen.add(needle);
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
