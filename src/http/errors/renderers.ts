import { errorCatalogue, type AppError } from '../../lib/errors/index.js';

/** The three error shapes Bulwark speaks. */
export type ErrorFormat = 'problem' | 'oauth' | 'openai';

/** A rendered error: content type and body. */
export interface RenderedError {
  contentType: string;
  body: Record<string, unknown>;
}

/** Members of a problem that Bulwark itself sets (RFC 9457 plus `code` and `request_id`); details never replace them. */
export const PROBLEM_MEMBERS: ReadonlySet<string> = new Set([
  'type',
  'title',
  'status',
  'detail',
  'instance',
  'code',
  'request_id',
]);

/** The details of an error that may appear beside the problem members: any that collide with one are refused. */
export function extensionMembers(details: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details ?? {})) if (!PROBLEM_MEMBERS.has(key)) out[key] = value;
  return out;
}

/** RFC 9457 problem+json with the stable code and the request id. */
export function renderProblem(error: AppError, requestId: string, instance: string): RenderedError {
  return {
    contentType: 'application/problem+json; charset=utf-8',
    body: {
      // INVARIANT: extensions first, the problem members last, so a detail named `status` cannot overwrite the HTTP status.
      ...extensionMembers(error.details),
      type: `urn:bulwark:error:${error.code}`,
      title: errorCatalogue[error.code].title,
      status: error.status,
      code: error.code,
      detail: error.publicMessage,
      instance,
      request_id: requestId,
    },
  };
}

function oauthError(error: AppError): string {
  if (error.code === 'http.bad_request') return 'invalid_request';
  if (error.code === 'authn.required') return 'invalid_client';
  if (error.status === 403) return 'access_denied';
  if (error.status === 503) return 'temporarily_unavailable';
  if (error.status >= 500) return 'server_error';
  return 'invalid_request';
}

/** OAuth 2.0 `error` / `error_description` (RFC 6749 §5.2). */
export function renderOAuth(error: AppError, requestId: string): RenderedError {
  return {
    contentType: 'application/json; charset=utf-8',
    body: {
      error: oauthError(error),
      error_description: error.publicMessage,
      error_code: error.code,
      request_id: requestId,
    },
  };
}

function openAiType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

// Codes OpenAI's clients know by their own name; every other error carries Bulwark's catalogue code.
const OPENAI_CODES: Readonly<Record<string, string>> = { 'gateway.model_not_found': 'model_not_found' };

/** OpenAI's error envelope, so OpenAI SDKs surface the message and code. */
export function renderOpenAi(error: AppError, requestId: string): RenderedError {
  const issues = error.details?.issues;
  const firstField =
    Array.isArray(issues) && typeof issues[0]?.field === 'string'
      ? (issues[0].field as string).replace(/^body\./, '')
      : null;
  return {
    contentType: 'application/json; charset=utf-8',
    body: {
      error: {
        message: error.publicMessage,
        type: openAiType(error.status),
        param: firstField,
        code: OPENAI_CODES[error.code] ?? error.code,
        request_id: requestId,
      },
    },
  };
}

const OPENAI_PATHS =
  /^\/v1\/(chat\/completions|completions|embeddings|models|moderations|responses|retrieval)(\/|$|\?)/;
const OAUTH_PATHS = /^\/(oauth|oidc)(\/|$|\?)/;

/** The error format of a URL, for requests whose route did not say (404s, body errors). */
export function errorFormatForUrl(url: string): ErrorFormat {
  if (OPENAI_PATHS.test(url)) return 'openai';
  if (OAUTH_PATHS.test(url)) return 'oauth';
  return 'problem';
}

/** Renders `error` in `format`. */
export function renderError(format: ErrorFormat, error: AppError, requestId: string, instance: string): RenderedError {
  if (format === 'openai') return renderOpenAi(error, requestId);
  if (format === 'oauth') return renderOAuth(error, requestId);
  return renderProblem(error, requestId, instance);
}
