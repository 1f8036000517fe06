/** Finding classes produced by the PII and PHI detectors. */
export const PII_CLASSES = [
  'pii.email',
  'pii.phone',
  'pii.payment_card',
  'pii.iban',
  'pii.ssn',
  'pii.ip_address',
  'pii.dob',
  'pii.address',
  'pii.passport',
  'pii.drivers_license',
  'pii.person',
  'pii.location',
  'pii.organization',
  'pii.date_time',
  'pii.age',
  'pii.domain',
  'phi.mrn',
  'phi.icd10',
  'phi.insurance_id',
] as const;

/** One PII or PHI finding class. */
export type PiiClass = (typeof PII_CLASSES)[number];

/** Name recorded in `Finding.detector` for the rule-based PII detector. */
export const PII_RULES_DETECTOR = 'pii-rules';
/** Name recorded in `Finding.detector` for the compromise-based name and location detector. */
export const PII_NER_DETECTOR = 'pii-ner';

/**
 * Class of the finding a PII detector reports when it could not scan the text (its worker pool did not answer). Not a
 * data class (not in {@link PII_CLASSES}): the class policy blocks it on both hooks, whatever an org writes.
 */
export const PII_DETECTOR_UNAVAILABLE = 'pii.detector_unavailable';
