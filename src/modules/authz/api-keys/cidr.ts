import ipaddr from 'ipaddr.js';

/** True when `cidr` is a valid IPv4 or IPv6 CIDR block. */
export function isValidCidr(cidr: string): boolean {
  try {
    ipaddr.parseCIDR(cidr);
    return true;
  } catch {
    return false;
  }
}

/** True when `ip` lies in one of `cidrs`. IPv4-mapped IPv6 addresses match IPv4 blocks. */
export function ipAllowed(ip: string, cidrs: readonly string[]): boolean {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.process(ip);
  } catch {
    return false;
  }
  return cidrs.some((cidr) => {
    const range = ipaddr.parseCIDR(cidr);
    return address.kind() === range[0].kind() && address.match(range);
  });
}
