import type { CountryCode } from 'libphonenumber-js/max';
import type { Finding } from '../detector.js';
import { detectAddress } from './detect-address.js';
import { detectCard } from './detect-card.js';
import { detectDob } from './detect-dob.js';
import { detectEmail } from './detect-email.js';
import { detectIban } from './detect-iban.js';
import { detectIdDocuments } from './detect-id-documents.js';
import { detectIp } from './detect-ip.js';
import { detectPhi } from './detect-phi.js';
import { detectPhone } from './detect-phone.js';
import { detectSsn } from './detect-ssn.js';

/** Runs every rule-based (regex + checksum) PII and PHI detector; findings may overlap, the pipeline merges them. */
export function detectPiiRules(text: string, region: CountryCode = 'US'): Finding[] {
  const found = [
    ...detectEmail(text),
    ...detectCard(text),
    ...detectIban(text),
    ...detectSsn(text),
    ...detectIp(text),
  ];
  // A digit run already claimed by a card, SSN or IP is not also a phone number.
  const claimed = found.filter((f) => f.confidence >= 0.5);
  for (const p of detectPhone(text, region)) {
    if (!claimed.some((f) => f.start < p.end && p.start < f.end)) found.push(p);
  }
  found.push(...detectDob(text), ...detectAddress(text), ...detectIdDocuments(text), ...detectPhi(text));
  return found;
}
