import { parse } from 'csv-parse/sync';

/** One true secret: a file (relative to the scanned tree, '/' separators), a 1-based line and an optional type. */
export interface TruthRow {
  readonly file: string;
  readonly line: number;
  readonly type?: string;
}

/**
 * Parses a truth CSV: columns `file,line[,type]` (a header row naming them is optional; extra columns are ignored).
 * SecretBench/detect-secrets-style exports with `file`/`filename`/`path`, `line`/`line_number`/`start_line` and
 * `type`/`secret_type`/`category` headers are accepted in any column order.
 */
export function parseTruthCsv(csv: string): TruthRow[] {
  // '#' starts a comment only at the beginning of a line; cells are trimmed; blank lines are skipped.
  const lines = parse(csv, {
    bom: true,
    comment: '#',
    comment_no_infix: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_empty_values: true,
    trim: true,
  }) as string[][];
  let fileCol = 0,
    lineCol = 1,
    typeCol = 2;
  const first = lines[0] === undefined ? [] : lines[0].map((h) => h.toLowerCase());
  if (first.length > 0 && !/^\d+$/.test(first[1] ?? '')) {
    fileCol = first.findIndex((h) => ['file', 'filename', 'file_path', 'path'].includes(h));
    lineCol = first.findIndex((h) => ['line', 'line_number', 'start_line', 'linenumber'].includes(h));
    typeCol = first.findIndex((h) => ['type', 'secret_type', 'category', 'label', 'kind'].includes(h));
    if (fileCol < 0 || lineCol < 0) throw new Error('truth CSV header must name a file and a line column');
    lines.shift();
  }
  return lines.map((cells) => {
    const line = Number(cells[lineCol]);
    if (!Number.isInteger(line) || line < 1) throw new Error(`truth CSV: bad line number in "${cells.join(',')}"`);
    const type = typeCol >= 0 ? cells[typeCol] : undefined;
    return { file: (cells[fileCol] ?? '').replace(/\\/g, '/').replace(/^\.\//, ''), line, ...(type ? { type } : {}) };
  });
}

/** Truth given as counts per file (`file,risk_lines,informative_lines`): how many lines hold a secret, not which. */
export interface TruthCountRow {
  readonly file: string;
  readonly riskLines: number;
  readonly informativeLines: number;
}

/** A parsed secrets truth file: listed lines, or per-file counts. */
export type SecretsTruth =
  { readonly form: 'lines'; readonly rows: TruthRow[] } | { readonly form: 'counts'; readonly rows: TruthCountRow[] };

const COUNT_HEADER = /^\s*\ufeff?["']?(?:file|filename|path)["']?\s*,\s*["']?risk_lines["']?/i;

/** Parses a secrets truth CSV in either form: `file,line[,type]` (see {@link parseTruthCsv}) or `file,risk_lines,informative_lines`. */
export function parseSecretsTruth(csv: string): SecretsTruth {
  if (!COUNT_HEADER.test(csv)) return { form: 'lines', rows: parseTruthCsv(csv) };
  const lines = parse(csv, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: true }) as string[][];
  const header = (lines.shift() ?? []).map((h) => h.toLowerCase());
  const fileCol = header.findIndex((h) => ['file', 'filename', 'path'].includes(h));
  const riskCol = header.indexOf('risk_lines');
  const infoCol = header.indexOf('informative_lines');
  return {
    form: 'counts',
    rows: lines.map((cells) => {
      const risk = Number(cells[riskCol]);
      const info = infoCol < 0 ? 0 : Number(cells[infoCol] ?? 0);
      if (!Number.isInteger(risk) || risk < 0 || !Number.isInteger(info) || info < 0)
        throw new Error(`truth CSV: bad line counts in "${cells.join(',')}"`);
      return {
        file: (cells[fileCol] ?? '').replace(/\\/g, '/').replace(/^\.\//, ''),
        riskLines: risk,
        informativeLines: info,
      };
    }),
  };
}
