import { parseCsvRecords } from './parse-csv.js';

/** One example of a classification data set: its text, its gold label and an optional stratum. */
export interface LabelledRow {
  readonly text: string;
  readonly label: string;
  readonly category?: string;
}

/** Column or field names to read a data set with. */
export interface RowFields {
  readonly textField?: string;
  readonly labelField?: string;
  readonly categoryField?: string;
}

/** Reads JSONL (`{"text","label"}` per line) or CSV (header line) into labelled rows; the format is chosen by `format`. */
export function parseLabelledRows(source: string, format: 'jsonl' | 'csv', fields: RowFields = {}): LabelledRow[] {
  const textField = fields.textField ?? 'text';
  const labelField = fields.labelField ?? 'label';
  const categoryField = fields.categoryField ?? 'category';
  const records: Record<string, unknown>[] =
    format === 'csv'
      ? parseCsvRecords(source)
      : source
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line, index) => {
            const value: unknown = JSON.parse(line);
            if (typeof value !== 'object' || value === null || Array.isArray(value)) {
              throw new Error(`line ${index + 1}: expected a JSON object`);
            }
            return value as Record<string, unknown>;
          });
  return records.map((record, index) => {
    const text = record[textField];
    const label = record[labelField];
    if (typeof text !== 'string') throw new Error(`row ${index + 1}: field "${textField}" is not a string`);
    if (typeof label !== 'string' && typeof label !== 'number' && typeof label !== 'boolean') {
      throw new Error(`row ${index + 1}: field "${labelField}" is missing`);
    }
    const category = record[categoryField];
    return typeof category === 'string' ? { text, label: String(label), category } : { text, label: String(label) };
  });
}
