import { z } from 'zod';
import type { Detector, DetectorManifest, Finding } from '../detector.js';
import { runRulesStage, type GuardRulesPool } from '../rules-pool.js';
import { WorkerUnavailableError } from '../worker-pool.js';
import { PII_DETECTOR_UNAVAILABLE, PII_NER_DETECTOR, PII_RULES_DETECTOR } from './classes.js';
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

/** What the name and location detector needs: the guard rules pool to run in (omit it to run on the calling thread). */
export interface PiiNerDetectorOptions {
  readonly pool?: GuardRulesPool;
}

// compromise and its lexicons take about 40 MB: a node whose names stage runs in the pool never loads them here.
const loadInThread = async () => (await import('./detect-names-locations.js')).detectNamesAndLocations;

/** The finding of a names scan the pool could not answer: the whole text, blocked on both hooks. */
const unavailable = (text: string): Finding => ({
  class: PII_DETECTOR_UNAVAILABLE,
  start: 0,
  end: text.length,
  confidence: 1,
  reason: 'guard.detector_unavailable',
  detector: PII_NER_DETECTOR,
});

/**
 * Creates the person-name and location detector. With a pool, compromise runs in its workers and the event loop only
 * posts the text and reads the findings; a pool that cannot answer (queue full, timeout, crash, closed) fails closed.
 */
export function createPiiNerDetector(options: PiiNerDetectorOptions = {}): Detector {
  const pool = options.pool;
  if (pool === undefined) {
    let detect: Promise<(text: string) => Finding[]> | undefined;
    return { manifest: piiNerManifest, scan: async (text) => (await (detect ??= loadInThread()))(text) };
  }
  return {
    manifest: piiNerManifest,
    async scan(text: string): Promise<Finding[]> {
      // SECURITY: fail closed. Names are PII: a text the stage could not read is blocked, not passed unscanned.
      if (!pool.available) return [unavailable(text)];
      try {
        return (await runRulesStage(pool, 'names', text)).findings;
      } catch (error) {
        if (error instanceof WorkerUnavailableError) return [unavailable(text)];
        throw error;
      }
    },
  };
}
