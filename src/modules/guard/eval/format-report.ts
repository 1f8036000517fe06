import type { BinaryScores } from './classification-metrics.js';
import type { ClassificationReport } from './run-classification-eval.js';
import type { SpanEvaluationReport } from './span-eval-adapter.js';

const pct = (v: number): string => v.toFixed(3);

function row(name: string, s: BinaryScores): string {
  return [
    name.padEnd(28),
    String(s.n).padStart(5),
    pct(s.precision),
    pct(s.recall),
    pct(s.f1),
    pct(s.f2),
    pct(s.fpRate),
    pct(s.balancedAccuracy),
  ].join('  ');
}

/** Renders a classification report as a plain-text table. */
export function formatClassificationReport(report: ClassificationReport): string {
  const header = ['slice'.padEnd(28), '    n', 'prec ', 'recall', 'f1   ', 'f2   ', 'fpr  ', 'bal.acc'].join('  ');
  const lines = [`task ${report.task} (positive = ${report.positiveLabel})`, header, row('overall', report.overall)];
  for (const [category, scores] of Object.entries(report.perCategory).sort()) lines.push(row(category, scores));
  lines.push('', 'finding class                 gold-positive  gold-negative');
  for (const [cls, c] of Object.entries(report.perClass).sort())
    lines.push(`${cls.padEnd(30)}${String(c.positives).padStart(13)}  ${String(c.negatives).padStart(13)}`);
  lines.push('', `latency p50 ${report.latency.p50Ms.toFixed(2)} ms, p99 ${report.latency.p99Ms.toFixed(2)} ms`);
  return lines.join('\n');
}

/** Renders a span (PII/secrets) report as a plain-text table. */
export function formatSpanReport(report: SpanEvaluationReport): string {
  const lines = [
    `task ${report.task}, ${report.documents} documents`,
    `${'class'.padEnd(24)}    tp    fp    fn  prec   recall f1     f2`,
  ];
  const render = (
    name: string,
    s: { tp: number; fp: number; fn: number; precision: number; recall: number; f1: number; f2: number },
  ): string =>
    `${name.padEnd(24)}${String(s.tp).padStart(6)}${String(s.fp).padStart(6)}${String(s.fn).padStart(6)}  ${pct(s.precision)}  ${pct(s.recall)}  ${pct(s.f1)}  ${pct(s.f2)}`;
  for (const [cls, s] of Object.entries(report.classes).sort()) lines.push(render(cls, s));
  lines.push(
    render('overall', report.overall),
    `false-discovery rate ${pct(report.overall.falseDiscoveryRate)}` +
      (report.overall.falsePositiveRate === undefined
        ? ''
        : `, false-positive rate ${pct(report.overall.falsePositiveRate)} of ${report.overall.negatives ?? 0} negatives`),
    ...(report.excludedKinds?.length ? [`kept out of overall: ${report.excludedKinds.join(', ')}`] : []),
    ...Object.entries(report.unsupportedGold ?? {}).map(([label, n]) => `unsupported gold label ${label}: ${n} spans`),
    `latency p50 ${report.latency.p50Ms.toFixed(2)} ms, p99 ${report.latency.p99Ms.toFixed(2)} ms`,
  );
  return lines.join('\n');
}
