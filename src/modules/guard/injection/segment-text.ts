/** A piece of a prompt scored on its own: the text and where it came from. */
export interface Segment {
  readonly kind: 'whole' | 'paragraph' | 'sentence' | 'embedded' | 'around';
  readonly text: string;
  /** Span in the scanned text (for `around`, the span of the embedded block it surrounds). */
  readonly start: number;
  readonly end: number;
}

/** Most segments scored per text; a long prompt keeps its whole text, paragraphs and the first sentences. */
export const maxSegments = 128;
const minSentenceChars = 24;
const maxSegmentChars = 2_000;

// Where data the user pastes or a tool returns starts: fenced blocks, "here is the e-mail:", tool-result wrappers,
// e-mail headers, JSON string values of content-like keys.
const embeddedBlock =
  /```[^]*?(?:```|$)|<(document|doc|email|context|search_results?|tool_output|tool_result|result|article|page|retrieved_document)\b[^>]*>[^]*?(?:<\/\1>|$)|\[(?:retrieved_document|document|tool_output|search_result)[^\]]{0,40}\][^]*$/gi;
const introducedBlock =
  /(?:^|\n)[^\n]{0,200}?\b(?:here (?:is|are)|below is|following|the (?:text|document|email|e-mail|article|passage|page|message|result|output) (?:is|reads)|i (?:uploaded|pasted|received|got)|(?:this|the) (?:document|email|e-mail|article|passage|text|page|message)|(?:document|email|e-mail|article|passage|context|text|page|content|result|output|message|snippet|body)\s*:)[^\n]{0,120}?(?::\s|\?\s|\n)/gi;
const jsonContent =
  /"(?:content|text|snippet|body|result|output|description|summary|page_content)"\s*:\s*"((?:[^"\\]|\\.){40,})"/g;

function pushSentences(text: string, offset: number, out: Segment[]): void {
  const sentences: { start: number; end: number }[] = [];
  let start = 0;
  // Sentence ends: terminal punctuation followed by space, or a line break.
  for (const match of text.matchAll(/[.!?]+["')\]]*\s+|\n+/g)) {
    const end = match.index + match[0].length;
    if (end - start >= minSentenceChars || match[0].includes('\n')) {
      if (text.slice(start, end).trim() !== '') sentences.push({ start, end });
      start = end;
    }
  }
  if (start < text.length && text.slice(start).trim() !== '') sentences.push({ start, end: text.length });
  if (sentences.length <= 1) return;
  for (const s of sentences)
    out.push({ kind: 'sentence', text: text.slice(s.start, s.end), start: offset + s.start, end: offset + s.end });
}

/**
 * Cuts a text into the segments the injection model scores: the whole text, embedded documents (fenced blocks,
 * tagged tool output, "here is the e-mail:" blocks, JSON content strings) and the text around them, paragraphs,
 * and sentences. An instruction hidden in one sentence of a long document dominates its
 * own segment even when the whole text reads as benign.
 */
export function segmentText(text: string): Segment[] {
  const whole: Segment = { kind: 'whole', text: text.slice(0, maxSegmentChars * 2), start: 0, end: text.length };
  const segments: Segment[] = [whole];
  const embedded: Segment[] = [];
  for (const match of text.matchAll(embeddedBlock))
    embedded.push({ kind: 'embedded', text: match[0], start: match.index, end: match.index + match[0].length });
  for (const match of text.matchAll(introducedBlock)) {
    const start = match.index + match[0].length;
    if (text.length - start >= 40)
      embedded.push({ kind: 'embedded', text: text.slice(start), start, end: text.length });
  }
  for (const match of text.matchAll(jsonContent)) {
    const inner = match[1] ?? '';
    const start = match.index + match[0].length - inner.length - 1;
    embedded.push({
      kind: 'embedded',
      text: inner.replace(/\\n/g, '\n').replace(/\\"/g, '"'),
      start,
      end: start + inner.length,
    });
  }
  for (const block of embedded.slice(0, 4)) {
    segments.push({ ...block, text: block.text.slice(0, maxSegmentChars) });
    // The user's own words around the pasted data (the question about it) are scored apart from the data.
    const around = `${text.slice(0, block.start)} ${text.slice(block.end)}`.trim();
    if (around.length >= minSentenceChars)
      segments.push({ kind: 'around', text: around.slice(0, maxSegmentChars), start: block.start, end: block.end });
  }
  let offset = 0;
  const paragraphs = text.split(/(\n[ \t]*\n)/);
  const blocks: { text: string; start: number }[] = [];
  for (const part of paragraphs) {
    if (part.trim() !== '' && !/^\n[ \t]*\n$/.test(part)) blocks.push({ text: part, start: offset });
    offset += part.length;
  }
  if (blocks.length > 1)
    for (const block of blocks)
      segments.push({
        kind: 'paragraph',
        text: block.text.slice(0, maxSegmentChars),
        start: block.start,
        end: block.start + block.text.length,
      });
  const sentences: Segment[] = [];
  for (const block of blocks) pushSentences(block.text.slice(0, maxSegmentChars * 4), block.start, sentences);
  for (const sentence of sentences) {
    if (segments.length >= maxSegments) break;
    segments.push({ ...sentence, text: sentence.text.slice(0, maxSegmentChars) });
  }
  return segments.slice(0, maxSegments);
}
