import type { ChatMessage, ChatRequest } from '../ports.js';
import type { ChunkHit } from './document.js';

// The context is plain prose with numbered excerpt headings: a marker that looks like a delimiter (brackets, tags,
// rows of symbols) reads as a delimiter attack to the injection rules, which scan this message like any other.
function contextText(hits: readonly ChunkHit[]): string {
  const excerpts = hits.map((hit, i) => {
    const from = hit.title !== null ? `${hit.documentId}, titled ${JSON.stringify(hit.title)}` : hit.documentId;
    return `Excerpt ${i + 1} (document ${from}, part ${hit.position + 1}):\n${hit.content.trim()}`;
  });
  return [
    `The following ${hits.length} excerpts come from the organization's own documents, found for this conversation. Use them as reference material when they help.`,
    ...excerpts,
    'End of the excerpts.',
  ].join('\n\n');
}

/**
 * The request with one system message carrying the retrieved chunks, placed after the leading system and developer
 * messages (the application's own instructions come first). Returns the request unchanged when nothing was found.
 */
export function withRetrievedContext(request: ChatRequest, hits: readonly ChunkHit[]): ChatRequest {
  if (hits.length === 0) return request;
  const lead = request.messages.findIndex((m) => m.role !== 'system' && m.role !== 'developer');
  const at = lead === -1 ? request.messages.length : lead;
  const context: ChatMessage = { role: 'system', content: contextText(hits) };
  return { ...request, messages: [...request.messages.slice(0, at), context, ...request.messages.slice(at)] };
}
