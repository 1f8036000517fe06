import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { parseCsv } from '../eval/parse-csv.js';
import { mergeFindings } from '../pipeline/merge-findings.js';
import { detectSecrets } from '../secrets/detect-secrets.js';

/** Secret findings on a corpus of texts that hold no secret: every finding there is almost surely false. */
export interface BenignSecretCount {
  readonly texts: number;
  readonly textsWithFinding: number;
  readonly findings: number;
  /** Up to `maxExamples` findings: the text's index, the finding's reason and the reported value. */
  readonly examples: readonly { readonly index: number; readonly reason: string; readonly value: string }[];
}

/** Counts Bulwark's secret findings (merged, at or above `minConfidence`) on each text. */
export function countSecretFindings(
  texts: readonly string[],
  minConfidence = 0.5,
  maxExamples = 20,
): BenignSecretCount {
  let textsWithFinding = 0;
  let findings = 0;
  const examples: { index: number; reason: string; value: string }[] = [];
  texts.forEach((text, index) => {
    const found = mergeFindings(detectSecrets(text).filter((f) => f.confidence >= minConfidence));
    if (found.length === 0) return;
    textsWithFinding++;
    findings += found.length;
    for (const f of found)
      if (examples.length < maxExamples) examples.push({ index, reason: f.reason, value: text.slice(f.start, f.end) });
  });
  return { texts: texts.length, textsWithFinding, findings, examples };
}

const jsonlRow = z.object({ text: z.string(), label: z.unknown().optional() });

/** Texts of a JSONL file (`{"text", "label"}` per line), only those whose label is `label` when one is given. */
export function textsOfJsonl(jsonl: string, label?: string): string[] {
  return jsonl
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => jsonlRow.parse(JSON.parse(line)))
    .filter((row) => label === undefined || String(row.label) === label)
    .map((row) => row.text);
}

/** Non-empty cells of one named column of a CSV with a header row; a missing column is an error, not zero texts. */
export function textsOfCsvColumn(csv: string, column: string): string[] {
  const [header, ...rows] = parseCsv(csv);
  const col = header?.indexOf(column) ?? -1;
  if (col < 0) throw new Error(`CSV has no column "${column}"`);
  return rows.map((cells) => cells[col] ?? '').filter((t) => t !== '');
}

const invoked = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invoked) {
  // npx tsx src/modules/guard/eval-spans/count-secret-findings.ts <file.jsonl>[:label] | <file.csv>:<column> ...
  for (const spec of process.argv.slice(2)) {
    const colon = spec.lastIndexOf(':');
    const [file, selector] = colon > 0 ? [spec.slice(0, colon), spec.slice(colon + 1)] : [spec, undefined];
    const content = await readFile(file, 'utf8');
    const texts = file.endsWith('.csv')
      ? textsOfCsvColumn(content, selector ?? 'text')
      : textsOfJsonl(content, selector);
    const c = countSecretFindings(texts);
    console.log(`${spec}: ${c.texts} texts, ${c.textsWithFinding} with a secret finding, ${c.findings} findings`);
    for (const e of c.examples) console.log(`  #${e.index} ${e.reason} ${JSON.stringify(e.value.slice(0, 60))}`);
  }
}
