import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret } from './secret.js';

describe('Secret', () => {
  it('never prints its value', () => {
    const secret = new Secret('hunter2');
    expect(String(secret)).toBe('[redacted]');
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}');
    expect(inspect({ secret })).not.toContain('hunter2');
    expect(secret.reveal()).toBe('hunter2');
  });
});
