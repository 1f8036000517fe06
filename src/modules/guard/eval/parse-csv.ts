import { parse } from 'csv-parse/sync';

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF; a leading BOM and blank lines skipped) into rows of fields. */
export function parseCsv(source: string): string[][] {
  // Rows may differ in length (a short row reads as empty trailing cells); a stray quote inside an unquoted field is kept.
  return parse(source, {
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
  }) as string[][];
}

/** Parses CSV with a header line into records keyed by column name. */
export function parseCsvRecords(source: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(source);
  if (header === undefined) return [];
  return rows.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])));
}
