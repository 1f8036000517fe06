/** A response body that can be read piece by piece and abandoned (undici's and Node's both are). */
export interface ReadableBody extends AsyncIterable<unknown> {
  destroy(): unknown;
}

/**
 * Reads a body as UTF-8 text, at most `limit` bytes: past it, the body is destroyed (the rest is never read) and the
 * error of `tooLarge` is thrown, so a server cannot make its caller buffer an unbounded answer.
 */
export async function readBoundedText(body: ReadableBody, limit: number, tooLarge: () => Error): Promise<string> {
  const decoder = new TextDecoder('utf-8');
  let size = 0;
  let out = '';
  for await (const piece of body) {
    const bytes = piece as Uint8Array;
    size += bytes.length;
    if (size > limit) {
      body.destroy();
      throw tooLarge();
    }
    out += decoder.decode(bytes, { stream: true });
  }
  return out + decoder.decode();
}
