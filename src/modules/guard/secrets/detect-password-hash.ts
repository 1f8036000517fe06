import type { Finding } from '../detector.js';
import { matchAllOf } from '../pipeline/match-all.js';
import { SECRETS_DETECTOR } from './classes.js';

// Modular crypt format and the other stored-password encodings that end up in SQL dumps, htpasswd and shadow files.
// A hash is not the password, but it can be cracked offline, so scanners (gitleaks, detect-secrets) report it.
const HASH = new RegExp(
  [
    String.raw`\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}`, // bcrypt
    String.raw`\$(?:1|5|6|md5|sha1)\$(?:rounds=\d+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{22,86}`, // md5/sha crypt
    String.raw`\$apr1\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}`, // Apache MD5
    String.raw`\$[PH]\$[./A-Za-z0-9]{31}`, // phpass (WordPress, phpBB, Drupal 7 legacy)
    String.raw`\$S\$[./A-Za-z0-9]{52}`, // Drupal 7
    String.raw`\$y\$[./A-Za-z0-9]+\$[./A-Za-z0-9]{1,86}\$[./A-Za-z0-9]{43}`, // yescrypt
    String.raw`\$(?:argon2(?:id|i|d))\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]{8,}\$[A-Za-z0-9+/]{16,}`, // argon2
    String.raw`\$(?:scrypt|7)\$[./A-Za-z0-9$=,+-]{30,}`, // scrypt
    String.raw`\$pbkdf2-sha(?:1|256|512)\$\d+\$[./A-Za-z0-9+]{8,}\$[./A-Za-z0-9+]{20,}`, // passlib pbkdf2
    String.raw`(?<![A-Za-z0-9_])pbkdf2_sha(?:1|256)\$\d{4,7}\$[A-Za-z0-9]{6,}\$[A-Za-z0-9+/]{40,}={0,2}`, // Django
    String.raw`\{(?:SSHA|SHA|SSHA256|SSHA512|SHA256|SHA512|SMD5|MD5)\}[A-Za-z0-9+/]{20,}={0,2}`, // LDAP / htpasswd SHA
    String.raw`(?<![A-Za-z0-9*])\*[0-9A-F]{40}(?![A-Za-z0-9])`, // MySQL native password
  ].join('|'),
  'g',
);

/** Finds password hashes: bcrypt, md5/sha/yescrypt crypt, Apache apr1, phpass, Drupal, argon2, scrypt, PBKDF2, LDAP `{SSHA}`, MySQL. */
export function detectPasswordHash(text: string): Finding[] {
  if (!text.includes('$') && !text.includes('}') && !text.includes('*')) return [];
  const out: Finding[] = [];
  for (const m of matchAllOf(HASH, text)) {
    out.push({
      class: 'secret.password_hash',
      start: m.index,
      end: m.index + m[0].length,
      confidence: 0.8,
      reason: 'guard.secret.password_hash',
      detector: SECRETS_DETECTOR,
    });
  }
  return out;
}
