import type { MeterSubject, UsageMeter, UsageReservation } from './ports.js';

/**
 * TEMPORARY: a UsageMeter that enforces nothing (no quota, rate limit or budget) and records nothing. It exists so
 * the gateway pipeline has its meter step wired before the real meter (gateway/metering/) lands; main.ts replaces
 * it then. Every reservation succeeds.
 */
export class UnmeteredUsageMeter implements UsageMeter {
  async reserve(subject: MeterSubject, requestId: string, estimatedTokens: number): Promise<UsageReservation> {
    return { requestId, subject, reservedTokens: estimatedTokens };
  }

  async settle(_reservation: UsageReservation, _usage: { inputTokens: number; outputTokens: number }): Promise<void> {}

  async release(_reservation: UsageReservation): Promise<void> {}
}
