import { z } from 'zod';
import type { Finding, ScanContext } from '../detector.js';
import { blankSpans } from '../pipeline/guard-pipeline.js';
import { detectSecrets } from '../secrets/detect-secrets.js';
import { LLAMA_GUARD_CLASSES, UNLISTED_UNSAFE_CLASS } from './guard-model-categories.js';
import { parseGuardVerdict, type GuardModelVerdict } from './parse-guard-verdict.js';
import { postJson } from './post-json.js';
import {
  RemoteCaller,
  type RemoteDetector,
  type RemoteDetectorBase,
  type RemoteDetectorEvents,
} from './remote-detector.js';
import { unavailableFinding } from './unavailable-finding.js';

/** A guard model (Llama Guard style) behind an OpenAI-compatible `POST /chat/completions`. */
/**
 * Its `baseUrl` runs up to the API version (e.g. `http://vllm:8000/v1`); `/chat/completions` is appended.
 */
export interface GuardModelOptions extends RemoteDetectorBase {
  /** The model name the server knows the guard model by. */
  readonly model: string;
  /** Most tokens of the reply (`safe`, or `unsafe` and a line of categories). */
  readonly maxTokens: number;
  /** Class per category code, laid over the Llama Guard 3 table. */
  readonly categories?: Readonly<Record<string, string>>;
}

/** One message of the conversation the guard model judges. */
export interface GuardModelMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

const completionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().max(4_096) }) })).min(1),
});

// SECURITY: the prompt of an exchange leaves Bulwark with its secrets blanked, as the scanned text does.
function withoutSecrets(text: string): string {
  return blankSpans(
    text,
    detectSecrets(text).filter((f) => f.confidence >= 0.5),
  );
}

/**
 * The conversation to judge: on input the text as the user's message; on output the text as the assistant's answer
 * to the exchange's prompt (ScanContext.inputText; empty when the caller gave none).
 */
export function conversationFor(text: string, ctx: ScanContext): GuardModelMessage[] {
  if (ctx.hook === 'input') return [{ role: 'user', content: text }];
  return [
    { role: 'user', content: withoutSecrets(ctx.inputText ?? '') },
    { role: 'assistant', content: text },
  ];
}

/**
 * Creates a detector that asks a guard model whether the conversation is safe. `unsafe` yields one finding per
 * category named (its class from the table, an unknown code as `moderation.unsafe` with the code in the reason).
 * SECURITY: fails closed: a timeout, an open circuit, a non-2xx answer or a reply that is neither `safe` nor
 * `unsafe` yields the hook's `*.detector_unavailable` finding.
 */
export function createGuardModelDetector(
  options: GuardModelOptions,
  events: RemoteDetectorEvents = {},
): RemoteDetector {
  const caller = new RemoteCaller(options.name, options, events);
  const { endpoint } = caller;
  const classes: Readonly<Record<string, string>> = { ...LLAMA_GUARD_CLASSES, ...options.categories };
  const finding = (text: string, category: string): Finding => ({
    class: classes[category] ?? UNLISTED_UNSAFE_CLASS,
    start: 0,
    end: text.length,
    confidence: 1,
    reason: `guard.moderation.guard_model.${category.toLowerCase()}`,
    detector: options.name,
  });
  return {
    manifest: {
      name: options.name,
      description: 'Guard model (Llama Guard style) behind an OpenAI-compatible chat completions endpoint.',
      hooks: options.hooks,
      params: z.object({}),
    },
    async scan(text: string, ctx: ScanContext): Promise<Finding[]> {
      if (text.trim() === '') return [];
      const body = {
        model: options.model,
        messages: conversationFor(text, ctx),
        temperature: 0,
        max_tokens: options.maxTokens,
      };
      let verdict: GuardModelVerdict;
      try {
        verdict = await caller.call(async () => {
          const answer = completionSchema.parse(await postJson(caller.dispatcher, endpoint, '/chat/completions', body));
          const parsed = parseGuardVerdict(answer.choices[0]?.message.content ?? '');
          // A reply the parser cannot read counts against the endpoint like any malformed answer.
          if (parsed === undefined) throw new Error('guard model reply is neither safe nor unsafe');
          return parsed;
        });
      } catch {
        return [unavailableFinding(ctx.hook, options.name, text)];
      }
      if (verdict.safe) return [];
      const categories = verdict.categories.length > 0 ? verdict.categories : ['unlisted'];
      return categories.map((category) => finding(text, category));
    },
    close: () => caller.close(),
  };
}
