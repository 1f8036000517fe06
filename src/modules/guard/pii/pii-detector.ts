import { z } from 'zod';
import type { Detector, DetectorManifest } from '../detector.js';
import { PII_NER_DETECTOR, PII_RULES_DETECTOR } from './classes.js';
import { detectNamesAndLocations } from './detect-names-locations.js';
import { detectPiiRules } from './detect-pii-rules.js';

const piiRulesParams = z.object({
  defaultRegion: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .default('US')
    .describe('ISO 3166 country used for phone numbers written without an international prefix.'),
});

/** Parameters of the rule-based PII detector. */
export type PiiRulesParams = z.input<typeof piiRulesParams>;

/** Manifest of the rule-based PII/PHI detector (regexes, checksums, context words). */
export const piiRulesManifest: DetectorManifest<typeof piiRulesParams> = {
  name: PII_RULES_DETECTOR,
  description:
    'E-mail, phone, payment card, IBAN, SSN, IP, date of birth, address, passport, driver licence and PHI markers by pattern, checksum and context; dates and times, ages and domain names.',
  hooks: ['input', 'output'],
  params: piiRulesParams,
};

/** Creates the rule-based PII/PHI detector. */
export function createPiiRulesDetector(params: PiiRulesParams = {}): Detector {
  const { defaultRegion } = piiRulesParams.parse(params);
  // The schema's regex admits only two upper-case letters; libphonenumber ignores unknown regions.
  const region = defaultRegion as Parameters<typeof detectPiiRules>[1];
  return { manifest: piiRulesManifest, scan: (text) => detectPiiRules(text, region, { contextClasses: true }) };
}

const piiNerParams = z.object({});

/** Manifest of the compromise-based person-name and location detector. */
export const piiNerManifest: DetectorManifest<typeof piiNerParams> = {
  name: PII_NER_DETECTOR,
  description:
    'Person names, organisations and locations found by the compromise NLP model (offline, English), organisation suffixes and a lexicon.',
  hooks: ['input', 'output'],
  params: piiNerParams,
};

/** Creates the person-name and location detector. */
export function createPiiNerDetector(): Detector {
  return { manifest: piiNerManifest, scan: (text) => detectNamesAndLocations(text) };
}
