import { crc32 } from 'node:zlib';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Checksum of a Bulwark API key: CRC32 of `bwk_<env>_<id>_<secret>` in base62 (0-9A-Za-z), left-padded with '0' to 6 characters.
 * Shared by key issuance and the secret scanner.
 */
export function bulwarkKeyChecksum(prefixAndSecret: string): string {
  let n = crc32(prefixAndSecret);
  let out = '';
  do {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  } while (n > 0);
  return out.padStart(6, '0');
}
