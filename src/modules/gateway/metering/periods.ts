/** A budget or quota period: a UTC day or a UTC calendar month. */
export type Period = 'day' | 'month';

/** First instant of the period containing `at` (UTC), and the first instant of the next one. */
export function periodBounds(period: Period, at: Date): { start: Date; end: Date } {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  if (period === 'month') return { start: new Date(Date.UTC(y, m, 1)), end: new Date(Date.UTC(y, m + 1, 1)) };
  const d = at.getUTCDate();
  return { start: new Date(Date.UTC(y, m, d)), end: new Date(Date.UTC(y, m, d + 1)) };
}

/** `YYYY-MM-DD` of the period's first day (the counter's `period_start`). */
export function periodStartDate(period: Period, at: Date): string {
  return periodBounds(period, at).start.toISOString().slice(0, 10);
}
