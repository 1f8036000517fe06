import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../lib/clock.js';
import { CircuitBreaker, CircuitOpenError, type BreakerState } from './circuit-breaker.js';

const fail = () => Promise.reject(new Error('down'));
const ok = () => Promise.resolve('up');

function breaker(clock: ManualClock, changes: BreakerState[] = []) {
  return new CircuitBreaker('tei', { failureThreshold: 3, coolDownMs: 1_000 }, (s) => changes.push(s), clock);
}

describe('circuit breaker', () => {
  it('opens after the consecutive failures and then refuses calls without making them', async () => {
    const clock = new ManualClock();
    const b = breaker(clock);
    for (let i = 0; i < 3; i++) await expect(b.run(fail)).rejects.toThrow('down');
    expect(b.state).toBe('open');
    let called = false;
    await expect(
      b.run(async () => {
        called = true;
        return 'x';
      }),
    ).rejects.toBeInstanceOf(CircuitOpenError);
    expect(called).toBe(false);
  });

  it('counts consecutive failures only: a success in between starts the count again', async () => {
    const b = breaker(new ManualClock());
    await expect(b.run(fail)).rejects.toThrow();
    await expect(b.run(fail)).rejects.toThrow();
    await b.run(ok);
    await expect(b.run(fail)).rejects.toThrow();
    await expect(b.run(fail)).rejects.toThrow();
    expect(b.state).toBe('closed');
  });

  it('lets one probe through after the cool-down and closes when it succeeds', async () => {
    const clock = new ManualClock();
    const changes: BreakerState[] = [];
    const b = breaker(clock, changes);
    for (let i = 0; i < 3; i++) await expect(b.run(fail)).rejects.toThrow();
    clock.advance(999);
    await expect(b.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    clock.advance(1);
    expect(b.state).toBe('half_open');
    let release: (v: string) => void = () => undefined;
    const probe = b.run(() => new Promise<string>((resolve) => (release = resolve)));
    // While the probe is under way, other calls are refused.
    await expect(b.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    release('up');
    await expect(probe).resolves.toBe('up');
    expect(b.state).toBe('closed');
    expect(changes).toEqual(['open', 'half_open', 'closed']);
  });

  it('opens again for a whole cool-down when the probe fails', async () => {
    const clock = new ManualClock();
    const b = breaker(clock);
    for (let i = 0; i < 3; i++) await expect(b.run(fail)).rejects.toThrow();
    clock.advance(1_000);
    await expect(b.run(fail)).rejects.toThrow('down');
    expect(b.state).toBe('open');
    clock.advance(999);
    await expect(b.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('does not count an error the caller says is not the endpoint’s fault', async () => {
    const b = breaker(new ManualClock());
    for (let i = 0; i < 5; i++) await expect(b.run(fail, () => false)).rejects.toThrow('down');
    expect(b.state).toBe('closed');
  });
});
