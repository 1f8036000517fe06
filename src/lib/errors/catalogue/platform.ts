import { defineErrors } from '../error-spec.js';

/** Codes of the HTTP layer, configuration, database and other platform concerns. */
export const platformErrors = defineErrors({
  'http.bad_request': {
    status: 400,
    title: 'Bad request',
    description:
      'The request is malformed: its body, query or parameters failed validation. `details.issues` names each field.',
  },
  'http.unsupported_media_type': {
    status: 415,
    title: 'Unsupported media type',
    description: 'The request body has a content type the endpoint does not accept.',
  },
  'http.payload_too_large': {
    status: 413,
    title: 'Payload too large',
    description: 'The request body exceeds the configured body limit.',
  },
  'http.not_found': {
    status: 404,
    title: 'Not found',
    description: 'No route or resource exists at this address (or the caller may not know that it exists).',
  },
  'http.method_not_allowed': {
    status: 405,
    reserved: true,
    title: 'Method not allowed',
    description: 'The route exists but does not accept this HTTP method.',
  },
  'http.precondition_failed': {
    status: 412,
    title: 'Precondition failed',
    description: 'The `If-Match` ETag does not match the current version of the resource.',
  },
  'http.precondition_required': {
    status: 428,
    title: 'Precondition required',
    description: 'The update must carry `If-Match` with the current ETag (optimistic concurrency).',
  },
  'http.idempotency_conflict': {
    status: 409,
    title: 'Idempotency key reused',
    description:
      'The `Idempotency-Key` was already used with a different request body, or its first request is still in progress.',
  },
  'http.unavailable': {
    status: 503,
    reserved: true,
    title: 'Service unavailable',
    description: 'The server is starting, shutting down, or a dependency it needs is unreachable.',
  },
  'internal.error': {
    status: 500,
    title: 'Internal error',
    description: 'An unexpected failure. The cause is logged with the request id and never returned to the client.',
  },
  'config.invalid': {
    status: 500,
    title: 'Invalid configuration',
    description:
      'Startup configuration failed validation; every bad field is listed and the process exits with code 2.',
  },
  'config.dev_shortcut_in_production': {
    status: 500,
    title: 'Development shortcut in production',
    description:
      'Production refuses development shortcuts (local key file, HTTP issuer, default secrets); the offending settings are named.',
  },
  'db.environment_mismatch': {
    status: 500,
    title: 'Database belongs to another environment',
    description:
      'The database was created by a server of another environment (development vs production) and is refused.',
  },
  'db.migration_checksum_mismatch': {
    status: 500,
    title: 'Applied migration was changed',
    description: 'A migration file differs from the one already applied; the server refuses to start.',
  },
  'db.migrations_pending': {
    status: 503,
    title: 'Migrations pending',
    description: 'The database schema is behind the code; run `bulwark migrate`.',
  },
  'db.serving_role_unsafe': {
    status: 500,
    title: 'Serving database login is privileged',
    description:
      'Production refuses a serving connection (DATABASE_URL) whose login is a superuser, has BYPASSRLS, or owns (or may act as the owner of) a table: row-level security would not bind it. Connect as a login that is only a member of `bulwark_app`; migrations use BULWARK_MIGRATION_DATABASE_URL.',
  },
  'db.data_dir_in_use': {
    status: 500,
    title: 'Data folder in use',
    description:
      'Another process holds the embedded database folder (its pid is named); two processes on one PGlite folder would corrupt it.',
  },
  'db.tenant_required': {
    status: 500,
    title: 'Tenant context required',
    description: 'A tenant-scoped operation ran without an org id; it fails closed.',
  },
  'db.tenant_context_key_mismatch': {
    status: 500,
    title: 'Tenant context key mismatch',
    description:
      'The database checks signed tenant contexts with a key this node cannot derive from its key vault (another vault, or a key not installed). The node refuses to start rather than serve empty tenants; run `bulwark migrate` with the vault the database belongs to.',
  },
  'db.conflict': {
    status: 409,
    title: 'Conflict',
    description: 'The write conflicts with an existing row (unique key) or a concurrent change.',
  },
});
