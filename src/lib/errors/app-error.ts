import { errorCatalogue, type ErrorCode } from './catalogue.js';

/** Options of an AppError beyond its code. */
export interface AppErrorOptions {
  /** Overrides the catalogue title as the client-facing message. Never put secrets or internals here. */
  publicMessage?: string;
  /** The underlying failure; logged, never sent to a client. */
  cause?: unknown;
  /** Structured, client-safe details (field issues, reason codes). */
  details?: Record<string, unknown>;
}

/** The one error type of Bulwark: a stable code, its HTTP status and a client-safe message. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly publicMessage: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    const spec = errorCatalogue[code];
    super(options.publicMessage ?? spec.title, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = spec.status;
    this.publicMessage = options.publicMessage ?? spec.title;
    this.details = options.details;
  }
}

/** True when `error` is an AppError, optionally of one code. */
export function isAppError(error: unknown, code?: ErrorCode): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}
