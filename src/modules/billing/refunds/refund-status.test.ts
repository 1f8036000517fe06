import { describe, expect, it } from 'vitest';
import { refundAdvances } from './refund-status.js';

describe('refundAdvances', () => {
  it('moves a refund forward only: a late pending or succeeded event never undoes a final state', () => {
    expect(refundAdvances('pending', 'succeeded')).toBe(true);
    expect(refundAdvances('pending', 'failed')).toBe(true);
    expect(refundAdvances('succeeded', 'failed')).toBe(true);
    expect(refundAdvances('succeeded', 'pending')).toBe(false);
    expect(refundAdvances('succeeded', 'succeeded')).toBe(false);
    expect(refundAdvances('failed', 'succeeded')).toBe(false);
    expect(refundAdvances('canceled', 'pending')).toBe(false);
  });
});
