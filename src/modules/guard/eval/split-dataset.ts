import { createHash } from 'node:crypto';
import type { LabelledRow } from './labelled-rows.js';

/** The two parts of a fixed split: `tune` may train and calibrate detectors, `heldOut` only measures them. */
export interface DatasetSplit<T> {
  readonly tune: T[];
  readonly heldOut: T[];
}

/** Seed of the split used for the shipped injection library; changing it invalidates the held-out figures. */
export const injectionSplitSeed = 'bulwark-guard-injection-v1';

/**
 * Splits rows deterministically, stratified by category (or label): inside each stratum rows are ordered by a
 * seeded hash of their text and the first `tuneShare` go to `tune`. Adding rows does not move existing ones
 * between parts unless they share a stratum boundary.
 */
export function splitDataset<T extends LabelledRow>(
  rows: readonly T[],
  seed: string,
  tuneShare = 0.7,
): DatasetSplit<T> {
  const strata = new Map<string, { row: T; key: string }[]>();
  for (const row of rows) {
    const stratum = `${row.label}/${row.category ?? ''}`;
    const key = createHash('sha256').update(seed).update('\0').update(row.text).digest('hex');
    const list = strata.get(stratum) ?? [];
    list.push({ row, key });
    strata.set(stratum, list);
  }
  const tune: T[] = [];
  const heldOut: T[] = [];
  for (const list of strata.values()) {
    list.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const cut = Math.round(list.length * tuneShare);
    list.forEach((entry, index) => (index < cut ? tune : heldOut).push(entry.row));
  }
  return { tune, heldOut };
}
