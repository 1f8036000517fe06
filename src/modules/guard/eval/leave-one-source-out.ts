/** A row of a LOSO evaluation: its gold label, its kind (category) and its source family. */
export interface LosoRow {
  readonly label: string;
  readonly category?: string;
  readonly family: string;
}

/** Per-slice figure of one held-out family: recall for attack kinds, false-positive rate for benign kinds. */
export interface SliceFigure {
  readonly n: number;
  readonly hits: number;
  readonly rate: number;
}

/** What one held-out family scored. */
export interface FamilyResult {
  readonly family: string;
  readonly n: number;
  /** Recall over the family's positive rows (absent when it has none). */
  readonly recall?: SliceFigure;
  /** False-positive rate over its negative rows (absent when it has none). */
  readonly fpr?: SliceFigure;
  readonly perKind: Record<string, SliceFigure>;
}

/** Mean over the families that have a slice, the worst family, and the pooled figure. */
export interface Aggregate {
  readonly families: number;
  readonly mean: number;
  readonly worst: number;
  readonly worstFamily: string;
  readonly pooled: number;
  readonly n: number;
}

/** The whole leave-one-source-out report. */
export interface LosoReport {
  readonly positiveLabel: string;
  readonly folds: readonly FamilyResult[];
  readonly recall: Aggregate;
  readonly fpr: Aggregate;
  /** Recall per positive kind and FPR per negative kind, aggregated over the families that contain that kind. */
  readonly perKind: Record<string, Aggregate & { readonly measure: 'recall' | 'fpr' }>;
}

/** Options of {@link leaveOneSourceOut}. */
export interface LosoOptions {
  readonly positiveLabel?: string;
  /** Called after each fold (progress). */
  readonly onFold?: (result: FamilyResult, index: number, total: number) => void;
}

function figure(flags: readonly boolean[]): SliceFigure {
  const hits = flags.filter(Boolean).length;
  return { n: flags.length, hits, rate: flags.length === 0 ? 0 : hits / flags.length };
}

function aggregate(entries: readonly { family: string; figure: SliceFigure }[], worstIsLow: boolean): Aggregate {
  const n = entries.reduce((s, e) => s + e.figure.n, 0);
  const hits = entries.reduce((s, e) => s + e.figure.hits, 0);
  let worst = entries[0];
  for (const e of entries)
    if (worst === undefined || (worstIsLow ? e.figure.rate < worst.figure.rate : e.figure.rate > worst.figure.rate))
      worst = e;
  return {
    families: entries.length,
    mean: entries.length === 0 ? 0 : entries.reduce((s, e) => s + e.figure.rate, 0) / entries.length,
    worst: worst?.figure.rate ?? 0,
    worstFamily: worst?.family ?? '',
    pooled: n === 0 ? 0 : hits / n,
    n,
  };
}

/**
 * Leave-one-source-out evaluation: for every source family, `fitAndTune` sees only the other families' rows (it
 * must fit and choose its thresholds on them alone), and `score` says which of the held-out family's rows it flags.
 * Generic over the row type so every classification detector (injection, toxicity) uses the same protocol.
 */
export async function leaveOneSourceOut<R extends LosoRow, M>(
  rows: readonly R[],
  fitAndTune: (train: readonly R[]) => M | Promise<M>,
  score: (model: M, held: readonly R[]) => readonly boolean[] | Promise<readonly boolean[]>,
  options: LosoOptions = {},
): Promise<LosoReport> {
  const positive = options.positiveLabel ?? 'attack';
  const families = [...new Set(rows.map((r) => r.family))].sort();
  const folds: FamilyResult[] = [];
  for (const [index, family] of families.entries()) {
    const held = rows.filter((r) => r.family === family);
    // INVARIANT: the held-out family is absent from what the model is fitted and tuned on.
    const train = rows.filter((r) => r.family !== family);
    const model = await fitAndTune(train);
    const flags = await score(model, held);
    if (flags.length !== held.length) throw new Error(`score returned ${flags.length} flags for ${held.length} rows`);
    const pos = flags.filter((_, i) => held[i]?.label === positive);
    const neg = flags.filter((_, i) => held[i]?.label !== positive);
    const perKind: Record<string, SliceFigure> = {};
    for (const kind of new Set(held.map((r) => r.category ?? r.label)))
      perKind[kind] = figure(flags.filter((_, i) => (held[i]?.category ?? held[i]?.label) === kind));
    const result: FamilyResult = {
      family,
      n: held.length,
      ...(pos.length > 0 ? { recall: figure(pos) } : {}),
      ...(neg.length > 0 ? { fpr: figure(neg) } : {}),
      perKind,
    };
    folds.push(result);
    options.onFold?.(result, index, families.length);
  }
  const kindMeasure = new Map<string, 'recall' | 'fpr'>();
  for (const r of rows) kindMeasure.set(r.category ?? r.label, r.label === positive ? 'recall' : 'fpr');
  const perKind: LosoReport['perKind'] = {};
  for (const [kind, measure] of [...kindMeasure].sort()) {
    const entries = folds.flatMap((f) => (f.perKind[kind] ? [{ family: f.family, figure: f.perKind[kind] }] : []));
    perKind[kind] = { ...aggregate(entries, measure === 'recall'), measure };
  }
  return {
    positiveLabel: positive,
    folds,
    recall: aggregate(
      folds.flatMap((f) => (f.recall ? [{ family: f.family, figure: f.recall }] : [])),
      true,
    ),
    fpr: aggregate(
      folds.flatMap((f) => (f.fpr ? [{ family: f.family, figure: f.fpr }] : [])),
      false,
    ),
    perKind,
  };
}

const f3 = (v: number): string => v.toFixed(3);

/** Renders a LOSO report: headline, per kind (mean / worst family / pooled), then every fold. Empty slices print nothing. */
export function formatLosoReport(report: LosoReport, title: string): string {
  const agg = (name: string, a: Aggregate): string =>
    `${name.padEnd(26)} ${String(a.families).padStart(8)} ${String(a.n).padStart(6)}  ${f3(a.mean)}  ${f3(a.worst)}  ${f3(a.pooled)}  ${a.worstFamily}`;
  const lines = [
    `${title}: leave-one-source-out (each family held out whole; fitted and tuned on the others)`,
    `${'slice'.padEnd(26)} families      n  mean   worst  pooled worst family`,
    agg('recall (all attacks)', report.recall),
    agg('FPR (all benign)', report.fpr),
    '',
  ];
  for (const [kind, a] of Object.entries(report.perKind))
    lines.push(agg(`${a.measure === 'recall' ? 'recall' : 'FPR'} ${kind}`, a));
  lines.push('', `${'held-out family'.padEnd(44)}      n  recall   FPR`);
  for (const f of report.folds)
    lines.push(
      `${f.family.slice(0, 44).padEnd(44)} ${String(f.n).padStart(6)}  ${f.recall ? f3(f.recall.rate) : '     '}   ${f.fpr ? f3(f.fpr.rate) : ''}`,
    );
  return lines.join('\n');
}
