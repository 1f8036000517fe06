import type { EmbeddingResponse } from '../ports.js';

/** A vector as OpenAI's `encoding_format: base64` sends it: little-endian float32, base64. */
export function vectorToBase64(vector: readonly number[]): string {
  const floats = new Float32Array(vector);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString('base64');
}

/** The embeddings response in the encoding the client asked for (the official `openai` client asks for base64). */
export function encodeEmbeddings(
  response: EmbeddingResponse,
  format: 'float' | 'base64',
): Omit<EmbeddingResponse, 'data'> & { data: { object: 'embedding'; index: number; embedding: number[] | string }[] } {
  if (format === 'float') return response;
  return { ...response, data: response.data.map((d) => ({ ...d, embedding: vectorToBase64(d.embedding) })) };
}
