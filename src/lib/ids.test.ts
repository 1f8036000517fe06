import { describe, expect, it } from 'vitest';
import { isId, newId } from './ids.js';

describe('ids', () => {
  it('are prefixed, well-formed and unique', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId('org')));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(isId('org', id)).toBe(true);
  });

  it('sort by creation time', () => {
    const early = newId('usr', 1_700_000_000_000);
    const late = newId('usr', 1_700_000_000_001);
    expect(early < late).toBe(true);
  });

  it('reject other prefixes and malformed bodies', () => {
    expect(isId('usr', newId('org'))).toBe(false);
    expect(isId('org', 'org_')).toBe(false);
    expect(isId('org', 'org_0000000000IIIIIIIIIIIIIIII')).toBe(false);
    expect(isId('org', 42)).toBe(false);
  });
});
