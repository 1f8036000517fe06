import { mostSpecificMatch } from './class-pattern.js';

/** Sensitivity levels, least to most sensitive. */
export const SENSITIVITY_LEVELS = ['public', 'internal', 'confidential', 'restricted'] as const;

/** How sensitive a class of data is; policies can act on the level instead of listing classes. */
export type Sensitivity = (typeof SENSITIVITY_LEVELS)[number];

// SECURITY: card numbers (PCI), government ids, health data and every secret are restricted.
const LEVELS: Readonly<Record<string, Sensitivity>> = {
  'secret.*': 'restricted',
  'pii.payment_card': 'restricted',
  'pii.ssn': 'restricted',
  'pii.passport': 'restricted',
  'pii.drivers_license': 'restricted',
  'phi.*': 'restricted',
  'pii.*': 'confidential',
  'pii.ip_address': 'internal',
  'pii.location': 'internal',
  'pii.organization': 'internal',
  'pii.date_time': 'internal',
  'pii.age': 'internal',
  'pii.domain': 'internal',
  '*': 'internal',
};

const LEVEL_KEYS = Object.keys(LEVELS);
const levelOf = new Map<string, Sensitivity>();

/** Sensitivity level of a finding class (most specific entry of the table wins). */
export function sensitivityOf(cls: string): Sensitivity {
  const hit = levelOf.get(cls);
  if (hit !== undefined) return hit;
  const key = mostSpecificMatch(cls, LEVEL_KEYS);
  const level = (key === undefined ? undefined : LEVELS[key]) ?? 'internal';
  // Classes come from a fixed set of detectors, so the memo stays small; capped anyway.
  if (levelOf.size < 4_096) levelOf.set(cls, level);
  return level;
}

/** Numeric rank of a level, 0 (public) to 3 (restricted). */
export function sensitivityRank(level: Sensitivity): number {
  return SENSITIVITY_LEVELS.indexOf(level);
}
