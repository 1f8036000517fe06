import { describe, it, expect } from 'vitest';
import type { Finding } from '../detector.js';
import { detectCard } from './detect-card.js';
import { detectEmail } from './detect-email.js';
import { detectIban } from './detect-iban.js';
import { detectIp } from './detect-ip.js';
import { detectPhone } from './detect-phone.js';
import { detectSsn } from './detect-ssn.js';

const values = (text: string, fs: Finding[], min = 0.5): string[] =>
  fs.filter((f) => f.confidence >= min).map((f) => text.slice(f.start, f.end));

describe('detectEmail', () => {
  it('finds plain and unicode addresses', () => {
    const t = 'Mail jane.doe+news@acme.io or müller@bücher.de.';
    expect(values(t, detectEmail(t))).toEqual(['jane.doe+news@acme.io', 'müller@bücher.de']);
  });
  it('ignores handles and credentials inside URLs', () => {
    const t = 'ping @devops, see postgres://app:hunter2@db.internal/x';
    expect(detectEmail(t)).toEqual([]);
  });
});

describe('detectPhone', () => {
  it('finds national and international formats', () => {
    const t = 'Call (415) 555-2671, +44 20 7946 0958 or +1-202-555-0143 ext. 42.';
    expect(values(t, detectPhone(t))).toEqual(['(415) 555-2671', '+44 20 7946 0958', '+1-202-555-0143 ext. 42']);
  });
  it('does not flag dates, versions, IPs or short numbers', () => {
    const t = 'Released 2023-01-15 as version 10.4.1.2, build 1.2.3.4, 12/05/2024, room 5551234, 3.14159';
    expect(values(t, detectPhone(t))).toEqual([]);
  });
  it('takes bare digit runs only when valid and not an id', () => {
    const t = 'order #4155552671 and mobile 4155552671';
    expect(values(t, detectPhone(t))).toEqual(['4155552671']);
  });
});

describe('detectCard', () => {
  it('finds Luhn-valid PANs in spaced, dashed and compact form', () => {
    const t = 'cards 4111 1111 1111 1111, 5555-5555-5555-4444 and 378282246310005';
    expect(values(t, detectCard(t))).toEqual(['4111 1111 1111 1111', '5555-5555-5555-4444', '378282246310005']);
  });
  it('reports Luhn failures only below the threshold, and ignores mixed separators', () => {
    const t = 'card 4111 1111 1111 1112 and 4111-1111 1111-1111 and order 1234567812345678';
    expect(values(t, detectCard(t))).toEqual([]);
    expect(detectCard(t).every((f) => f.confidence < 0.5)).toBe(true);
  });
  it('does not take a card out of a longer digit run', () => {
    expect(detectCard('id 41111111111111110000')).toEqual([]);
  });
});

describe('detectIban', () => {
  it('finds compact and grouped IBANs', () => {
    const t = 'IBAN DE89 3704 0044 0532 0130 00, or GB82WEST12345698765432.';
    expect(values(t, detectIban(t))).toEqual(['DE89 3704 0044 0532 0130 00', 'GB82WEST12345698765432']);
  });
  it('rejects a bad checksum', () => {
    expect(detectIban('DE88 3704 0044 0532 0130 00')).toEqual([]);
  });
});

describe('detectSsn', () => {
  it('finds dashed SSNs and undashed ones with context', () => {
    const t = 'SSN 123-45-6789; social security number: 234567890';
    expect(values(t, detectSsn(t))).toEqual(['123-45-6789', '234567890']);
  });
  it('rejects invalid ranges and bare nine-digit numbers', () => {
    const t = '000-12-3456 666-12-3456 912-12-3456 123-00-4567 123-45-0000 and id 234567890';
    expect(detectSsn(t)).toEqual([]);
  });
});

describe('detectIp', () => {
  it('finds IPv4 and IPv6', () => {
    const t = 'from 192.168.1.10 and 2001:db8::ff00:42:8329, also ::ffff:10.0.0.1';
    expect(values(t, detectIp(t)).sort()).toEqual(['192.168.1.10', '2001:db8::ff00:42:8329', '::ffff:10.0.0.1'].sort());
  });
  it('ignores invalid octets, versions, times and MAC addresses', () => {
    const t = '999.1.1.1, version 1.2.3.4, at 12:30:45, MAC 00:1B:44:11:3A:B7, 1.2.3.4.5';
    expect(detectIp(t)).toEqual([]);
  });
});
