/** An event type (`billing.payment.succeeded`): 2 to 5 dot-separated lower-case words. */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,4}$/;

/** A subscription filter: an exact event type, or a prefix and `.*` (`billing.*`, `billing.payment.*`). */
export const EVENT_FILTER_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){0,4}(\.\*)?$/;

/** Whether an endpoint subscribed with `filters` receives events of `type`. */
export function matchesEventFilter(filters: readonly string[], type: string): boolean {
  return filters.some((filter) => (filter.endsWith('.*') ? type.startsWith(filter.slice(0, -1)) : filter === type));
}
