import { AppError } from '../../../lib/errors/index.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Refuses a redirect URI that would let an authorization code leak: it must be an absolute https URL (plain http
 * only to a loopback host, RFC 8252 §7.3), with no fragment, no user info and no wildcard. The provider compares
 * redirect URIs exactly, so what is stored is what a request must name byte for byte.
 */
export function checkRedirectUri(value: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(field, 'is not an absolute URL');
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw invalid(field, 'must use https (http only to a loopback address)');
  if (value.includes('#')) throw invalid(field, 'must not carry a fragment');
  if (url.username || url.password) throw invalid(field, 'must not carry user info');
  if (value.includes('*')) throw invalid(field, 'must not contain a wildcard');
  return value;
}

function invalid(field: string, why: string): AppError {
  return new AppError('oidc.redirect_uri_invalid', {
    publicMessage: `${field} ${why}`,
    details: { field },
  });
}
