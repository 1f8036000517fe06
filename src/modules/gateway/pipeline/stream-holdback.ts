import { AppError } from '../../../lib/errors/index.js';
import type { GuardResult } from '../../guard/index.js';
import type { ChatCompletionChunk, TokenUsage } from '../ports.js';
import { guardOutage, onlyUnavailable } from './guard-outage.js';
import { joinOutputTexts, splitTexts } from './prompt-segments.js';

/** What the hold-back needs from the guard and the caller. */
export interface HoldBackOptions {
  /** Characters of model output held back until the text after them has been scanned too. */
  window: number;
  /** The model name the client sent (chunks carry it, not the upstream's name). */
  publicModel: string;
  includeUsage: boolean;
  /** An unrecorded scan of the text so far (called every `window` characters). */
  evaluate(text: string): Promise<GuardResult>;
  /** The recorded output scan of the whole response (holds it when the verdict is quarantine). */
  finalScan(text: string): Promise<{ result: GuardResult; quarantineId: string | null }>;
  /** Records and holds a violating text; returns the quarantine id. */
  quarantine(text: string, result: GuardResult | null, reason: string): Promise<string | null>;
}

/** What happened in the stream, for settling and the audit record. */
export interface HoldBackOutcome {
  usage: TokenUsage | null;
  /** Characters of model text received (for an estimate when the upstream reported no usage). */
  received: string;
  verdict: GuardResult['verdict'] | null;
  reasons: readonly string[];
  quarantineId: string | null;
  scans: number;
  finished: boolean;
}

interface ToolCallDraft {
  id?: string;
  name: string;
  arguments: string;
}

function violates(result: GuardResult): boolean {
  return result.verdict === 'block' || result.verdict === 'quarantine';
}

function withheld(quarantineId: string | null): AppError {
  return new AppError('gateway.output_blocked', {
    publicMessage: 'the rest of the response was withheld by the output guard',
    details: quarantineId ? { quarantine_id: quarantineId } : {},
  });
}

/**
 * Releases a streamed chat response only after it has been scanned. Model text is accumulated; every `window`
 * characters the whole text so far is scanned, and only what lies more than `window` characters before its end is
 * released (masked, when the guard masks). Tool-call arguments are held until the end. The final scan is recorded.
 * On a violation the stream ends with `gateway.output_blocked` (thrown, after the released part) and the text is
 * quarantined. INVARIANT: no text reaches the client that a scan has not covered with `window` characters after it,
 * or the final scan.
 */
export async function* holdBack(
  upstream: AsyncIterable<ChatCompletionChunk>,
  options: HoldBackOptions,
  outcome: HoldBackOutcome,
): AsyncGenerator<ChatCompletionChunk> {
  let raw = '';
  let released = '';
  let scannedAt = 0;
  let head: { id: string; created: number } | undefined;
  let finish: ChatCompletionChunk['choices'][number]['finish_reason'] = null;
  const tools: ToolCallDraft[] = [];
  const chunk = (
    delta: ChatCompletionChunk['choices'][number]['delta'],
    finishReason = finish,
  ): ChatCompletionChunk => ({
    id: head?.id ?? 'chatcmpl-bulwark',
    object: 'chat.completion.chunk',
    created: head?.created ?? 0,
    model: options.publicModel,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });
  const fail = async (text: string, result: GuardResult | null, reason: string): Promise<never> => {
    outcome.verdict = result?.verdict ?? 'quarantine';
    outcome.reasons = result?.reasons.length ? result.reasons : [reason];
    if (result && violates(result) && onlyUnavailable(result)) throw guardOutage('output');
    outcome.quarantineId = await options.quarantine(text, result, reason);
    throw withheld(outcome.quarantineId);
  };

  let roleSent = false;
  for await (const piece of upstream) {
    head ??= { id: piece.id, created: piece.created };
    if (piece.usage) outcome.usage = piece.usage;
    for (const choice of piece.choices) {
      if (choice.index !== 0) continue;
      const delta = choice.delta;
      if (!roleSent) {
        roleSent = true;
        // The role carries no model text: it goes out at once, so the client sees the stream open.
        yield chunk({ role: 'assistant', content: '' }, null);
      }
      if (typeof delta.content === 'string') raw += delta.content;
      for (const call of delta.tool_calls ?? []) {
        const draft = (tools[call.index] ??= { name: '', arguments: '' });
        if (call.id) draft.id = call.id;
        if (call.function?.name) draft.name += call.function.name;
        if (call.function?.arguments) draft.arguments += call.function.arguments;
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
    outcome.received = raw;
    if (raw.length - scannedAt < options.window) continue;
    scannedAt = raw.length;
    outcome.scans += 1;
    const result = await options.evaluate(raw);
    if (violates(result)) await fail(raw, result, 'guard.blocked');
    const view = result.transformed ?? raw;
    // SECURITY: a later scan that masks text already released means something left unscanned; stop there.
    if (!view.startsWith(released)) await fail(raw, result, 'gateway.output_blocked');
    const upto = view.length - options.window;
    if (upto > released.length) {
      const next = view.slice(released.length, upto);
      released += next;
      yield chunk({ content: next }, null);
    }
  }

  const toolTexts = tools.map((t) => `${t.name}\n${t.arguments}`);
  const joined = joinOutputTexts([raw, ...toolTexts]);
  const scan = await options.finalScan(joined.joined);
  outcome.scans += 1;
  outcome.verdict = scan.result.verdict;
  outcome.reasons = scan.result.reasons;
  if (violates(scan.result)) {
    if (onlyUnavailable(scan.result)) throw guardOutage('output');
    outcome.quarantineId = scan.quarantineId ?? (await options.quarantine(raw, scan.result, 'guard.blocked'));
    throw withheld(outcome.quarantineId);
  }
  const parts =
    scan.result.transformed === undefined ? [raw, ...toolTexts] : splitTexts(joined, scan.result.transformed);
  const view = parts?.[0];
  // A masked tool call cannot be forwarded as valid arguments, and a rewrite of released text is a leak: withhold both.
  if (
    parts === null ||
    view === undefined ||
    !view.startsWith(released) ||
    parts.slice(1).some((p, i) => p !== toolTexts[i])
  )
    return void (await fail(raw, scan.result, 'gateway.output_blocked'));
  if (view.length > released.length) yield chunk({ content: view.slice(released.length) }, null);
  for (const [index, tool] of tools.entries())
    yield chunk(
      {
        tool_calls: [
          {
            index,
            ...(tool.id ? { id: tool.id } : {}),
            type: 'function',
            function: { name: tool.name, arguments: tool.arguments },
          },
        ],
      },
      null,
    );
  yield chunk({}, finish ?? 'stop');
  outcome.finished = true;
  if (options.includeUsage && outcome.usage) yield { ...chunk({}, null), choices: [], usage: outcome.usage };
}
