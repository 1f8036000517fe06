import { afterEach, describe, expect, it } from 'vitest';
import { Secret } from '../../../lib/secret.js';
import type { FakeUpstream } from '../../../../test/support/fake-upstreams/fake-upstream.js';
import { guardModelFake, type GuardReply } from '../../../../test/support/fake-upstreams/guard-classifier-fakes.js';
import { createGuardModelDetector, type GuardModelOptions } from './guard-model-detector.js';
import type { RemoteDetector } from './remote-detector.js';

const TOKEN = 'guard-token-8e1f0b6a4c';

let server: FakeUpstream | undefined;
let detector: RemoteDetector | undefined;
afterEach(async () => {
  await detector?.close();
  await server?.close();
});

async function start(reply: GuardReply, options: Partial<GuardModelOptions> = {}) {
  server = await guardModelFake(reply).start();
  detector = createGuardModelDetector({
    name: 'llama_guard',
    baseUrl: `${server.url}/v1`,
    token: new Secret(TOKEN),
    model: 'meta-llama/Llama-Guard-3-8B',
    hooks: ['input', 'output'],
    timeoutMs: 2_000,
    maxTokens: 20,
    breaker: { failureThreshold: 5, coolDownMs: 30_000 },
    ...options,
  });
  return { fake: server, detector };
}

describe('guard model detector', () => {
  it('finds nothing in a conversation the guard model calls safe', async () => {
    const { fake, detector } = await start(() => 'safe');
    expect(await detector.scan('How do I bake bread?', { hook: 'input' })).toEqual([]);
    expect(fake.requests[0]?.body).toEqual({
      model: 'meta-llama/Llama-Guard-3-8B',
      messages: [{ role: 'user', content: 'How do I bake bread?' }],
      temperature: 0,
      max_tokens: 20,
    });
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('reports unsafe S10 as hate, over the whole text', async () => {
    const { detector } = await start(() => 'unsafe\nS10');
    const text = 'a hateful message';
    expect(await detector.scan(text, { hook: 'input' })).toEqual([
      {
        class: 'moderation.hate',
        start: 0,
        end: text.length,
        confidence: 1,
        reason: 'guard.moderation.guard_model.s10',
        detector: 'llama_guard',
      },
    ]);
  });

  it('keeps every category it is told, an unknown code as moderation.unsafe, a configured one as configured', async () => {
    const { detector } = await start(() => 'unsafe\nS1,S11,S15,S16', { categories: { S16: 'moderation.custom' } });
    const findings = await detector.scan('text', { hook: 'input' });
    expect(findings.map((f) => [f.class, f.reason])).toEqual([
      ['moderation.violence', 'guard.moderation.guard_model.s1'],
      ['moderation.self_harm', 'guard.moderation.guard_model.s11'],
      ['moderation.unsafe', 'guard.moderation.guard_model.s15'],
      ['moderation.custom', 'guard.moderation.guard_model.s16'],
    ]);
  });

  it('on the output hook sends the answer after the prompt it answers, with the prompt’s secrets blanked', async () => {
    const { fake, detector } = await start(() => 'safe');
    const key = `ghp_${'aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY'}1234`;
    const prompt = `Summarise this. My token is ${key}`;
    await detector.scan('Here is the summary.', { hook: 'output', inputText: prompt });
    const messages = (fake.requests[0]?.body as { messages: { role: string; content: string }[] }).messages;
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(messages[0]?.content).toBe(prompt.replace(key, '*'.repeat(key.length)));
    expect(messages[1]?.content).toBe('Here is the summary.');
  });

  it('a guard model that answers something other than safe or unsafe does not let the text through', async () => {
    const { detector } = await start(() => 'I am sorry, I cannot assess that.');
    expect((await detector.scan('text', { hook: 'input' })).map((f) => f.class)).toEqual([
      'injection.detector_unavailable',
    ]);
    expect((await detector.scan('answer', { hook: 'output', inputText: 'q' })).map((f) => f.class)).toEqual([
      'moderation.detector_unavailable',
    ]);
  });

  it('a guard model that answers a non-2xx status echoing the token does not leak it into findings', async () => {
    const failures: unknown[] = [];
    server = await guardModelFake(() => 'safe').start();
    detector = createGuardModelDetector(
      {
        name: 'llama_guard',
        baseUrl: `${server.url}/v1`,
        token: new Secret(TOKEN),
        model: 'guard',
        hooks: ['input'],
        timeoutMs: 2_000,
        maxTokens: 20,
        breaker: { failureThreshold: 5, coolDownMs: 30_000 },
      },
      { onFailure: (f) => failures.push(f) },
    );
    server.failNext({ kind: 'status', status: 500, body: { error: { message: `token ${TOKEN} rejected` } } });
    const findings = await detector.scan('text', { hook: 'input' });
    expect(findings.map((f) => f.reason)).toEqual(['guard.detector_unavailable']);
    expect(JSON.stringify([findings, failures])).not.toContain(TOKEN);
  });
});
