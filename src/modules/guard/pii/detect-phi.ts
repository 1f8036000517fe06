import type { Finding } from '../detector.js';
import { matchAllOf } from '../pipeline/match-all.js';
import { hasContext } from './context-window.js';
import { PII_RULES_DETECTOR } from './classes.js';

const MRN =
  /\b(?:MRN|medical\s+record(?:\s+(?:number|no\.?|#))?|patient\s+(?:id|number|no\.?))\b[\s:#.-]{0,6}(?=[A-Z0-9-]{0,15}\d)([A-Z0-9][A-Z0-9-]{4,14})\b/gi;
const ICD10 = /\b[A-TV-Z]\d[0-9A-B](?:\.[0-9A-Z]{1,4})?\b/g;
const ICD_CONTEXT = /\b(?:icd(?:-?10)?(?:-cm)?|diagnos[ie]s|diagnosed|dx|condition|code)\b/i;
const INSURANCE =
  /\b(?:member|insurance|policy|subscriber|medicare|medicaid|health\s+plan|beneficiary)\s*(?:id|number|no\.?|#)[\s:#.-]{0,6}(?=[A-Z0-9-]{0,20}\d)([A-Z0-9][A-Z0-9-]{4,19})\b/gi;

function captured(text: string, re: RegExp, cls: string, reason: string, confidence: number): Finding[] {
  const out: Finding[] = [];
  for (const m of matchAllOf(re, text)) {
    const id = m[1];
    if (id === undefined || !/\d/.test(id)) continue;
    const start = m.index + m[0].length - id.length;
    out.push({ class: cls, start, end: start + id.length, confidence, reason, detector: PII_RULES_DETECTOR });
  }
  return out;
}

/** Finds PHI markers: medical record numbers, ICD-10 codes near diagnosis words, insurance member ids. */
export function detectPhi(text: string): Finding[] {
  const out = [
    ...captured(text, MRN, 'phi.mrn', 'guard.phi.mrn_with_context', 0.85),
    ...captured(text, INSURANCE, 'phi.insurance_id', 'guard.phi.insurance_id_with_context', 0.8),
  ];
  for (const m of matchAllOf(ICD10, text)) {
    const end = m.index + m[0].length;
    if (!hasContext(text, m.index, end, ICD_CONTEXT, 40, 0)) continue;
    out.push({
      class: 'phi.icd10',
      start: m.index,
      end,
      confidence: 0.75,
      reason: 'guard.phi.icd10_with_context',
      detector: PII_RULES_DETECTOR,
    });
  }
  return out;
}
