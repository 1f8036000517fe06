import type { Finding } from '../detector.js';
import { matchAllOf } from '../pipeline/match-all.js';
import { PII_RULES_DETECTOR } from './classes.js';

// Top-level domains common in text. File extensions that are also ccTLDs (.py, .sh, .md, .rs, .pl, .js-like) are left
// out, so `setup.py` and `run.sh` are not domains.
const TLD =
  '(?:com|org|net|edu|gov|mil|int|info|biz|io|ai|app|dev|cloud|tech|online|site|xyz|co|uk|de|fr|es|it|nl|be|ch|at|eu|us|ca|au|nz|in|jp|cn|kr|br|mx|ar|se|no|dk|fi|pl|cz|ie|pt|gr|ru|ua|tr|za|sg|hk|tw|il|me|tv|ly|gg|so|to)';
const DOMAIN = new RegExp(
  `(?<![A-Za-z0-9@._%+-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+${TLD}(?![A-Za-z0-9-]|\\.[A-Za-z0-9])`,
  'gi',
);

/** Finds domain names (`acme.co.uk`, `status.globex.io`); e-mail addresses are the e-mail detector's. */
export function detectDomain(text: string): Finding[] {
  if (!text.includes('.')) return [];
  const out: Finding[] = [];
  for (const m of matchAllOf(DOMAIN, text)) {
    const raw = m[0];
    // A label must hold a letter: "3.14.de" style numbers and versions are not names.
    const labels = raw.split('.');
    if (!labels.slice(0, -1).some((l) => /[A-Za-z]/.test(l))) continue;
    // Sentence joins without a space ("ok.Then") are not domains: real domains are written in lower case.
    if (/[A-Z]/.test(raw) && raw !== raw.toUpperCase() && /\.[A-Z]/.test(raw)) continue;
    out.push({
      class: 'pii.domain',
      start: m.index,
      end: m.index + raw.length,
      confidence: 0.65,
      reason: 'guard.pii.domain_name',
      detector: PII_RULES_DETECTOR,
    });
  }
  return out;
}
