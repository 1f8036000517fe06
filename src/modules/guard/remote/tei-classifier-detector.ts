import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import type { Finding, ScanContext } from '../detector.js';
import { calibrateProbability } from '../embedding/calibrate-probability.js';
import { MicroBatcher } from './micro-batcher.js';
import { postJson } from './post-json.js';
import {
  RemoteCaller,
  type RemoteDetector,
  type RemoteDetectorBase,
  type RemoteDetectorEvents,
} from './remote-detector.js';
import { splitIntoChunks } from './split-into-chunks.js';
import { unavailableFinding } from './unavailable-finding.js';

/** A sequence classifier served by Hugging Face text-embeddings-inference (`POST /predict`). */
export interface TeiClassifierOptions extends RemoteDetectorBase {
  /** Labels that mean an attack (matched without regard to case) and the finding class each one reports. */
  readonly labels: Readonly<Record<string, string>>;
  /** Score of an attack label (0..1, exclusive) at and above which it is reported; it maps to confidence 0.5. */
  readonly threshold: number;
  /** Most texts (chunks) in one request; TEI refuses more than its `--max-client-batch-size` (default 32). */
  readonly maxBatchSize: number;
  /** How long a scan waits for others to share its request. */
  readonly batchWaitMs: number;
  /** Characters per chunk: longer texts are split into overlapping chunks, each classified. */
  readonly chunkChars: number;
  /** Most chunks of one text; a longer text is not scanned and fails closed. */
  readonly maxChunks: number;
}

/** One `{label, score}` of a prediction. */
export interface TeiPrediction {
  readonly label: string;
  readonly score: number;
}

// A batch answer: one list of predictions per input, in order. With raw_scores false the scores are probabilities.
const predictSchema = z.array(
  z.array(z.object({ label: z.string().max(256), score: z.number().min(0).max(1) })).min(1),
);

/** The reason code of an attack label: stable, lower case, only [a-z0-9_]. */
function labelReason(label: string): string {
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40);
  return `guard.remote_classifier.${slug || 'label'}`;
}

/**
 * Creates a detector that classifies each text with a TEI sequence classifier (for example a prompt-injection model
 * with labels INJECTION / SAFE). Texts scanned close together share one batched request; long texts are classified
 * in overlapping chunks. SECURITY: fails closed: a call that times out, is refused by the open circuit, answers
 * non-2xx or answers something malformed yields the hook's `*.detector_unavailable` finding.
 */
export function createTeiClassifierDetector(
  options: TeiClassifierOptions,
  events: RemoteDetectorEvents = {},
): RemoteDetector {
  const caller = new RemoteCaller(options.name, options, events);
  const { endpoint } = caller;
  const attackClass = new Map(Object.entries(options.labels).map(([label, cls]) => [label.toUpperCase(), cls]));
  const batcher = new MicroBatcher<string, readonly TeiPrediction[]>(options, (texts) =>
    caller.call(async () => {
      // A batch is a list of one-element lists: TEI reads a flat list of two strings as one sentence pair.
      const body = { inputs: texts.map((text) => [text]), truncate: true, raw_scores: false };
      const predictions = predictSchema.parse(await postJson(caller.dispatcher, endpoint, '/predict', body));
      if (predictions.length !== texts.length) throw new Error('predict answered a batch of the wrong length');
      return predictions;
    }),
  );
  const overlap = Math.min(200, Math.floor(options.chunkChars / 4));
  // The streaming hold-back rescans a growing answer every few characters: its earlier chunks are the same texts, so
  // their answers are remembered (per org, so one org cannot time whether another sent a text) and only new chunks
  // are sent. Failures are never remembered.
  const answered = new LRUCache<string, readonly TeiPrediction[]>({
    maxSize: 4_000_000,
    sizeCalculation: (_value, key) => Math.max(1, key.length),
  });
  const classify = async (chunk: string, orgId: string | undefined): Promise<readonly TeiPrediction[]> => {
    const key = `${orgId ?? ''}\u0000${chunk}`;
    const hit = answered.get(key);
    if (hit !== undefined) return hit;
    const predictions = await batcher.submit(chunk);
    answered.set(key, predictions);
    return predictions;
  };
  return {
    manifest: {
      name: options.name,
      description: 'Sequence classifier served by text-embeddings-inference (POST /predict), batched.',
      hooks: options.hooks,
      params: z.object({}),
    },
    async scan(text: string, ctx: ScanContext): Promise<Finding[]> {
      if (text.trim() === '') return [];
      const chunks = splitIntoChunks(text, options.chunkChars, overlap);
      // SECURITY: a text too long to classify whole is not passed on half-read.
      if (chunks.length > options.maxChunks) return [unavailableFinding(ctx.hook, options.name, text)];
      let answers: (readonly TeiPrediction[])[];
      try {
        answers = await Promise.all(chunks.map((chunk) => classify(chunk.text, ctx.orgId)));
      } catch {
        return [unavailableFinding(ctx.hook, options.name, text)];
      }
      const findings: Finding[] = [];
      answers.forEach((predictions, i) => {
        const chunk = chunks[i];
        if (chunk === undefined) return;
        for (const { label, score } of predictions) {
          const cls = attackClass.get(label.toUpperCase());
          if (cls === undefined || score < options.threshold) continue;
          findings.push({
            class: cls,
            start: chunk.start,
            end: chunk.end,
            confidence: calibrateProbability(score, options.threshold),
            reason: labelReason(label),
            detector: options.name,
          });
        }
      });
      return findings;
    },
    close: () => caller.close(),
  };
}
