import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODERATION_CATEGORIES } from '../../src/modules/guard/index.js';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from './api-client.js';

// The official `openai` client against an in-process Bulwark listening on 127.0.0.1 (real HTTP, real classifier).
describe(`POST /v1/moderations through the openai client (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  let client: OpenAI;
  let baseURL: string;

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    baseURL = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}/v1`;
    client = new OpenAI({ apiKey: ctx.a.ownerKey, baseURL, maxRetries: 0, timeout: 60_000 });
  }, 120_000);
  afterAll(async () => server.close());

  it('answers moderations.create in OpenAI shape for a string and an array, flagging only the threat', async () => {
    const single = await client.moderations.create({ model: 'bulwark-moderation', input: 'I will kill you.' });
    expect(single.id).toMatch(/^modr-/);
    expect(single.model).toBe('bulwark-moderation');
    expect(single.results).toHaveLength(1);
    const [threat] = single.results;
    expect(threat?.flagged).toBe(true);
    expect(threat?.categories.violence).toBe(true);
    expect(threat?.categories['harassment/threatening']).toBe(true);
    expect(threat?.categories.sexual).toBe(false);
    expect(Object.keys(threat?.category_scores ?? {}).sort()).toEqual([...MODERATION_CATEGORIES].sort());
    for (const score of Object.values(threat?.category_scores ?? {})) {
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(1);
    }
    expect(threat?.category_applied_input_types.violence).toEqual(['text']);

    const batch = await client.moderations.create({
      input: [
        'Thanks for the quick reply, the invoice is attached.',
        'Parliament passed the immigration bill on Tuesday after a long debate.',
        'What is the easiest way to kill myself?',
      ],
    });
    expect(batch.results.map((r) => r.flagged)).toEqual([false, false, true]);
    expect(batch.results[2]?.categories['self-harm/instructions']).toBe(true);
  }, 120_000);

  it('audits each moderation with categories and counts, never the text', async () => {
    await client.moderations.create({ input: 'You worthless idiot, nobody wants you here.' });
    await server.runtime.auditBuffer.flush();
    const events = [];
    for await (const r of server.runtime.audit.records(ctx.a.orgId as never, { actionPrefix: 'guard.moderation' }))
      events.push(r);
    expect(events.length).toBeGreaterThanOrEqual(3);
    const last = events.at(-1);
    expect(last?.details).toMatchObject({ inputs: 1, flagged: 1, categories: expect.arrayContaining(['harassment']) });
    expect(JSON.stringify(events)).not.toContain('worthless idiot');
  }, 120_000);

  it('speaks OpenAI errors: bad key, unknown model, unsupported image input', async () => {
    const stranger = new OpenAI({ apiKey: 'bwk_not_a_key', baseURL, maxRetries: 0 });
    await expect(stranger.moderations.create({ input: 'hello' })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);

    const unknown = await client.moderations.create({ model: 'gpt-nope', input: 'hello' }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect((unknown as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('guard.moderation_model_unknown');
    expect((unknown as InstanceType<typeof OpenAI.NotFoundError>).param).toBe('model');

    const image = await client.moderations
      .create({ input: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] })
      .catch((e: unknown) => e);
    expect(image).toBeInstanceOf(OpenAI.BadRequestError);
    expect((image as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('input[0]');
  }, 120_000);
});
