export { createLogger, REDACTED_PATHS, type CreateLoggerOptions } from './create-logger.js';
export type { Logger } from 'pino';
