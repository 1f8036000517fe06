import { describe, it, expect } from 'vitest';
import { maskLogValue } from './mask-log-object.js';
import { maskLogFormatter } from './pino-masking.js';
import { maskText } from './mask-text.js';

const token = `sk-proj-${'aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY'}`;

describe('maskText', () => {
  it('masks PII and secrets with class labels', () => {
    expect(maskText(`user jane@acme.io paid with 4111-1111-1111-1111 using ${token}`)).toBe(
      'user [EMAIL] paid with [CARD] using [SECRET]',
    );
  });
  it('returns short and clean strings unchanged', () => {
    expect(maskText('ok')).toBe('ok');
    expect(maskText('request finished in 12 ms')).toBe('request finished in 12 ms');
  });
});

describe('maskLogValue', () => {
  it('masks strings in nested objects and arrays', () => {
    const out = maskLogValue({ msg: 'prompt', body: { messages: [{ content: 'my SSN is 123-45-6789' }] }, n: 3 });
    expect(out).toEqual({ msg: 'prompt', body: { messages: [{ content: 'my SSN is [SSN]' }] }, n: 3 });
  });
  it('truncates past the depth bound and survives cycles', () => {
    const cyc: Record<string, unknown> = { a: 'x' };
    cyc.self = cyc;
    expect(maskLogValue(cyc)).toEqual({ a: 'x', self: '[TRUNCATED]' });
    expect(
      maskLogValue({ a: { b: { c: 'jane@acme.io' } } }, { maxDepth: 2, maxKeys: 10, maxStringLength: 100 }),
    ).toEqual({ a: { b: '[TRUNCATED]' } });
  });
});

describe('maskLogFormatter', () => {
  it('works as pino formatters.log', () => {
    expect(maskLogFormatter({ prompt: `key ${token}` })).toEqual({ prompt: 'key [SECRET]' });
  });
});
