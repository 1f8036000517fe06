import type { Finding } from '../detector.js';
import { matchAllOf } from '../pipeline/match-all.js';
import { PII_NER_DETECTOR } from './classes.js';

const CAP = "(?:\\p{Lu}[\\p{L}'’.-]*|\\d+)";
// Legal forms and institution words that end an organisation's name.
const SUFFIX =
  '(?:Inc\\.?|Incorporated|Ltd\\.?|Limited|LLC|L\\.L\\.C\\.|LLP|PLC|plc|GmbH|AG|SE|SA|S\\.A\\.|S\\.p\\.A\\.|SpA|SAS|SARL|NV|N\\.V\\.|BV|B\\.V\\.|Oy|AB|ASA|A/S|KG|Pty|Corp\\.?|Corporation|Company|Co\\.|Group|Holdings?|Bank|Bancorp|University|College|Institute|Foundation|Association|Hospital|Clinic|School|Academy|Partners|Technologies|Systems|Labs?|Ventures|Capital|Airlines|Airways|Motors|Pharmaceuticals?|Insurance|Trust|Council|Ministry|Agency|Authority|Society|Federation|Union|Consulting|Solutions|Software|Industries|Enterprises|Studios?)';
const SHAPES: readonly RegExp[] = [
  // Capitalised words ending in a legal form or institution word: "Acme Widgets Ltd", "Stanford University".
  new RegExp(`(?<![\\p{L}])(?:${CAP}\\s+(?:&\\s+)?){0,4}${CAP}\\s+${SUFFIX}(?![\\p{L}])`, 'gu'),
  // "University of X", "Bank of X", "Ministry of X".
  new RegExp(
    `(?<![\\p{L}])(?:University|Bank|Ministry|Department|Institute|College|Museum|Church|Office)\\s+of\\s+(?:the\\s+)?${CAP}(?:\\s+${CAP}){0,3}`,
    'gu',
  ),
  // Two capitalised names joined by '&': "Johnson & Johnson", "Procter & Gamble", "Marks & Spencer".
  new RegExp(`(?<![\\p{L}])\\p{Lu}\\p{Ll}+\\s+&\\s+\\p{Lu}\\p{Ll}+(?![\\p{L}])`, 'gu'),
];
// Words that start a sentence or a phrase and are not part of the name before the suffix.
const LEADING_STOP =
  /^(?:The|A|An|At|In|On|For|From|With|By|To|Of|And|Or|Our|Their|His|Her|My|Your|This|That|Contact|Call|Email|Dear|Joined|Left)\s+/u;

/** Organisations by shape (legal-form or institution suffix, "University of X", "X & Y") and by the lexicon below. */
export function detectOrganizationsByShape(text: string): Finding[] {
  const out: Finding[] = [];
  for (const m of matchAllOf(LEXICON_SCAN, text)) {
    out.push({
      class: 'pii.organization',
      start: m.index,
      end: m.index + m[0].length,
      confidence: 0.75,
      reason: 'guard.pii.organization_lexicon',
      detector: PII_NER_DETECTOR,
    });
  }
  for (const re of SHAPES) {
    for (const m of matchAllOf(re, text)) {
      let start = m.index;
      let raw = m[0];
      for (let lead = LEADING_STOP.exec(raw); lead !== null; lead = LEADING_STOP.exec(raw)) {
        start += lead[0].length;
        raw = raw.slice(lead[0].length);
      }
      if (!/\s/.test(raw.trim()) || out.some((o) => o.start < start + raw.length && start < o.end)) continue;
      out.push({
        class: 'pii.organization',
        start,
        end: start + raw.length,
        confidence: 0.75,
        reason: 'guard.pii.organization_shape',
        detector: PII_NER_DETECTOR,
      });
    }
  }
  return out;
}

/**
 * compromise lexicon entries for well-known organisations whose names read as a person's (founders' names), so the
 * model tags them as organisations.
 */
export const ORG_NAME_LEXICON: Record<string, string> = Object.fromEntries(
  [
    'morgan stanley',
    'goldman sachs',
    'wells fargo',
    'merrill lynch',
    'charles schwab',
    'lloyds',
    'barclays',
    'hsbc',
    'santander',
    'deloitte',
    'accenture',
    'ernst & young',
    'mckinsey',
    'dow jones',
    'hewlett packard',
    'johnson controls',
    'estee lauder',
    'ralph lauren',
    'tommy hilfiger',
    'calvin klein',
    'louis vuitton',
    'christian dior',
    'jp morgan',
    'gazprom',
    'siemens',
    'volkswagen',
    'nordea',
  ].map((name) => [name, 'Organization']),
);

// Capitalised lexicon names in text (compromise's organisation tag does not always survive its person rules).
const LEXICON_SCAN = new RegExp(
  `(?<![\\p{L}])(?:${Object.keys(ORG_NAME_LEXICON)
    .map((n) =>
      n.replace(/[&]/g, '&').replace(/(^|\s)(\p{L})/gu, (_m, sp: string, c: string) => `${sp}${c.toUpperCase()}`),
    )
    .map((n) => (/^[A-Z]+$/i.test(n) && n.length <= 4 ? n.toUpperCase() : n))
    .join('|')})(?![\\p{L}])`,
  'gu',
);
