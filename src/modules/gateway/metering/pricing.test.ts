import { describe, expect, it } from 'vitest';
import { isSpendSpike } from './cost-guard.js';
import { periodBounds, periodStartDate } from './periods.js';
import { costMicros, reservedMicros } from './pricing.js';

const price = { model: 'm', inputMicrosPerMTok: 2_500_000, outputMicrosPerMTok: 10_000_000 };

describe('metering arithmetic', () => {
  it('prices tokens in integer micro-units, rounding up', () => {
    expect(costMicros(price, 1_000_000, 0)).toBe(2_500_000);
    expect(costMicros(price, 0, 1_000_000)).toBe(10_000_000);
    // 1 input token costs 2.5 micro-units: rounded up, never down.
    expect(costMicros(price, 1, 0)).toBe(3);
    expect(costMicros(price, 0, 0)).toBe(0);
  });

  it('keeps exact integers where tokens × price passes 2^53', () => {
    const dear = { model: 'd', inputMicrosPerMTok: 9_000_000_000, outputMicrosPerMTok: 1 };
    // 10^7 × 9×10^9 + 1 = 9×10^16 + 1 > 2^53: in floating point the + 1 vanishes and the cost would round down.
    expect(Math.ceil((10_000_000 * 9_000_000_000 + 1) / 1_000_000)).toBe(90_000_000_000);
    expect(costMicros(dear, 10_000_000, 1)).toBe(90_000_000_001);
  });

  it('reserves every estimated token at the higher price, so a settlement within the estimate never costs more', () => {
    const reserved = reservedMicros(price, 1000);
    expect(reserved).toBe(10_000);
    for (const [input, output] of [
      [1000, 0],
      [0, 1000],
      [400, 600],
      [999, 1],
    ] as const)
      expect(costMicros(price, input, output)).toBeLessThanOrEqual(reserved);
  });

  it('trips only above both the factor × baseline and the floor', () => {
    const rule = { windowSeconds: 300, baselineSeconds: 3600, factor: 10, floorMicros: 1000 };
    expect(isSpendSpike(rule, { windowMicros: 999, baselineMicrosPerWindow: 0 })).toBe(false);
    expect(isSpendSpike(rule, { windowMicros: 1000, baselineMicrosPerWindow: 0 })).toBe(true);
    expect(isSpendSpike(rule, { windowMicros: 5000, baselineMicrosPerWindow: 500 })).toBe(false);
    expect(isSpendSpike(rule, { windowMicros: 5001, baselineMicrosPerWindow: 500 })).toBe(true);
  });

  it('periods are UTC days and calendar months', () => {
    const at = new Date('2026-12-31T23:59:59Z');
    expect(periodStartDate('day', at)).toBe('2026-12-31');
    expect(periodStartDate('month', at)).toBe('2026-12-01');
    expect(periodBounds('month', at).end.toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(periodBounds('day', at).end.toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });
});
