import { readFileSync } from 'node:fs';
import type { LabelledRow } from './labelled-rows.js';
import { parseCsvRecords } from './parse-csv.js';

/** Seed of the toxicity split used by the same-source held-out figures (kept for comparison with earlier rounds). */
export const toxicitySplitSeed = 'bulwark-guard-toxicity-v1';

/** The independent sources of the toxicity development data; leave-one-source-out holds out one at a time. */
export const TOXICITY_SOURCES = ['surge', 'hatecheck', 'toxigen', 'realtoxicityprompts'] as const;

/** One source of the toxicity development data. */
export type ToxicitySource = (typeof TOXICITY_SOURCES)[number];

/** A toxicity development row: label `toxic`/`ok`, its source and a finer category (HateCheck functionality, …). */
export interface ToxicityRow extends LabelledRow {
  readonly label: 'toxic' | 'ok';
  readonly category: string;
  readonly source: ToxicitySource;
}

/** Reads the two toxicity development files as rows labelled `toxic`/`ok`, stratified by source and HateCheck functionality. */
export function readToxicityDevData(dir: string): { surge: ToxicityRow[]; hatecheck: ToxicityRow[] } {
  const surge = parseCsvRecords(readFileSync(`${dir}/surge_toxicity_en.csv`, 'utf8')).map((r): ToxicityRow => ({
    text: r.text ?? '',
    label: r.is_toxic === 'Toxic' ? 'toxic' : 'ok',
    category: 'surge',
    source: 'surge',
  }));
  const hatecheck = parseCsvRecords(readFileSync(`${dir}/hatecheck_test_suite_cases.csv`, 'utf8')).map(
    (r): ToxicityRow => ({
      text: r.test_case ?? '',
      label: r.label_gold === 'hateful' ? 'toxic' : 'ok',
      category: `hatecheck/${r.functionality ?? ''}`,
      source: 'hatecheck',
    }),
  );
  return { surge, hatecheck };
}

/** Reads `dev-extra.jsonl` (TOXIGEN demonstrations and RealToxicityPrompts prefixes) as rows of their two sources. */
export function readToxicityDevExtra(dir: string): ToxicityRow[] {
  return readFileSync(`${dir}/dev-extra.jsonl`, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index): ToxicityRow => {
      const record = JSON.parse(line) as { text?: unknown; label?: unknown; category?: unknown };
      if (typeof record.text !== 'string' || typeof record.category !== 'string')
        throw new Error(`dev-extra.jsonl line ${index + 1}: text and category must be strings`);
      const source: ToxicitySource = record.category.startsWith('toxigen') ? 'toxigen' : 'realtoxicityprompts';
      return {
        text: record.text,
        label: record.label === 'toxic' ? 'toxic' : 'ok',
        category: `${source}/${record.category}`,
        source,
      };
    });
}

/** Every toxicity development row of every source (surge, HateCheck, TOXIGEN, RealToxicityPrompts). */
export function readAllToxicityRows(dir: string): ToxicityRow[] {
  const { surge, hatecheck } = readToxicityDevData(dir);
  return [...surge, ...hatecheck, ...readToxicityDevExtra(dir)];
}
