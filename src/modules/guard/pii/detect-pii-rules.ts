import type { CountryCode } from 'libphonenumber-js/max';
import type { Finding } from '../detector.js';
import { detectAddress } from './detect-address.js';
import { detectAge } from './detect-age.js';
import { detectDateTime } from './detect-date-time.js';
import { detectDomain } from './detect-domain.js';
import { detectCard } from './detect-card.js';
import { detectDob } from './detect-dob.js';
import { detectEmail } from './detect-email.js';
import { detectIban } from './detect-iban.js';
import { detectIdDocuments } from './detect-id-documents.js';
import { detectIp } from './detect-ip.js';
import { detectPhi } from './detect-phi.js';
import { detectPhone } from './detect-phone.js';
import { detectSsn } from './detect-ssn.js';
import { findDigitStretches } from './digit-stretches.js';

/** Options of {@link detectPiiRules}. */
export interface PiiRulesOptions {
  /**
   * Also report the context classes (`pii.date_time`, `pii.age`, `pii.domain`): the guard pipeline and the evaluation
   * want them; log masking does not (a timestamp or host name in a log line is not worth hiding), so it is off by
   * default. Dates are found either way, because they keep date-times from being read as phone numbers.
   */
  readonly contextClasses?: boolean;
}

/** Runs every rule-based (regex + checksum) PII and PHI detector; findings may overlap, the pipeline merges them. */
export function detectPiiRules(text: string, region: CountryCode = 'US', options: PiiRulesOptions = {}): Finding[] {
  // Shared pre-scan: one pass finds the digit stretches card, SSN, IPv4 and phone candidates must lie in.
  const stretches = findDigitStretches(text);
  const found = [
    ...detectEmail(text),
    ...detectCard(text, stretches),
    ...detectIban(text),
    ...detectSsn(text, stretches),
    ...detectIp(text, stretches),
  ];
  // Dates and times first: an ISO date-time ("2024-03-15 14:30:00") is never a phone number.
  const dates = detectDateTime(text);
  // A digit run already claimed by a card, SSN, IP or date-time is not also a phone number.
  const claimed = [...found, ...dates].filter((f) => f.confidence >= 0.5);
  for (const p of detectPhone(text, region, stretches)) {
    if (!claimed.some((f) => f.start < p.end && p.start < f.end)) found.push(p);
  }
  found.push(...detectDob(text), ...detectAddress(text), ...detectIdDocuments(text), ...detectPhi(text));
  if (options.contextClasses === true) found.push(...dates, ...detectAge(text), ...detectDomain(text));
  return found;
}
