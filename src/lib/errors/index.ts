export { AppError, isAppError, type AppErrorOptions } from './app-error.js';
export { errorCatalogue, isErrorCode, type ErrorCode } from './catalogue.js';
export type { ErrorSpec } from './error-spec.js';
export { renderErrorReference } from './render-error-reference.js';
