import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import {
  createEvalClassifier,
  evaluatePiiFile,
  evaluateSecretsDir,
  formatClassificationReport,
  formatLosoReport,
  formatSpanReport,
  injectionSplitSeed,
  parseLabelledRows,
  prepareInjectionRows,
  readInjectionCorpus,
  runClassificationEval,
  runInjectionCrossSource,
  splitDataset,
  toxicitySplitSeed,
  trainShippedInjectionModel,
} from '../../modules/guard/index.js';

interface EvalOptions {
  task: 'injection' | 'toxicity' | 'pii' | 'secrets';
  data: string;
  truth?: string;
  json?: boolean;
  format?: 'jsonl' | 'csv';
  textColumn: string;
  labelColumn: string;
  categoryColumn: string;
  positiveLabel: string;
  split: 'all' | 'tune' | 'held-out';
  splitSeed?: string;
  rulesOnly?: boolean;
  threshold: number;
  crossSource?: boolean;
  embedding: boolean;
  embeddingCache?: string;
}

const dataFiles = (data: string): string[] =>
  data
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');

async function runCrossSource(options: EvalOptions): Promise<void> {
  if (options.task !== 'injection')
    throw new InvalidArgumentError('--cross-source is wired for --task injection (toxicity uses the same framework)');
  const log = (line: string): void => {
    if (options.json !== true) console.error(line);
  };
  const rows = readInjectionCorpus(dataFiles(options.data));
  const prepared = await prepareInjectionRows(rows, {
    embed: options.embedding,
    ...(options.embeddingCache === undefined ? {} : { embeddingCache: options.embeddingCache }),
    log,
  });
  const report = await runInjectionCrossSource(prepared, { useEmbedding: options.embedding, log });
  if (options.json === true) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(formatLosoReport(report, `injection${options.embedding ? '' : ' (no embedding stage)'}`));
    console.log(`
embedding model consulted for ${(report.embeddingShare * 100).toFixed(1)}% of texts (cascade)`);
  }
}

const choice =
  <T extends string>(allowed: readonly T[]) =>
  (value: string): T => {
    if (!(allowed as readonly string[]).includes(value))
      throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}`);
    return value as T;
  };

async function runEval(options: EvalOptions): Promise<void> {
  if (options.crossSource === true) return runCrossSource(options);
  if (options.task === 'pii' || options.task === 'secrets') {
    if (options.task === 'secrets' && options.truth === undefined)
      throw new InvalidArgumentError('--task secrets needs --truth CSV (and --data DIR)');
    const report =
      options.task === 'pii'
        ? evaluatePiiFile(options.data)
        : await evaluateSecretsDir(options.data, options.truth ?? '');
    console.log(options.json === true ? JSON.stringify(report, null, 2) : formatSpanReport(report));
    return;
  }
  const format = options.format ?? (options.data.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl');
  const all = parseLabelledRows(readFileSync(options.data, 'utf8'), format, {
    textField: options.textColumn,
    labelField: options.labelColumn,
    categoryField: options.categoryColumn,
  });
  const seed = options.splitSeed ?? (options.task === 'injection' ? injectionSplitSeed : toxicitySplitSeed);
  const split = options.split === 'all' ? undefined : splitDataset(all, seed);
  const rows = split === undefined ? all : options.split === 'tune' ? split.tune : split.heldOut;
  if (options.split !== 'all')
    console.error(`same-source split (${options.split}): not evidence of cross-source quality`);
  const classifier = await createEvalClassifier({
    task: options.task,
    rulesOnly: options.rulesOnly === true,
    threshold: options.threshold,
  });
  try {
    const report = await runClassificationEval(options.task, rows, options.positiveLabel, classifier.classify);
    console.log(
      options.json === true
        ? JSON.stringify({ ...report, split: options.split, rows: rows.length }, null, 2)
        : formatClassificationReport(report),
    );
  } finally {
    await classifier.close();
  }
}

/** Adds `bulwark guard eval`: scores a guard detector on labelled data (classification or span tasks). */
export function registerGuardEval(program: Command): void {
  const guard =
    program.commands.find((command) => command.name() === 'guard') ??
    program.command('guard').description('Guard detectors: evaluation and tooling');
  guard
    .command('eval')
    .description('Evaluate a detector: per-class precision, recall, F1, F2, false-positive rate, latency p50/p99')
    .requiredOption(
      '--task <task>',
      'injection | toxicity | pii | secrets',
      choice(['injection', 'toxicity', 'pii', 'secrets'] as const),
    )
    .requiredOption(
      '--data <file>',
      'JSONL or CSV of labelled texts (pii: span JSONL; secrets: a directory; --cross-source: comma-separated JSONL files)',
    )
    .option('--truth <csv>', 'truth CSV (secrets task)')
    .option('--json', 'print the report as JSON')
    .option('--format <format>', 'jsonl | csv (default: by file extension)', choice(['jsonl', 'csv'] as const))
    .option('--text-field, --text-column <name>', 'field/column holding the text', 'text')
    .option('--label-field, --label-column <name>', 'field/column holding the gold label', 'label')
    .option(
      '--category-field, --category-column <name>',
      'field/column to report slices by (and stratify --split)',
      'category',
    )
    .option('--positive, --positive-label <label>', 'label value of the positive class', 'attack')
    .option(
      '--split <part>',
      'all | tune | held-out (fixed seeded stratified 70/30 split)',
      choice(['all', 'tune', 'held-out'] as const),
      'all',
    )
    .option('--split-seed <seed>', 'seed of the split (default: the one the shipped classifier was trained with)')
    .option('--rules-only', 'skip the embedding stage')
    .option(
      '--cross-source',
      'leave-one-source-out: hold out each source family whole, fit and tune on the others (injection)',
    )
    .option('--no-embedding', 'cross-source without the embedding stage (lexical path only)')
    .option('--embedding-cache <file>', 'JSON cache of sentence embeddings keyed by text hash (cross-source, train)')
    .option(
      '--threshold <n>',
      'finding confidence counted as positive',
      (v) => {
        const n = Number(v);
        if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('expected a number in 0..1');
        return n;
      },
      0.5,
    )
    .action(async (options: EvalOptions) => {
      await runEval(options);
    });
  guard
    .command('train')
    .description(
      'Rebuild the shipped injection model (src/modules/guard/data/injection-model.json) from labelled JSONL',
    )
    .option('--task <task>', 'injection', choice(['injection'] as const), 'injection')
    .requiredOption('--data <files>', 'comma-separated JSONL files (text, label, category, source)')
    .option('--embedding-cache <file>', 'JSON cache of sentence embeddings keyed by text hash')
    .option('--out <file>', 'write the model here instead of the shipped file')
    .action(async (options: { data: string; embeddingCache?: string; out?: string }) => {
      const written = await trainShippedInjectionModel({
        files: dataFiles(options.data),
        ...(options.embeddingCache === undefined ? {} : { embeddingCache: options.embeddingCache }),
        ...(options.out === undefined ? {} : { out: options.out }),
        log: (line) => console.error(line),
      });
      console.log(`wrote ${written}`);
    });
}
