import { readFileSync } from 'node:fs';
import type { LabelledRow } from './labelled-rows.js';
import { parseCsvRecords } from './parse-csv.js';

/** Seed of the toxicity split used to train the shipped toxicity classifier. */
export const toxicitySplitSeed = 'bulwark-guard-toxicity-v1';

/** Reads the two toxicity development files as rows labelled `toxic`/`ok`, stratified by source and HateCheck functionality. */
export function readToxicityDevData(dir: string): { surge: LabelledRow[]; hatecheck: LabelledRow[] } {
  const surge = parseCsvRecords(readFileSync(`${dir}/surge_toxicity_en.csv`, 'utf8')).map((r) => ({
    text: r.text ?? '',
    label: r.is_toxic === 'Toxic' ? 'toxic' : 'ok',
    category: 'surge',
  }));
  const hatecheck = parseCsvRecords(readFileSync(`${dir}/hatecheck_test_suite_cases.csv`, 'utf8')).map((r) => ({
    text: r.test_case ?? '',
    label: r.label_gold === 'hateful' ? 'toxic' : 'ok',
    category: `hatecheck/${r.functionality ?? ''}`,
  }));
  return { surge, hatecheck };
}
