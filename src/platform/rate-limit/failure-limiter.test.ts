import { describe, expect, it } from 'vitest';
import { createFailureLimiter } from './failure-limiter.js';

const rule = { failures: 2, windowSeconds: 60, blockSeconds: 30, maxBlockSeconds: 60 };

describe('failure limiter forgiveness', () => {
  it('forgiving a counted attempt gives it back: one more failure is allowed before the block', async () => {
    const limiter = createFailureLimiter('forgive-test', rule, { kind: 'memory' }, 'test');
    expect(await limiter.recordFailure('k')).toBe(0);
    expect(await limiter.recordFailure('k')).toBe(0);
    await limiter.forgive('k');
    expect(await limiter.recordFailure('k')).toBe(0);
    expect(await limiter.recordFailure('k')).toBe(30_000);
  });

  it('forgiving does not lift a block in force', async () => {
    const limiter = createFailureLimiter('forgive-block-test', rule, { kind: 'memory' }, 'test');
    for (let i = 0; i < 3; i += 1) await limiter.recordFailure('k');
    await limiter.forgive('k');
    expect(await limiter.blockedFor('k')).toBeGreaterThan(29_000);
  });
});
