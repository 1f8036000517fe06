import type { Finding } from '../detector.js';
import { SECRETS_DETECTOR } from './classes.js';
import { isPlaceholder } from './placeholder.js';
import { PROVIDER_PATTERNS } from './provider-patterns.js';

// Secrets that have no prefix of their own: recognised by shape plus a provider word on the same line.
const CONTEXTUAL: readonly { class: string; context: RegExp; pattern: RegExp; confidence: number }[] = [
  { class: 'secret.aws_secret_key', context: /aws|secret[_ -]?access|amazon/i, pattern: /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g, confidence: 0.9 },
  { class: 'secret.twilio_key', context: /twilio|auth[_ -]?token/i, pattern: /(?<![A-Za-z0-9])[0-9a-f]{32}(?![A-Za-z0-9])/g, confidence: 0.8 },
  { class: 'secret.gcp_service_account', context: /"private_key_id"/, pattern: /(?<=private_key_id"\s*:\s*")[0-9a-f]{40}(?=")/g, confidence: 0.9 },
];

function lineAround(text: string, index: number): string {
  const from = text.lastIndexOf('\n', index) + 1;
  const to = text.indexOf('\n', index);
  return text.slice(from, to === -1 ? text.length : to);
}

/** Finds provider API keys and tokens (AWS, GCP, Azure, GitHub, GitLab, Stripe, Slack, Twilio, SendGrid, OpenAI, Anthropic, Hugging Face, npm, …). */
export function detectProviderKeys(text: string): Finding[] {
  const out: Finding[] = [];
  for (const p of PROVIDER_PATTERNS) {
    if (typeof p.needle === 'string' ? !text.includes(p.needle) : !p.needle.test(text)) continue;
    for (const m of text.matchAll(p.pattern)) {
      const value = m[1] ?? m[0];
      const start = m.index + m[0].length - value.length;
      const placeholder = isPlaceholder(value);
      out.push({
        class: p.class, start, end: start + value.length,
        confidence: placeholder ? 0.3 : p.confidence,
        reason: placeholder ? 'guard.secret.placeholder' : 'guard.secret.provider_format',
        detector: SECRETS_DETECTOR,
      });
    }
  }
  for (const c of CONTEXTUAL) {
    // The shape alone matches ordinary tokens: without the provider word anywhere, skip the scan.
    if (!c.context.test(text)) continue;
    for (const m of text.matchAll(c.pattern)) {
      const value = m[0];
      // Mixed case plus digits separates a key from a word, path or hex digest of the same length.
      if (c.class === 'secret.aws_secret_key' && !(/[a-z]/.test(value) && /[A-Z]/.test(value) && /\d/.test(value))) continue;
      if (!c.context.test(lineAround(text, m.index))) continue;
      if (isPlaceholder(value)) continue;
      out.push({ class: c.class, start: m.index, end: m.index + value.length, confidence: c.confidence, reason: 'guard.secret.provider_format_in_context', detector: SECRETS_DETECTOR });
    }
  }
  return out;
}
