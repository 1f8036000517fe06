// External label names (Presidio, presidio-research, ai4privacy, SecretBench-like sets) → our classes.
const LABELS: Readonly<Record<string, string>> = {
  EMAIL: 'pii.email',
  EMAIL_ADDRESS: 'pii.email',
  EMAILADDRESS: 'pii.email',
  PHONE: 'pii.phone',
  PHONE_NUMBER: 'pii.phone',
  PHONENUMBER: 'pii.phone',
  TELEPHONENUM: 'pii.phone',
  TEL: 'pii.phone',
  CREDIT_CARD: 'pii.payment_card',
  CREDITCARD: 'pii.payment_card',
  CREDITCARDNUMBER: 'pii.payment_card',
  CREDIT_CARD_NUMBER: 'pii.payment_card',
  CARD_NUMBER: 'pii.payment_card',
  PAN: 'pii.payment_card',
  IBAN: 'pii.iban',
  IBAN_CODE: 'pii.iban',
  SSN: 'pii.ssn',
  US_SSN: 'pii.ssn',
  SOCIALNUM: 'pii.ssn',
  SOCIAL_SECURITY_NUMBER: 'pii.ssn',
  IP: 'pii.ip_address',
  IP_ADDRESS: 'pii.ip_address',
  IPV4: 'pii.ip_address',
  IPV6: 'pii.ip_address',
  IPADDRESS: 'pii.ip_address',
  DOB: 'pii.dob',
  DATE_OF_BIRTH: 'pii.dob',
  DATEOFBIRTH: 'pii.dob',
  BIRTHDATE: 'pii.dob',
  ADDRESS: 'pii.address',
  STREET_ADDRESS: 'pii.address',
  STREET: 'pii.address',
  STREETADDRESS: 'pii.address',
  ZIPCODE: 'pii.address',
  POSTCODE: 'pii.address',
  UK_POSTCODE: 'pii.address',
  PASSPORT: 'pii.passport',
  US_PASSPORT: 'pii.passport',
  PASSPORTNUM: 'pii.passport',
  PASSPORT_NUMBER: 'pii.passport',
  DRIVERLICENSE: 'pii.drivers_license',
  DRIVER_LICENSE: 'pii.drivers_license',
  US_DRIVER_LICENSE: 'pii.drivers_license',
  DRIVERLICENSENUM: 'pii.drivers_license',
  PERSON: 'pii.person',
  PER: 'pii.person',
  NAME: 'pii.person',
  NAME_STUDENT: 'pii.person',
  FIRSTNAME: 'pii.person',
  LASTNAME: 'pii.person',
  MIDDLENAME: 'pii.person',
  GIVENNAME: 'pii.person',
  SURNAME: 'pii.person',
  FULLNAME: 'pii.person',
  PREFIX: 'pii.person',
  USERNAME: 'pii.person',
  LOCATION: 'pii.location',
  LOC: 'pii.location',
  GPE: 'pii.location',
  CITY: 'pii.location',
  STATE: 'pii.location',
  COUNTRY: 'pii.location',
  COUNTY: 'pii.location',
  NRP: 'pii.location',
  ORGANIZATION: 'pii.organization',
  ORGANISATION: 'pii.organization',
  ORG: 'pii.organization',
  COMPANY: 'pii.organization',
  COMPANYNAME: 'pii.organization',
  COMPANY_NAME: 'pii.organization',
  DATE_TIME: 'pii.date_time',
  DATETIME: 'pii.date_time',
  DATE: 'pii.date_time',
  TIME: 'pii.date_time',
  AGE: 'pii.age',
  DOMAIN_NAME: 'pii.domain',
  DOMAIN: 'pii.domain',
  DOMAINNAME: 'pii.domain',
  HOSTNAME: 'pii.domain',
  MRN: 'phi.mrn',
  MEDICAL_RECORD_NUMBER: 'phi.mrn',
  MEDICAL_LICENSE: 'phi.mrn',
  ICD10: 'phi.icd10',
  ICD_10: 'phi.icd10',
  DIAGNOSIS_CODE: 'phi.icd10',
  INSURANCE_ID: 'phi.insurance_id',
  HEALTH_PLAN_ID: 'phi.insurance_id',
  MEMBER_ID: 'phi.insurance_id',
};

/**
 * Our class for an external label (`EMAIL_ADDRESS` → `pii.email`); labels already in our namespace pass through.
 * Returns undefined for labels we do not score (URL, TITLE, …).
 */
export function mapLabel(label: string): string | undefined {
  if (/^(?:pii|phi|secret)\./.test(label)) return label;
  const key = label
    .toUpperCase()
    .replace(/^[BI]-/, '')
    .replace(/[\s-]+/g, '_');
  return LABELS[key] ?? LABELS[key.replace(/_/g, '')];
}

// An address is a location: a predicted address counts for a gold location and the reverse.
const COMPATIBLE: Readonly<Record<string, readonly string[]>> = {
  'pii.location': ['pii.location', 'pii.address'],
  'pii.address': ['pii.address', 'pii.location'],
  // A date of birth is a date: a predicted DOB counts for a gold date and the reverse.
  'pii.date_time': ['pii.date_time', 'pii.dob'],
  'pii.dob': ['pii.dob', 'pii.date_time'],
};

/** True when a predicted class may match a gold class. */
export function compatibleClasses(gold: string, predicted: string): boolean {
  return (COMPATIBLE[gold] ?? [gold]).includes(predicted);
}
