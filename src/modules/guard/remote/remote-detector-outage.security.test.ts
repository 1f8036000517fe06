import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { Secret } from '../../../lib/secret.js';
import { FakeUpstream } from '../../../../test/support/fake-upstreams/fake-upstream.js';
import { guardModelFake, teiFake } from '../../../../test/support/fake-upstreams/guard-classifier-fakes.js';
import { createInjectionDetector } from '../injection/injection-detector.js';
import type { ClassPolicyInput } from '../pipeline/class-policy.js';
import { createGuardPipeline } from '../pipeline/guard-pipeline.js';
import { createSecretsDetector } from '../secrets/secrets-detector.js';
import { createGuardModelDetector } from './guard-model-detector.js';
import { postJson, RemoteCallError } from './post-json.js';
import type { RemoteDetector } from './remote-detector.js';
import { createTeiClassifierDetector } from './tei-classifier-detector.js';

const TOKEN = 'outage-token-2d7c9e41';
const BENIGN = 'Summarise the attached quarterly report in three bullet points.';

// An org that allows every injection and moderation class on both hooks, the outage classes by name included.
const PERMISSIVE: ClassPolicyInput = {
  input: { 'injection.*': 'allow', 'moderation.*': 'allow', 'injection.detector_unavailable': 'allow', '*': 'allow' },
  output: { 'injection.*': 'allow', 'moderation.*': 'allow', 'moderation.detector_unavailable': 'allow' },
};

