import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../ports.js';
import { withRetrievedContext } from './context-message.js';
import type { ChunkHit, DocumentId } from './document.js';

const hit = (content: string, position = 0): ChunkHit => ({
  documentId: 'doc_01m8vdd57qxrd3dv2rhxgdkh9n' as DocumentId,
  title: 'Depots',
  attributes: {},
  position,
  content,
  score: 0.9,
});

describe('withRetrievedContext', () => {
  const request: ChatRequest = {
    model: 'm',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'developer', content: 'Answer in English.' },
      { role: 'user', content: 'When does the depot open?' },
    ],
  };

  it('adds one system message after the leading system and developer messages, naming each excerpt', () => {
    const out = withRetrievedContext(request, [hit('Opens at seven.'), hit('Closes at nineteen.', 1)]);
    expect(out.messages.map((m) => m.role)).toEqual(['system', 'developer', 'system', 'user']);
    const context = String(out.messages[2]?.content);
    expect(context).toContain(
      'Excerpt 1 (document doc_01m8vdd57qxrd3dv2rhxgdkh9n, titled "Depots", part 1):\nOpens at seven.',
    );
    expect(context).toContain('Excerpt 2');
    expect(context).toContain('part 2):\nCloses at nineteen.');
    expect(request.messages).toHaveLength(3);
  });

  it('puts the context first when the request has no system message, and changes nothing when nothing was found', () => {
    const bare: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
    expect(withRetrievedContext(bare, [hit('x')]).messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(withRetrievedContext(bare, [])).toBe(bare);
  });
});
