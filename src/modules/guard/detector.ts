import type { z } from 'zod';

/** Where in the request path a detector runs. */
export type Hook = 'input' | 'output';

/** One thing a detector found. Spans are UTF-16 offsets into the scanned text, end exclusive. */
export interface Finding {
  /** Class of the finding, e.g. `pii.email`, `secret.aws_access_key`, `injection.instruction_override`, `moderation.toxicity`. */
  readonly class: string;
  readonly start: number;
  readonly end: number;
  /** 0..1; checksums and context words raise or lower it. */
  readonly confidence: number;
  /** Stable reason code explaining why, e.g. `guard.pii.card_luhn_valid`. */
  readonly reason: string;
  /** Which detector produced it. */
  readonly detector: string;
}

/** What a detector may know about the scan beyond the text. */
export interface ScanContext {
  readonly hook: Hook;
  readonly orgId?: string;
  /** Input text of the same exchange, so output detectors can tell leaked data from echoed data. */
  readonly inputText?: string;
  /** System prompt and canary tokens an output must not echo. */
  readonly systemPrompt?: string;
  readonly canaryTokens?: readonly string[];
}

/** Declaration of a detector: its name, the hooks it serves and its parameters. */
export interface DetectorManifest<P extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly hooks: readonly Hook[];
  readonly params: P;
}

/** A detector: pure over its input, may be async (embedding stage runs in a worker pool). */
export interface Detector {
  readonly manifest: DetectorManifest;
  scan(text: string, ctx: ScanContext): Finding[] | Promise<Finding[]>;
}
