import type { Finding } from '../detector.js';
import { matchAllOf } from '../pipeline/match-all.js';
import { PII_RULES_DETECTOR } from './classes.js';

const AGE = new RegExp(
  [
    String.raw`\b\d{1,3}[- ](?:years?|yrs?)[- ]old\b`,
    String.raw`\b\d{1,3}[- ]?(?:y/o|yo)\b`,
    String.raw`\baged\s+\d{1,3}\b`,
    String.raw`\b(?:age|Age|AGE)(?:\s*[:=]\s*|\s+(?:of\s+)?)\d{1,3}\b`,
  ].join('|'),
  'g',
);

/** Finds ages: "34 years old", "67-year-old", "aged 40", "age: 52". */
export function detectAge(text: string): Finding[] {
  if (!/\bage|year|yrs?\b|y\/?o\b/i.test(text)) return [];
  const out: Finding[] = [];
  for (const m of matchAllOf(AGE, text)) {
    const n = Number(/\d{1,3}/.exec(m[0])?.[0] ?? '999');
    if (n > 125) continue;
    out.push({
      class: 'pii.age',
      start: m.index,
      end: m.index + m[0].length,
      confidence: 0.75,
      reason: 'guard.pii.age',
      detector: PII_RULES_DETECTOR,
    });
  }
  return out;
}
