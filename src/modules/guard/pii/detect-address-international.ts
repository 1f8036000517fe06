import type { Finding } from '../detector.js';
import { matchAllOf } from '../pipeline/match-all.js';
import { PII_RULES_DETECTOR } from './classes.js';

const CAP = "\\p{Lu}[\\p{L}'’.-]*";
const CITY = `${CAP}(?:[ -]${CAP}){0,2}`;
// Postcode + city after a comma: DE/FR/ES/IT five digits, NL four digits and two letters, BE/AT/CH four digits.
const POST_CITY = `(?:,?\\s+(?:\\d{5}|\\d{4}\\s?[A-Z]{2}|\\d{4})\\s+${CITY})?`;
const NUM = '\\d{1,5}[a-zA-Z]?(?:[-/]\\d{1,4}[a-zA-Z]?)?';
// Lower-case linking words inside street names (de la, des, di, van der, …).
const LINK =
  "(?:de|del|della|dei|degli|des|du|de la|di|da|do|dos|das|la|le|les|l'|van|von|der|den|het|am|an|im|zum|zur|y|e|el)";
const NAME = `(?:${CAP}|${LINK})(?:[ -](?:${CAP}|${LINK}|[IVX]{1,4})){0,5}`;

// Each pattern has a gate: a plain (non-Unicode) regex for the part every match must contain. V8 runs Unicode regexes
// with lookbehinds several times slower, so the full pattern runs only on texts the gate lets through.
const PATTERNS: readonly { reason: string; gate: RegExp; pattern: RegExp }[] = [
  {
    // German, Dutch, Scandinavian: street word with its type as suffix, then the number (Hauptstraße 5, Prinsengracht 263).
    reason: 'guard.pii.street_address.suffix_type',
    gate: /(?:stra(?:ß|ss)e|str\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|steig|pfad|markt|straat|gracht|laan|plein|kade|singel|dijk|steeg|hof|vägen|gatan|gade|vej|veien)\s+\d/,
    pattern: new RegExp(
      `(?<![\\p{L}])(?:${CAP}[ -])?\\p{Lu}\\p{Ll}*(?:straße|strasse|str\\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|steig|pfad|markt|straat|gracht|laan|plein|kade|singel|dijk|steeg|hof|vägen|gatan|gade|vej|veien)\\s+${NUM}${POST_CITY}`,
      'gu',
    ),
  },
  {
    // German street names that are two words (Am Markt 4, An der Alster 12).
    reason: 'guard.pii.street_address.suffix_type',
    gate: /\b(?:Am|An der|Auf dem|Im|Zum|Zur)\s/,
    pattern: new RegExp(`\\b(?:Am|An der|Auf dem|Im|Zum|Zur)\\s+${CAP}\\s+${NUM}${POST_CITY}`, 'gu'),
  },
  {
    // French: number (bis/ter), street type, name (12 rue de la Paix, 75002 Paris).
    reason: 'guard.pii.street_address.fr',
    gate: /\d,?\s+(?:rue|avenue|av\.|boulevard|bd|place|chemin|allée|impasse|quai|route|cours|passage|square|voie)\s/i,
    pattern: new RegExp(
      `\\b\\d{1,5}(?:\\s?(?:bis|ter|quater))?,?\\s+(?:rue|avenue|av\\.|boulevard|bd|place|chemin|allée|impasse|quai|route|cours|passage|square|voie)\\s+${NAME}${POST_CITY}`,
      'giu',
    ),
  },
  {
    // Spanish, Italian, Portuguese: street type first, then the name and number (Calle Mayor 10, Via Roma 15).
    reason: 'guard.pii.street_address.type_first',
    gate: /\b(?:Calle|C\/|Avenida|Avda|Av\.|Paseo|Plaza|Pza\.|Carrer|Camino|Carretera|Ronda|Travesía|Via|Viale|Piazza|Piazzale|Corso|Largo|Vicolo|Strada|Rua|Travessa|Praça)\s/,
    pattern: new RegExp(
      `\\b(?:Calle|C/|Avenida|Avda\\.?|Av\\.|Paseo|Plaza|Pza\\.|Carrer|Camino|Carretera|Ronda|Travesía|Via|Viale|Piazza|Piazzale|Corso|Largo|Vicolo|Strada|Rua|Travessa|Praça)\\s+${NAME},?\\s+(?:n\\.?º?\\s*)?${NUM}${POST_CITY}`,
      'gu',
    ),
  },
  {
    // US military: PSC/CMR/Unit + Box, or a ship, then APO/FPO/DPO with AA/AE/AP and the ZIP.
    reason: 'guard.pii.military_address',
    gate: /[ADF]PO\s+A[AEP]\s/,
    pattern:
      /\b(?:(?:PSC|CMR|Unit)\s+\d{1,5},?\s+Box\s+\d{1,5},?\s+|(?:USNS|USS|USCGC)\s+[A-Z][A-Za-z]+(?:\s+[A-Z][A-Za-z]+)?,?\s+)?(?:APO|FPO|DPO)\s+(?:AA|AE|AP)\s+\d{5}(?:-\d{4})?\b/g,
  },
];

/** Finds street addresses in European formats (DE, NL, FR, ES, IT, PT and neighbours) and US military addresses. */
export function detectInternationalAddress(text: string): Finding[] {
  const out: Finding[] = [];
  for (const { reason, gate, pattern } of PATTERNS) {
    if (!gate.test(text)) continue;
    for (const m of matchAllOf(pattern, text)) {
      const raw = m[0].replace(/[,.\s]+$/, '');
      out.push({
        class: 'pii.address',
        start: m.index,
        end: m.index + raw.length,
        confidence: reason === 'guard.pii.military_address' ? 0.85 : 0.75,
        reason,
        detector: PII_RULES_DETECTOR,
      });
    }
  }
  return out;
}
