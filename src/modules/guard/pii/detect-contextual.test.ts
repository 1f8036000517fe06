import { describe, it, expect } from 'vitest';
import type { Finding } from '../detector.js';
import { detectAddress } from './detect-address.js';
import { detectDob } from './detect-dob.js';
import { detectIdDocuments } from './detect-id-documents.js';
import { detectPhi } from './detect-phi.js';
import { detectNamesAndLocations } from './detect-names-locations.js';

const found = (text: string, fs: Finding[]): string[] => fs.map((f) => `${f.class}:${text.slice(f.start, f.end)}`);

describe('detectDob', () => {
  it('needs a birth context word', () => {
    const t = 'DOB: 03/14/1985. Born on March 3, 1979. Invoice dated 2024-01-15.';
    expect(found(t, detectDob(t))).toEqual(['pii.dob:03/14/1985', 'pii.dob:March 3, 1979']);
  });
});

describe('detectAddress', () => {
  it('finds US street addresses with city, state and ZIP, and UK postcodes', () => {
    const t = 'Ship to 742 Evergreen Terrace, Apt 4, Springfield, IL 62704 or London SW1A 1AA.';
    expect(found(t, detectAddress(t))).toEqual([
      'pii.address:742 Evergreen Terrace, Apt 4, Springfield, IL 62704',
      'pii.address:SW1A 1AA',
    ]);
  });
  it('does not take numbers in prose for addresses', () => {
    expect(detectAddress('We sold 300 units in the West region last year.')).toEqual([]);
  });
});

describe('detectIdDocuments', () => {
  it('finds passport and licence numbers after context words', () => {
    const t = "Passport number: X1234567. Driver's license D1234-5678-90.";
    expect(found(t, detectIdDocuments(t))).toEqual(['pii.passport:X1234567', 'pii.drivers_license:D1234-5678-90']);
  });
  it('ignores ids without context and context without digits', () => {
    expect(detectIdDocuments('Ticket X1234567; my passport expired')).toEqual([]);
  });
});

describe('detectPhi', () => {
  it('finds MRNs, ICD-10 codes near diagnosis words and member ids', () => {
    const t = 'MRN: 00123456. Diagnosis: E11.9. Member ID: ABC123456789.';
    expect(found(t, detectPhi(t)).sort()).toEqual([
      'phi.icd10:E11.9',
      'phi.insurance_id:ABC123456789',
      'phi.mrn:00123456',
    ]);
  });
  it('ignores code-shaped tokens without medical context', () => {
    expect(detectPhi('Seat E11 on flight A320 at gate B12.')).toEqual([]);
  });
});

describe('detectNamesAndLocations', () => {
  it('finds people and places', () => {
    const t = 'Please forward the documents to Björn Lindqvist at our Stockholm branch.';
    const r = found(t, detectNamesAndLocations(t));
    expect(r).toContain('pii.person:Björn Lindqvist');
    expect(r).toContain('pii.location:Stockholm');
  });
  it('uses introduction cues for names the model does not know', () => {
    const t = 'Candidate: Ezinne Okonkwo';
    expect(found(t, detectNamesAndLocations(t))).toContain('pii.person:Ezinne Okonkwo');
  });
  it('skips lower-case text and does not take an honorific for a name', () => {
    expect(detectNamesAndLocations('nothing to see here')).toEqual([]);
    const t = 'Dear Ms. Adeyemi,';
    expect(found(t, detectNamesAndLocations(t)).some((s) => s.endsWith(':Ms'))).toBe(false);
  });
});
