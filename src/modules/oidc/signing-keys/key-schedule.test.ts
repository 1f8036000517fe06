import { describe, expect, it } from 'vitest';
import { keySchedule, type ScheduledKey } from './key-schedule.js';

const minute = 60_000;
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * minute);
const lifetime = 5 * minute;

describe('signing key schedule', () => {
  const first: ScheduledKey = { kid: 'sgk_a', createdAt: at(0), signsFrom: at(0) };
  // Rotated at minute 60: published then, signing one token lifetime later.
  const second: ScheduledKey = { kid: 'sgk_b', createdAt: at(60), signsFrom: at(65) };

  it('has no signing key and publishes nothing without keys', () => {
    expect(keySchedule([], at(0), lifetime)).toEqual({
      signing: undefined,
      published: [],
      expired: [],
      pending: undefined,
    });
  });

  it('publishes a rotated key before it signs, while the old key still signs', () => {
    const s = keySchedule([first, second], at(61), lifetime);
    expect(s.signing).toBe('sgk_a');
    expect(s.pending).toBe('sgk_b');
    expect(s.published).toEqual(['sgk_a', 'sgk_b']);
  });

  it('switches signing when the new key is due and keeps the old key until its last token expires', () => {
    const s = keySchedule([first, second], at(66), lifetime);
    expect(s.signing).toBe('sgk_b');
    expect(s.published).toEqual(['sgk_b', 'sgk_a']);
    expect(s.expired).toEqual([]);
  });

  it('drops the old key from the JWKS once no token it signed can be valid', () => {
    const s = keySchedule([second, first], at(70), lifetime);
    expect(s.signing).toBe('sgk_b');
    expect(s.published).toEqual(['sgk_b']);
    expect(s.expired).toEqual(['sgk_a']);
  });

  it('lets the earliest key sign on a first start whose key is not yet due', () => {
    const only: ScheduledKey = { kid: 'sgk_c', createdAt: at(0), signsFrom: at(5) };
    expect(keySchedule([only], at(1), lifetime)).toMatchObject({ signing: 'sgk_c', pending: undefined });
  });
});
