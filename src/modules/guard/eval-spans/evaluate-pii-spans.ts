import type { Finding } from '../detector.js';
import { detectNamesAndLocations } from '../pii/detect-names-locations.js';
import { detectPiiRules } from '../pii/detect-pii-rules.js';
import { mergeFindings } from '../pipeline/merge-findings.js';
import { compatibleClasses, mapLabel } from './label-map.js';
import { percentile, score, type ClassScore, type EvaluationReport } from './metrics.js';

/** A labelled document: gold spans are UTF-16 offsets, end exclusive; `type` may be an external label name. */
export interface PiiRow {
  readonly text: string;
  readonly spans: readonly { readonly start: number; readonly end: number; readonly type: string }[];
}

/** Options of the PII evaluation. */
export interface PiiEvalOptions {
  /** Findings below this confidence are not predictions (the default policy threshold). */
  readonly minConfidence?: number;
  /** Run the compromise name/location stage. */
  readonly ner?: boolean;
  /** Classes to score; default: the classes present in the gold data, so a dataset that does not label a class is not penalised for finding it. */
  readonly classes?: readonly string[];
}

/** Minimum share of a gold span a prediction must cover. */
export const MIN_GOLD_OVERLAP = 0.5;

function overlap(a: { start: number; end: number }, b: { start: number; end: number }): number {
  return Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
}

/**
 * Scores the PII detectors on span-labelled documents.
 * Matching rule: a prediction matches a gold span when their classes are compatible (equal, or address↔location)
 * and the overlap covers at least 50% of the gold span. Recall counts matched gold spans; precision counts predictions
 * that match at least one gold span. Gold labels without a mapping (URL, TITLE, …) are not scored; they are listed with
 * their counts in `unsupportedGold`.
 */
export function evaluatePiiSpans(rows: readonly PiiRow[], options: PiiEvalOptions = {}): EvaluationReport {
  const minConfidence = options.minConfidence ?? 0.5;
  const ner = options.ner ?? true;
  const unsupported: Record<string, number> = {};
  const gold = rows.map((r) =>
    r.spans.flatMap((s) => {
      const cls = mapLabel(s.type);
      if (cls === undefined) unsupported[s.type] = (unsupported[s.type] ?? 0) + 1;
      return cls === undefined ? [] : [{ start: s.start, end: s.end, cls }];
    }),
  );
  const scored = new Set(options.classes ?? gold.flat().map((g) => g.cls));
  const counts = new Map<string, { tp: number; fp: number; fn: number; ptp: number }>();
  const bump = (cls: string, key: 'tp' | 'fp' | 'fn' | 'ptp'): void => {
    const c = counts.get(cls) ?? { tp: 0, fp: 0, fn: 0, ptp: 0 };
    c[key]++;
    counts.set(cls, c);
  };
  const latencies: number[] = [];
  rows.forEach((row, i) => {
    const t0 = performance.now();
    const raw: Finding[] = [
      ...detectPiiRules(row.text, 'US', { contextClasses: true }),
      ...(ner ? detectNamesAndLocations(row.text) : []),
    ];
    const predicted = mergeFindings(raw.filter((f) => f.confidence >= minConfidence));
    latencies.push(performance.now() - t0);
    const golds = (gold[i] ?? []).filter((g) => scored.has(g.cls));
    const preds = predicted.filter(
      (p) => scored.has(p.class) || [...scored].some((s) => compatibleClasses(s, p.class)),
    );
    const matchedPred = new Set<number>();
    for (const g of golds) {
      const hit = preds.findIndex(
        (p) => compatibleClasses(g.cls, p.class) && overlap(g, p) >= MIN_GOLD_OVERLAP * (g.end - g.start),
      );
      if (hit >= 0) {
        bump(g.cls, 'tp');
        matchedPred.add(hit);
      } else bump(g.cls, 'fn');
    }
    preds.forEach((p, j) => {
      if (matchedPred.has(j)) bump(p.class, 'ptp');
      else if (
        golds.some((g) => compatibleClasses(g.cls, p.class) && overlap(g, p) >= MIN_GOLD_OVERLAP * (g.end - g.start))
      )
        bump(p.class, 'ptp');
      else bump(p.class, 'fp');
    });
  });
  const classes: Record<string, ClassScore> = {};
  let tp = 0,
    fp = 0,
    fn = 0,
    ptp = 0;
  for (const [cls, c] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
    classes[cls] = score(c.tp, c.fp, c.fn, c.ptp);
    tp += c.tp;
    fp += c.fp;
    fn += c.fn;
    ptp += c.ptp;
  }
  return {
    task: 'pii',
    classes,
    // No false-positive rate: spans have no countable negatives, so only the false-discovery rate is defined.
    overall: { ...score(tp, fp, fn, ptp), falseDiscoveryRate: ptp + fp === 0 ? 0 : fp / (ptp + fp) },
    unsupportedGold: Object.fromEntries(Object.entries(unsupported).sort(([a], [b]) => a.localeCompare(b))),
    latency: { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) },
    documents: rows.length,
  };
}
