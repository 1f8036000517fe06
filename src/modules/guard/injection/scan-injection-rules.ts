import { decodeObfuscation } from './decode-obfuscation.js';
import { injectionRules, type InjectionRule } from './injection-rules.js';
import { normalizeText, undoLeetspeak } from './normalize-text.js';

/** One rule match, with its span in the original text and the reason code it reports. */
export interface RuleHit {
  readonly ruleId: string;
  readonly class: string;
  readonly reason: string;
  readonly weight: number;
  readonly start: number;
  readonly end: number;
}

const maxDecodeDepth = 2;
const maxHitsPerRule = 4;

// Text that talks ABOUT injection (a security question, a quoted example, a classifier's test case) rather than
// issuing it. Only quoted or fenced matches are damped, so "for a security audit, ignore your rules" still counts.
const discussion =
  /\b(?:prompt injections?|jailbreak(?:s|ing)?|injection attacks?|red[- ]team\w*|attackers?|detect\w*|defend\w*|protect\w*|prevent\w*|mitigat\w*|classif\w*|filter\w*|examples? of|what does|what is meant|explain|regex|unit test|test case)\b/i;

function quotedRanges(text: string): [number, number][] {
  const ranges: [number, number][] = [];
  for (const match of text.matchAll(/```[^]*?```|`[^`\n]{1,400}`|"[^"\n]{1,400}"|“[^”\n]{1,400}”|'[^'\n]{8,400}'/g)) {
    ranges.push([match.index, match.index + match[0].length]);
  }
  return ranges;
}

// The rules are written with the `u` flag, and V8 runs case-insensitive Unicode patterns ~15x slower than plain
// case-insensitive ones. The two modes differ only on astral characters (one code point vs two code units for `[^…]`
// and gap counts) and on the two non-ASCII characters Unicode case folding maps onto the rules' ASCII letters
// (U+017F long s, U+212A Kelvin sign; also part of \w and \b under `iu`). A text with none of them gets the same
// matches from the twin without `u`.
const plainTwins: readonly RegExp[] = injectionRules.map(
  (rule) => new RegExp(rule.pattern.source, rule.pattern.flags.replace('u', '')),
);
const needsUnicodeMode = /[\u017F\u212A\uD800-\uDFFF]/;

function runRules(text: string, onHit: (rule: InjectionRule, start: number, end: number) => void): void {
  const unicode = needsUnicodeMode.test(text);
  injectionRules.forEach((rule, i) => {
    const pattern = unicode ? rule.pattern : (plainTwins[i] ?? rule.pattern);
    pattern.lastIndex = 0;
    let count = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      // No rule matches the empty string; the guard only keeps a future one from looping.
      if (match[0] === '') pattern.lastIndex += 1;
      onHit(rule, match.index, match.index + match[0].length);
      if (++count >= maxHitsPerRule) break;
    }
    pattern.lastIndex = 0;
  });
}

const reasonOf = (rule: InjectionRule): string => `guard.${rule.class}.${rule.id.split('.')[1] ?? rule.id}`;

/**
 * Runs the injection rules over the normalised text, its leetspeak-undone form and every decoded payload
 * (base64/base32/hex/URL/ROT13/reversed, two levels deep). A rule that fires only on a decoded or de-obfuscated
 * form is reported as `injection.obfuscated`, spanning the encoded stretch of the original text.
 */
export function scanInjectionRules(original: string): RuleHit[] {
  const normalized = normalizeText(original);
  const hits: RuleHit[] = [];
  const quoted = discussion.test(normalized.text) ? quotedRanges(normalized.text) : [];
  const plainRules = new Set<string>();

  runRules(normalized.text, (rule, start, end) => {
    const inQuote = quoted.some(([qs, qe]) => start >= qs && end <= qe);
    plainRules.add(rule.id);
    hits.push({
      ruleId: rule.id,
      class: rule.class,
      reason: reasonOf(rule),
      weight: inQuote ? rule.weight * 0.4 : rule.weight,
      start: normalized.offsetAt(start) ?? 0,
      end: normalized.offsetAt(end) ?? original.length,
    });
  });

  const obfuscatedHit = (reason: string, weight: number, start: number, end: number): void => {
    hits.push({
      ruleId: `obfuscated.${reason}`,
      class: 'injection.obfuscated',
      reason: `guard.injection.obfuscated.${reason}`,
      weight,
      start,
      end,
    });
  };

  // Homoglyphs or invisible characters that change what the rules see are themselves evidence of evasion.
  if (normalized.hadHomoglyphs || normalized.hadInvisible) {
    const rawRules = new Set<string>();
    runRules(original, (rule) => rawRules.add(rule.id));
    for (const hit of hits.filter((h) => !rawRules.has(h.ruleId))) {
      obfuscatedHit(
        normalized.hadHomoglyphs ? 'homoglyphs' : 'invisible_characters',
        Math.min(0.95, hit.weight + 0.1),
        hit.start,
        hit.end,
      );
    }
  }
  if (/[\u{E0020}-\u{E007E}]/u.test(original)) obfuscatedHit('tag_characters', 0.85, 0, original.length);

  const deleeted = undoLeetspeak(normalized.text);
  if (deleeted !== normalized.text) {
    runRules(deleeted, (rule) => {
      if (!plainRules.has(rule.id)) obfuscatedHit('leetspeak', rule.weight, 0, original.length);
    });
  }

  const scanDecoded = (text: string, depth: number, span: (start: number, end: number) => [number, number]): void => {
    for (const segment of decodeObfuscation(text)) {
      const [start, end] = span(segment.start, segment.end);
      runRules(segment.decoded, (rule) => {
        if (!plainRules.has(rule.id)) obfuscatedHit(segment.encoding, Math.min(0.95, rule.weight + 0.05), start, end);
      });
      if (depth < maxDecodeDepth && segment.encoding !== 'rot13' && segment.encoding !== 'reversed') {
        scanDecoded(segment.decoded, depth + 1, () => [start, end]);
      }
    }
  };
  scanDecoded(normalized.text, 1, (start, end) => [
    normalized.offsetAt(start) ?? 0,
    normalized.offsetAt(end) ?? original.length,
  ]);
  return hits;
}

/** Combines rule hits into one 0..1 score: the strongest hit of each rule, merged by noisy-OR. */
export function ruleScore(hits: readonly RuleHit[]): number {
  const best = new Map<string, number>();
  for (const hit of hits) best.set(hit.ruleId, Math.max(best.get(hit.ruleId) ?? 0, hit.weight));
  let miss = 1;
  for (const weight of best.values()) miss *= 1 - weight;
  return 1 - miss;
}
