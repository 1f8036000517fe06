/** A token of Cedar policy text that the engine's own checks need; offsets are UTF-16 indices into the text. */
export type PolicyToken =
  | { kind: 'identifier'; value: string; start: number }
  | { kind: 'string'; value: string; start: number }
  | { kind: 'path'; start: number }
  | { kind: 'terminator'; start: number };

/** One policy of a policy set text: its source and where it starts. */
export interface PolicyChunk {
  text: string;
  start: number;
}

/** The tokens and policy chunks of a Cedar policy set text. */
export interface ScannedPolicyText {
  tokens: PolicyToken[];
  chunks: PolicyChunk[];
}

const IDENTIFIER_START = /[A-Za-z_]/;
const IDENTIFIER_PART = /[A-Za-z0-9_]/;

/**
 * Scans Cedar policy text for identifiers, string literals, `::` and `;`, skipping comments, and splits it into
 * one chunk per policy. Cedar uses `;` only to end a policy, so splitting on `;` outside strings and comments is
 * exact. Malformed text is scanned on a best-effort basis; the Cedar parser reports the actual errors.
 */
export function scanPolicyText(text: string): ScannedPolicyText {
  const tokens: PolicyToken[] = [];
  const chunks: PolicyChunk[] = [];
  let chunkStart = -1;
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (ch === '/' && text.charAt(i + 1) === '/') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end + 1;
      continue;
    }
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    if (chunkStart === -1) chunkStart = i;
    if (ch === '"') {
      const start = i;
      let value = '';
      i += 1;
      while (i < text.length && text.charAt(i) !== '"') {
        if (text.charAt(i) === '\\' && i + 1 < text.length) {
          value += text.charAt(i + 1);
          i += 2;
        } else {
          value += text.charAt(i);
          i += 1;
        }
      }
      i += 1;
      tokens.push({ kind: 'string', value, start });
    } else if (IDENTIFIER_START.test(ch)) {
      const start = i;
      while (i < text.length && IDENTIFIER_PART.test(text.charAt(i))) i += 1;
      tokens.push({ kind: 'identifier', value: text.slice(start, i), start });
    } else if (ch === ':' && text.charAt(i + 1) === ':') {
      tokens.push({ kind: 'path', start: i });
      i += 2;
    } else if (ch === ';') {
      tokens.push({ kind: 'terminator', start: i });
      i += 1;
      chunks.push({ text: text.slice(chunkStart, i), start: chunkStart });
      chunkStart = -1;
    } else {
      i += 1;
    }
  }
  if (chunkStart !== -1) chunks.push({ text: text.slice(chunkStart), start: chunkStart });
  return { tokens, chunks };
}
