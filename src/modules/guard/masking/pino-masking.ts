import type { LoggerOptions } from 'pino';
import { maskLogValue } from './mask-log-object.js';
import { maskText } from './mask-text.js';

type LogFormatter = NonNullable<NonNullable<LoggerOptions['formatters']>['log']>;
type LogMethodHook = NonNullable<NonNullable<LoggerOptions['hooks']>['logMethod']>;

/** pino `formatters.log`: masks PII and secrets in every string of the log object. */
export const maskLogFormatter: LogFormatter = (object) => maskLogValue(object) as Record<string, unknown>;

/** pino `hooks.logMethod`: masks the message string and format arguments (the merging object is left to {@link maskLogFormatter}). */
export const maskLogMethod: LogMethodHook = function (args, method) {
  const masked = args.map((a: unknown) => (typeof a === 'string' ? maskText(a) : a));
  return method.apply(this, masked as Parameters<typeof method>);
};
