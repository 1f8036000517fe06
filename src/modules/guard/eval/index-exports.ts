// What the `bulwark guard eval` CLI needs from the guard module; re-exported by src/modules/guard/index.ts.
export { createEvalClassifier, type EvalClassifier, type EvalClassifierOptions } from './guard-classifiers.js';
export { parseLabelledRows, type LabelledRow, type RowFields } from './labelled-rows.js';
export { runClassificationEval, type ClassificationReport, type Verdict } from './run-classification-eval.js';
export { formatClassificationReport, formatSpanReport } from './format-report.js';
export { evaluatePiiFile, evaluateSecretsDir, type SpanEvaluationReport } from './span-eval-adapter.js';
export { splitDataset, injectionSplitSeed, type DatasetSplit } from './split-dataset.js';
export { toxicitySplitSeed } from './toxicity-dev-data.js';
export {
  leaveOneSourceOut,
  formatLosoReport,
  type LosoRow,
  type LosoReport,
  type LosoOptions,
  type FamilyResult,
  type Aggregate,
  type SliceFigure,
} from './leave-one-source-out.js';
export { sourceFamily } from './source-family.js';
export {
  readInjectionCorpus,
  prepareInjectionRows,
  runInjectionCrossSource,
  type InjectionCorpusRow,
  type InjectionCrossSourceReport,
} from './injection-cross-source.js';
export { trainShippedInjectionModel, type TrainInjectionOptions } from './train-injection-model.js';
