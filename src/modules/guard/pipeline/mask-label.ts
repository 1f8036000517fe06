const LABELS: Readonly<Record<string, string>> = {
  'pii.email': 'EMAIL',
  'pii.phone': 'PHONE',
  'pii.payment_card': 'CARD',
  'pii.iban': 'IBAN',
  'pii.ssn': 'SSN',
  'pii.ip_address': 'IP',
  'pii.dob': 'DOB',
  'pii.address': 'ADDRESS',
  'pii.passport': 'PASSPORT',
  'pii.drivers_license': 'DRIVERS_LICENSE',
  'pii.person': 'NAME',
  'pii.location': 'LOCATION',
  'pii.organization': 'ORGANIZATION',
  'pii.date_time': 'DATE_TIME',
  'pii.age': 'AGE',
  'pii.domain': 'DOMAIN',
  'phi.mrn': 'MRN',
  'phi.icd10': 'DIAGNOSIS',
  'phi.insurance_id': 'INSURANCE_ID',
};

/** Irreversible mask for a class: `[EMAIL]`, `[CARD]`, `[SECRET]`, … */
export function maskLabel(cls: string): string {
  if (cls.startsWith('secret.')) return '[SECRET]';
  return `[${LABELS[cls] ?? cls.split('.').pop()?.toUpperCase() ?? 'REDACTED'}]`;
}

/** Token prefix for reversible redaction: `pii.email` → `PII_EMAIL`. */
export function tokenPrefix(cls: string): string {
  return cls.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}
