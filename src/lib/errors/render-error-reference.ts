import { errorCatalogue } from './catalogue.js';
import type { ErrorSpec } from './error-spec.js';

/** docs/reference/errors.md, generated from the error catalogue. */
export function renderErrorReference(): string {
  const rows = Object.entries(errorCatalogue as Record<string, ErrorSpec>).map(
    ([code, spec]) =>
      `| \`${code}\` | ${spec.status} | ${spec.title} | ${spec.reserved ? '*Reserved: not raised yet.* ' : ''}${spec.description.replace(/\|/g, '\\|')} |`,
  );
  return [
    '# Error reference',
    '',
    '<!-- Generated from src/lib/errors/catalogue by `npm run docs`; a test fails when this file is stale. -->',
    '',
    'Every error Bulwark returns carries one of these stable codes. Codes are never reused; a retired code stays',
    'listed; a code marked *reserved* is defined but not raised by this version. Native endpoints answer RFC 9457 `application/problem+json` (`type` is `urn:bulwark:error:<code>`,',
    'plus `code` and `request_id`); OAuth endpoints answer `error`/`error_description` with `error_code`; the',
    'OpenAI-compatible `/v1/*` endpoints answer `{"error": {"message", "type", "param", "code"}}`.',
    '',
    '| Code | Status | Title | When |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
