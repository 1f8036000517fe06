import { describe, expect, it } from 'vitest';
import { pickArm } from './pick-arm.js';

describe('pickArm', () => {
  it('splits 2,000 request ids 90/10 within two percentage points, and always picks the same arm for an id', () => {
    const counts = [0, 0];
    for (let i = 0; i < 2_000; i++) {
      const id = `req-${i}`;
      const arm = pickArm(id, [90, 10]);
      expect(pickArm(id, [90, 10])).toBe(arm);
      counts[arm] = (counts[arm] ?? 0) + 1;
    }
    const canaryShare = (counts[1] ?? 0) / 2_000;
    expect(canaryShare).toBeGreaterThan(0.08);
    expect(canaryShare).toBeLessThan(0.12);
  });

  it('never picks a 0-weight arm and falls back to the first arm when every weight is 0', () => {
    for (let i = 0; i < 500; i++) expect(pickArm(`id-${i}`, [0, 100, 0])).toBe(1);
    expect(pickArm('any', [0, 0])).toBe(0);
  });
});
