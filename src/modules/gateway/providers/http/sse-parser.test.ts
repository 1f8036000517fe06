import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseLimitError, SseParser, type SseEvent } from './sse-parser.js';

function parseAll(pieces: string[]): SseEvent[] {
  const parser = new SseParser();
  return pieces.flatMap((p) => parser.push(p));
}

describe('SseParser', () => {
  it('parses named events, multi-line data, comments and ids', () => {
    const text =
      ': keep-alive\nevent: message_start\ndata: {"a":1}\n\ndata: line1\ndata: line2\nid: 7\n\ndata:no-space\n\n';
    expect(parseAll([text])).toEqual([
      { event: 'message_start', data: '{"a":1}' },
      { event: 'message', data: 'line1\nline2', id: '7' },
      { event: 'message', data: 'no-space', id: '7' }, // the last event id persists, as the spec says
    ]);
  });

  it('accepts CRLF, CR and LF line ends, a BOM, and drops an event not ended by a blank line', () => {
    expect(parseAll(['\ufeffdata: a\r\n\r\ndata: b\r\rdata: c\n\ndata: unterminated'])).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: 'b' },
      { event: 'message', data: 'c' },
    ]);
  });

  it('an event name without data dispatches nothing and does not leak into the next event', () => {
    expect(parseAll(['event: ping\n\ndata: x\n\n'])).toEqual([{ event: 'message', data: 'x' }]);
  });

  it('gives the same events however the body is split (CRLF split between pieces included)', () => {
    const body = 'event: a\r\ndata: {"t":"hé"}\r\n\r\n: c\ndata: 1\ndata: 2\n\nevent: b\rdata: z\r\r';
    const whole = parseAll([body]);
    expect(whole).toHaveLength(3);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: body.length }), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((x, y) => x - y);
        const pieces: string[] = [];
        let at = 0;
        for (const p of points) {
          pieces.push(body.slice(at, p));
          at = p;
        }
        pieces.push(body.slice(at));
        expect(parseAll(pieces)).toEqual(whole);
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('fails on a line or event beyond its limits instead of growing without bound', () => {
    const parser = new SseParser({ maxLineChars: 10, maxEventChars: 15 });
    expect(() => parser.push('data: 0123456789')).toThrow(SseLimitError);
    const events = new SseParser({ maxLineChars: 100, maxEventChars: 15 });
    expect(() => events.push('data: 12345678\ndata: 12345678\n')).toThrow(SseLimitError);
  });
});
