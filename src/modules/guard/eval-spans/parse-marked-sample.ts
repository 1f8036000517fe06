import type { PiiRow } from './evaluate-pii-spans.js';

const MARK = /\[\[([A-Z_]+)\|([^\]]+)\]\]/g;

/** Reads a hand-marked PII sample: one document per line, `[[TYPE|text]]` marks a gold span, `#` lines are comments. */
export function parseMarkedSample(source: string): PiiRow[] {
  return source
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      let text = '';
      const spans: { start: number; end: number; type: string }[] = [];
      let at = 0;
      for (const m of line.matchAll(MARK)) {
        text += line.slice(at, m.index);
        const value = m[2] ?? '';
        spans.push({ start: text.length, end: text.length + value.length, type: m[1] ?? '' });
        text += value;
        at = m.index + m[0].length;
      }
      return { text: text + line.slice(at), spans };
    });
}
