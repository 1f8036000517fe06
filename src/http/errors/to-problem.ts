import type { FastifyError } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode } from '../../lib/errors/index.js';

/** Fastify's own 4xx errors and the catalogue code each one becomes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'http.payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'http.unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'http.bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'http.bad_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'http.bad_request',
  FST_ERR_VALIDATION: 'http.bad_request',
};

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && 'code' in error && typeof (error as FastifyError).code === 'string';
}

/**
 * Turns anything thrown during a request into an AppError the renderers can show. Validation
 * failures name each field; unknown failures become `internal.error` and keep the cause for the log only.
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = error.validationContext ?? 'body';
    const issues = error.validation.map((v) => ({
      field: [where, ...v.instancePath.split('/').filter(Boolean)].join('.'),
      message: v.message ?? 'invalid',
    }));
    return new AppError('http.bad_request', {
      publicMessage: `invalid ${issues.map((i) => i.field).join(', ')}`,
      details: { issues },
      cause: error,
    });
  }
  if (isFastifyError(error)) {
    const code = FASTIFY_CODES[error.code];
    if (code === 'http.unsupported_media_type')
      return new AppError(code, {
        publicMessage: 'send the body as Content-Type: application/json',
        details: { accepted_content_types: ['application/json'] },
        cause: error,
      });
    if (code)
      return new AppError(code, {
        publicMessage: code === 'http.bad_request' ? `malformed request: ${error.message}` : undefined,
        cause: error,
      });
    if (error.statusCode === 404) return new AppError('http.not_found', { cause: error });
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return new AppError('http.bad_request', { publicMessage: 'malformed request', cause: error });
    }
  }
  if (error instanceof SyntaxError)
    return new AppError('http.bad_request', { publicMessage: 'malformed JSON body', cause: error });
  return new AppError('internal.error', { cause: error });
}
