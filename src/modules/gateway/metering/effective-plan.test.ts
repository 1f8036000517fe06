import { describe, expect, it } from 'vitest';
import { narrowToEntitlements } from './effective-plan.js';
import { DEFAULT_PLAN } from './limits-repo.js';
import { raisedLimits } from './usage-service.js';

describe('narrowToEntitlements', () => {
  const pro = { plan: 'pro' as const, monthlyTokens: 1_000, rpm: 60, tpm: null, features: [] };

  it('takes the stricter limit per field, null being no limit', () => {
    const written = { ...DEFAULT_PLAN, monthlyTokens: 5_000, rpm: 10, tpm: null };
    expect(narrowToEntitlements(written, pro)).toMatchObject({ monthlyTokens: 1_000, rpm: 10, tpm: null });
  });

  it('leaves the written limits alone for an org on no billing plan', () => {
    expect(narrowToEntitlements(DEFAULT_PLAN, null)).toEqual(DEFAULT_PLAN);
  });
});

describe('raisedLimits', () => {
  const cap = (limitMicros: number, subjectId = 'developer') => ({
    subjectKind: 'role' as const,
    subjectId,
    period: 'day' as const,
    limitMicros,
    alertThresholds: [],
  });

  it('names a cap raised or removed, not one lowered or added', () => {
    expect(raisedLimits([cap(100)], [cap(50)])).toEqual([]);
    expect(raisedLimits([cap(100)], [cap(100), cap(10, 'analyst')])).toEqual([]);
    expect(raisedLimits([cap(100)], [cap(101)])).toEqual([cap(100)]);
    expect(raisedLimits([cap(100)], [])).toEqual([cap(100)]);
  });
});
