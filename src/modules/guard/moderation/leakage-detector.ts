import { z } from 'zod';
import type { Detector, DetectorManifest, Finding, ScanContext } from '../detector.js';

/** A sensitive value found by the PII/secrets detectors (injected, so this module does not depend on them). */
export interface SensitiveSpan {
  readonly class: string;
  readonly start: number;
  readonly end: number;
}

const params = z.object({
  minOverlapWords: z
    .number()
    .int()
    .min(4)
    .default(8)
    .describe('Consecutive words shared with the system prompt that count as an echo.'),
});

/** Options of the leakage detector. */
export interface LeakageDetectorOptions {
  /** Finds PII and secrets in a text (the guard's PII and secrets detectors). */
  readonly findSensitive: (text: string) => readonly SensitiveSpan[];
  readonly params?: Partial<z.infer<typeof params>>;
}

const manifest: DetectorManifest<typeof params> = {
  name: 'leakage',
  description: 'Output leakage: PII or secrets absent from the input, the system prompt echoed back, canary tokens.',
  hooks: ['output'],
  params,
};

const words = (text: string): { word: string; start: number; end: number }[] =>
  [...text.matchAll(/[\p{L}\p{N}]+/gu)].map((m) => ({
    word: m[0].toLowerCase(),
    start: m.index,
    end: m.index + m[0].length,
  }));

/** Spans of `output` that repeat at least `n` consecutive words of `source` (word n-gram shingles). */
export function findEchoedRuns(output: string, source: string, n: number): { start: number; end: number }[] {
  const sourceWords = words(source).map((w) => w.word);
  const shingles = new Set<string>();
  for (let i = 0; i + n <= sourceWords.length; i++) shingles.add(sourceWords.slice(i, i + n).join(' '));
  const outWords = words(output);
  const runs: { start: number; end: number }[] = [];
  for (let i = 0; i + n <= outWords.length; i++) {
    if (
      !shingles.has(
        outWords
          .slice(i, i + n)
          .map((w) => w.word)
          .join(' '),
      )
    )
      continue;
    const start = outWords[i]?.start ?? 0;
    const end = outWords[i + n - 1]?.end ?? start;
    const last = runs[runs.length - 1];
    if (last !== undefined && start <= last.end + 1) last.end = Math.max(last.end, end);
    else runs.push({ start, end });
  }
  return runs;
}

/** Creates the output leakage detector. */
export function createLeakageDetector(options: LeakageDetectorOptions): Detector {
  const settings = params.parse(options.params ?? {});
  return {
    manifest,
    scan(text: string, ctx: ScanContext): Finding[] {
      const findings: Finding[] = [];
      const input = ctx.inputText ?? '';
      for (const span of options.findSensitive(text)) {
        // SECURITY: a value the user sent is echoed, not leaked; anything else sensitive in the answer came from
        // the model, its context or its tools and is reported.
        if (input.includes(text.slice(span.start, span.end))) continue;
        findings.push({
          class: 'moderation.leakage',
          start: span.start,
          end: span.end,
          confidence: 0.9,
          reason: `guard.moderation.leaked_${span.class.replace(/[^a-z0-9_]+/gi, '_')}`,
          detector: manifest.name,
        });
      }
      if (ctx.systemPrompt !== undefined && ctx.systemPrompt.trim() !== '') {
        for (const run of findEchoedRuns(text, ctx.systemPrompt, settings.minOverlapWords)) {
          findings.push({
            class: 'moderation.system_prompt_echo',
            start: run.start,
            end: run.end,
            confidence: 0.9,
            reason: 'guard.moderation.system_prompt_echo',
            detector: manifest.name,
          });
        }
      }
      for (const token of ctx.canaryTokens ?? []) {
        if (token === '') continue;
        for (let at = text.indexOf(token); at >= 0; at = text.indexOf(token, at + token.length)) {
          findings.push({
            class: 'moderation.canary_echo',
            start: at,
            end: at + token.length,
            confidence: 1,
            reason: 'guard.moderation.canary_token',
            detector: manifest.name,
          });
        }
      }
      return findings;
    },
  };
}
