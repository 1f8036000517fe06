import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { AppError } from '../../lib/errors/index.js';

/** Whether endpoints may point at non-public addresses (tests and local development only). */
export interface WebhookTargetRules {
  allowPrivateTargets: boolean;
}

function invalid(message: string): AppError {
  return new AppError('webhooks.endpoint_url_invalid', {
    publicMessage: `invalid url: ${message}`,
    details: { issues: [{ field: 'url', message }] },
  });
}

/** True for a unicast address on the public internet (not loopback, private, link-local, CGNAT, multicast, …). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  // SECURITY: ::ffff:10.0.0.1 is 10.0.0.1; judged as the IPv4 address it maps to.
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range() === 'unicast';
}

/**
 * Checks an endpoint URL: absolute https (http only when private targets are allowed), no credentials, no fragment,
 * at most 2048 characters, and a host that is not a non-public IP literal or `localhost`. A host name is resolved
 * only when a delivery connects (see `publicOnlyLookup`), so a name that later resolves to a private address is
 * still refused.
 */
export function checkWebhookUrl(value: string, rules: WebhookTargetRules): string {
  if (value.length > 2048) throw invalid('at most 2048 characters');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('not an absolute URL');
  }
  if (url.protocol !== 'https:' && !(rules.allowPrivateTargets && url.protocol === 'http:'))
    throw invalid(rules.allowPrivateTargets ? 'must be http or https' : 'must be https');
  // SECURITY: credentials in a URL are shown in the endpoint list and written to logs with it.
  if (url.username !== '' || url.password !== '') throw invalid('must not contain credentials');
  if (url.hash !== '' || value.includes('#')) throw invalid('must not have a fragment');
  if (!rules.allowPrivateTargets) {
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal') || host.endsWith('.local'))
      throw invalid('must not point at a local or internal host');
    if (isIP(host) !== 0 && !isPublicAddress(host)) throw invalid('must not point at a non-public address');
  }
  return url.toString();
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `dns.lookup` for the outbound connection that answers only public addresses. SECURITY: the address checked is
 * the address connected to, so a host that resolves to a private address (or rebinds to one after the URL was
 * checked) is never reached.
 */
export function publicOnlyLookup(
  hostname: string,
  options: { all?: boolean; family?: number | string },
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { ...options, all: true } as { all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const refused = addresses.find((a) => !isPublicAddress(a.address));
    if (refused || addresses.length === 0) {
      const denied = new AppError('webhooks.target_refused', {
        publicMessage: `${hostname} resolves to a non-public address`,
      }) as AppError & NodeJS.ErrnoException;
      return callback(denied, []);
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0] as LookupAddress;
    return callback(null, first.address, first.family);
  });
}

/** Refuses a delivery to an IP literal that is not public (lookups are not made for IP literals). */
export function assertPublicLiteral(url: URL): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 && !isPublicAddress(host))
    throw new AppError('webhooks.target_refused', { publicMessage: `${host} is not a public address` });
}
