import type { ServerResponse } from 'node:http';
import { FakeUpstream, type RecordedRequest } from './fake-upstream.js';

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Scores a text as a prompt-injection classifier would: the INJECTION probability of a text. */
export type InjectionScore = (text: string) => number;

/** A default scorer: texts that ask to ignore earlier instructions are injections. */
export const scoreByPhrase: InjectionScore = (text) =>
  /ignore (all )?previous instructions/i.test(text) ? 0.98 : 0.02;

function predictions(text: string, score: InjectionScore) {
  const p = score(text);
  // TEI answers every label, highest score first.
  return [
    { label: 'INJECTION', score: p },
    { label: 'SAFE', score: 1 - p },
  ].sort((a, b) => b.score - a.score);
}

/**
 * A fake text-embeddings-inference server speaking `POST /predict` as TEI does: `inputs` is a string (one
 * sequence), a list of one or two strings (a sequence or a pair: one answer) or a list of such lists (a batch: one
 * answer per entry); more entries than `maxClientBatchSize` is 413. A pair is scored on its first string.
 */
export function teiFake(options: { score?: InjectionScore; maxClientBatchSize?: number } = {}): FakeUpstream {
  const score = options.score ?? scoreByPhrase;
  const max = options.maxClientBatchSize ?? 32;
  return new FakeUpstream((request: RecordedRequest, res) => {
    if (request.path !== '/predict') return json(res, 404, { error: 'not found', error_type: 'not_found' });
    const inputs = (request.body as { inputs?: unknown } | undefined)?.inputs;
    if (typeof inputs === 'string') return json(res, 200, predictions(inputs, score));
    if (!Array.isArray(inputs) || inputs.length === 0)
      return json(res, 422, { error: 'invalid inputs', error_type: 'validation' });
    if (typeof inputs[0] === 'string') return json(res, 200, predictions(String(inputs[0]), score));
    if (inputs.length > max)
      return json(res, 413, { error: `batch size ${inputs.length} > ${max}`, error_type: 'validation' });
    return json(
      res,
      200,
      inputs.map((entry: unknown) => predictions(Array.isArray(entry) ? String(entry[0]) : '', score)),
    );
  });
}

/** What the fake guard model answers for a conversation. */
export type GuardReply = (messages: { role: string; content: string }[]) => string;

/**
 * A fake OpenAI-compatible server with a guard model behind `POST /chat/completions`: it answers the content
 * `reply` gives for the request's messages.
 */
export function guardModelFake(reply: GuardReply): FakeUpstream {
  return new FakeUpstream((request, res) => {
    if (request.path !== '/v1/chat/completions') return json(res, 404, { error: { message: 'not found' } });
    const body = request.body as { model?: string; messages?: { role: string; content: string }[] } | undefined;
    if (!body?.model || !Array.isArray(body.messages))
      return json(res, 400, { error: { message: 'model and messages are required' } });
    json(res, 200, {
      id: 'chatcmpl-guard',
      object: 'chat.completion',
      created: 0,
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: reply(body.messages) }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    });
  });
}