const servers: FakeUpstream[] = [];
const detectors: RemoteDetector[] = [];
afterEach(async () => {
  await Promise.all(detectors.splice(0).map((d) => d.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(fake: FakeUpstream): Promise<FakeUpstream> {
  servers.push(await fake.start());
  return fake;
}

function tei(url: string, breaker = { failureThreshold: 5, coolDownMs: 30_000 }, timeoutMs = 2_000) {
  const d = createTeiClassifierDetector({
    name: 'prompt_injection',
    baseUrl: url,
    token: new Secret(TOKEN),
    labels: { INJECTION: 'injection.remote_classifier' },
    threshold: 0.5,
    hooks: ['input'],
    timeoutMs,
    maxBatchSize: 32,
    batchWaitMs: 1,
    chunkChars: 2_000,
    maxChunks: 64,
    breaker,
  });
  detectors.push(d);
  return d;
}

function guardModel(url: string, timeoutMs = 2_000) {
  const d = createGuardModelDetector({
    name: 'llama_guard',
    baseUrl: `${url}/v1`,
    token: new Secret(TOKEN),
    model: 'guard',
    hooks: ['input', 'output'],
    timeoutMs,
    maxTokens: 20,
    breaker: { failureThreshold: 5, coolDownMs: 30_000 },
  });
  detectors.push(d);
  return d;
}

function pipeline(detector: RemoteDetector, policy?: ClassPolicyInput) {
  return createGuardPipeline({
    secretDetectors: [createSecretsDetector()],
    detectors: [createInjectionDetector(), detector],
    ...(policy ? { policy } : {}),
  });
}

describe('remote guard detectors fail closed', () => {
  it('a classifier that times out does not let the prompt through', async () => {
    const fake = await serve(teiFake());
    fake.failNext({ kind: 'hang' });
    const result = await pipeline(tei(fake.url, undefined, 150)).run(BENIGN, { hook: 'input' });
    expect(result.verdict).toBe('block');
    expect(result.findings.map((f) => [f.class, f.reason, f.action])).toEqual([
      ['injection.detector_unavailable', 'guard.detector_unavailable', 'block'],
    ]);
  });

  it('a classifier outage is not turned into a pass by an org policy that allows injections', async () => {
    const fake = await serve(teiFake());
    fake.failNext({ kind: 'status', status: 503 });
    const result = await pipeline(tei(fake.url), PERMISSIVE).run(BENIGN, { hook: 'input' });
    expect(result.verdict).toBe('block');
    expect(result.reasons).toEqual(['guard.detector_unavailable']);
  });

  it('an injection the remote classifier flags is blocked by the default policy', async () => {
    const fake = await serve(teiFake({ score: () => 0.99 }));
    const result = await pipeline(tei(fake.url)).run(BENIGN, { hook: 'input' });
    expect(result.verdict).toBe('block');
    expect(result.findings.map((f) => f.class)).toEqual(['injection.remote_classifier']);
  });

  it('a guard model that times out does not let the prompt through', async () => {
    const fake = await serve(guardModelFake(() => 'safe'));
    fake.failNext({ kind: 'hang' });
    const result = await pipeline(guardModel(fake.url, 150), PERMISSIVE).run(BENIGN, { hook: 'input' });
    expect(result.verdict).toBe('block');
    expect(result.findings.map((f) => f.class)).toEqual(['injection.detector_unavailable']);
  });

  it('a guard model that times out does not let the answer through', async () => {
    const fake = await serve(guardModelFake(() => 'safe'));
    fake.failNext({ kind: 'hang' });
    const result = await pipeline(guardModel(fake.url, 150), PERMISSIVE).run('The report says revenue grew.', {
      hook: 'output',
      inputText: BENIGN,
    });
    expect(result.verdict).toBe('block');
    expect(result.findings.map((f) => f.class)).toEqual(['moderation.detector_unavailable']);
  });

  it('a guard model that answers garbage does not let the prompt through', async () => {
    const fake = await serve(guardModelFake(() => 'Sure! Here is a poem instead.'));
    const result = await pipeline(guardModel(fake.url), PERMISSIVE).run(BENIGN, { hook: 'input' });
    expect(result.verdict).toBe('block');
  });

  it('an unsafe answer from the guard model is quarantined on output by the default policy', async () => {
    const fake = await serve(guardModelFake(() => 'unsafe\nS10'));
    const result = await pipeline(guardModel(fake.url)).run('a hateful answer', { hook: 'output', inputText: 'q' });
    expect(result.verdict).toBe('quarantine');
    expect(result.findings.map((f) => f.class)).toEqual(['moderation.hate']);
  });

  it('a failing classifier opens its circuit: no calls while open, and a successful probe closes it', async () => {
    const fake = await serve(teiFake());
    const detector = tei(fake.url, { failureThreshold: 3, coolDownMs: 300 });
    const run = pipeline(detector);
    fake.failNext(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 503 })));
    for (let i = 0; i < 3; i++) expect((await run.run(`${BENIGN} ${i}`, { hook: 'input' })).verdict).toBe('block');
    expect(fake.requests).toHaveLength(3);
    // Open: scans fail closed at once, without touching the server.
    for (let i = 0; i < 5; i++) expect((await run.run(BENIGN, { hook: 'input' })).verdict).toBe('block');
    expect(fake.requests).toHaveLength(3);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await run.run(BENIGN, { hook: 'input' })).verdict).toBe('allow');
    expect(fake.requests).toHaveLength(4);
    expect((await run.run(`${BENIGN} again`, { hook: 'input' })).verdict).toBe('allow');
    expect(fake.requests).toHaveLength(5);
  });

  it('texts one org makes the classifier refuse (422) do not open the circuit for every org', async () => {
    const fake = await serve(teiFake());
    const detector = tei(fake.url, { failureThreshold: 2, coolDownMs: 30_000 });
    fake.failNext(...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 422 })));
    for (let i = 0; i < 4; i++)
      expect((await detector.scan(`odd ${i}`, { hook: 'input' })).map((f) => f.class)).toEqual([
        'injection.detector_unavailable',
      ]);
    expect(await detector.scan(BENIGN, { hook: 'input' })).toEqual([]);
    expect(fake.requests).toHaveLength(5);
  });

  it('a server that echoes the bearer token does not get it into the error', async () => {
    const fake = await serve(
      new FakeUpstream((request, res) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`rejected: ${String(request.headers.authorization)}`);
      }),
    );
    const agent = new Agent();
    const endpoint = { baseUrl: fake.url, token: new Secret(TOKEN), timeoutMs: 1_000, maxResponseBytes: 1_024 };
    const error = await postJson(agent, endpoint, '/predict', {}).catch((e: unknown) => e);
    await agent.close();
    expect(error).toBeInstanceOf(RemoteCallError);
    expect((error as RemoteCallError).message).toContain('rejected: Bearer [redacted]');
    expect((error as RemoteCallError).message).not.toContain(TOKEN);
  });

  it('an answer larger than the response limit is not read to the end', async () => {
    const fake = await serve(
      new FakeUpstream((_request, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify([[{ label: 'SAFE', score: 1, pad: 'x'.repeat(4_096) }]]));
      }),
    );
    const agent = new Agent();
    const endpoint = { baseUrl: fake.url, timeoutMs: 1_000, maxResponseBytes: 1_024 };
    const error = await postJson(agent, endpoint, '/predict', {}).catch((e: unknown) => e);
    await agent.close();
    expect(error).toMatchObject({ kind: 'malformed' });
  });
});
