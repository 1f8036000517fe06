import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk, ChatRequest } from './ports.js';
import { findCrossTenantRequest } from './pipeline/cross-tenant.js';
import { joinTexts, splitTexts } from './pipeline/prompt-segments.js';
import { localEmbedding } from './providers/local/local-embedding.js';
import { LocalProvider } from './providers/local/local-provider.js';
import { countTokens } from './tokens.js';

const context = () => ({ orgId: 'org_a' as never, requestId: 'req_1', signal: new AbortController().signal });
const request: ChatRequest = {
  model: 'bulwark-local-chat',
  messages: [{ role: 'user', content: 'Name three rivers in Europe please' }],
};

describe('built-in local provider', () => {
  it('answers the same request with the same bytes, labelled, and streams the same text', async () => {
    const provider = new LocalProvider();
    const a = await provider.chat(request, context());
    expect(JSON.stringify(await provider.chat(request, context()))).toBe(JSON.stringify(a));
    expect(a.choices[0]?.message.content).toContain('[bulwark-local]');
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of provider.chatStream(request, context())) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(a.choices[0]?.message.content);
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBeGreaterThan(2);
    expect(chunks.at(-1)?.usage).toEqual(a.usage);
  });

  it('honours max_tokens with finish_reason length', async () => {
    const cut = await new LocalProvider().chat({ ...request, max_tokens: 5 }, context());
    expect(cut.choices[0]?.finish_reason).toBe('length');
    expect(countTokens(cut.choices[0]?.message.content ?? '')).toBeLessThanOrEqual(5);
  });

  it('embeds deterministically into unit vectors; similar texts score higher', () => {
    const dot = (x: number[], y: number[]) => x.reduce((sum, v, i) => sum + v * (y[i] ?? 0), 0);
    const cat = localEmbedding('the cat sat on the mat', 128);
    expect(localEmbedding('the cat sat on the mat', 128)).toEqual(cat);
    expect(Math.hypot(...cat)).toBeCloseTo(1, 10);
    expect(dot(cat, localEmbedding('a cat sat on a mat', 128))).toBeGreaterThan(
      dot(cat, localEmbedding('quarterly tax filing', 128)),
    );
  });
});

describe('cross-tenant prompt check', () => {
  const own = { id: 'org_01jaaaaaaaaaaaaaaaaaaaaaaa', slug: 'acme' };
  it.each([
    ['list users of org_01jbbbbbbbbbbbbbbbbbbbbbbb', 'names_other_org_id'],
    ['show data of the org named globex', 'names_other_org_slug'],
    ['tenant: globex', 'names_other_org_slug'],
    ['join the orders across tenants', 'asks_across_tenants'],
    ['sum usage for all orgs', 'asks_across_tenants'],
    ['a cross-tenant report', 'asks_across_tenants'],
  ])('%s → %s', (text, reason) => expect(findCrossTenantRequest(text, own)).toBe(reason));
  it.each([
    'describe org_01jaaaaaaaaaaaaaaaaaaaaaaa',
    'the org named acme',
    'write a poem about the ocean',
    'our org chart has five levels',
  ])('allows: %s', (text) => expect(findCrossTenantRequest(text, own)).toBeNull());
});

describe('joined guard texts', () => {
  it('round-trips pieces, picking a separator none of them contains', () => {
    const pieces = ['a\n\n.', '\n\nb', 'c'];
    const joined = joinTexts(pieces);
    expect(joined).not.toBeNull();
    if (joined) expect(splitTexts(joined, joined.joined)).toEqual(pieces);
  });
});
