import { isIP } from 'node:net';
import { AppError } from '../../../lib/errors/index.js';

/** How strict the base URL check is: production requires https except to a loopback host. */
export interface BaseUrlRules {
  requireHttps: boolean;
}

function invalid(field: string, message: string): AppError {
  return new AppError('gateway.provider_config_invalid', {
    publicMessage: `invalid ${field}: ${message}`,
    details: { issues: [{ field, message }] },
  });
}

/** True for `localhost`, 127.0.0.0/8 and ::1 (the model server runs on this machine). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/**
 * Checks and normalises a provider base URL (trailing slashes removed). Refused, naming `field`: anything but http
 * or https; user name or password in the URL (credentials belong in the encrypted credential field, never in a URL
 * that is logged and shown); a query or fragment; plain http when `rules.requireHttps` and the host is not loopback.
 */
export function checkProviderBaseUrl(value: string, rules: BaseUrlRules, field = 'base_url'): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(field, 'not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(field, 'must be http or https');
  // SECURITY: a key in the URL would be stored and displayed in the clear and written to logs with the URL.
  if (url.username !== '' || url.password !== '') throw invalid(field, 'must not contain credentials');
  if (url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#'))
    throw invalid(field, 'must not have a query or fragment');
  if (rules.requireHttps && url.protocol === 'http:' && !isLoopbackHost(url.hostname))
    throw invalid(field, 'must be https in production (plain http is allowed only to a loopback host)');
  const normalised = `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  if (normalised.length > 2048) throw invalid(field, 'at most 2048 characters');
  return normalised;
}
