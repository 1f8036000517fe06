import { AppError } from '../../lib/errors/index.js';

/** PostgreSQL SQLSTATE codes Bulwark maps to client-facing errors. */
const UNIQUE_VIOLATION = '23505';
const SERIALIZATION_FAILURE = '40001';

function sqlState(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string')
    return error.code;
  return undefined;
}

/** Maps a driver error to an AppError where the client can act on it; anything else passes through unchanged. */
export function translateDbError(error: unknown): unknown {
  const state = sqlState(error);
  if (state === UNIQUE_VIOLATION || state === SERIALIZATION_FAILURE)
    return new AppError('db.conflict', { cause: error });
  return error;
}

/** The SQLSTATE of a database error, also when wrapped in an AppError's cause. */
export function databaseErrorCode(error: unknown): string | undefined {
  return sqlState(error) ?? (error instanceof Error ? sqlState(error.cause) : undefined);
}
