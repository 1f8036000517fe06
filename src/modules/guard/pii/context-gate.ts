/** Bits of {@link contextGates}: which context-word families occur in a text. */
export const GATE = {
  passport: 1,
  license: 2,
  mrn: 4,
  insurance: 8,
  diagnosis: 16,
  birth: 32,
} as const;

/** Every family present: what detectors assume when called without a pre-scan. */
export const ALL_GATES = 63;

// One case-insensitive pass over the text (the pre-scan shared by the context-word detectors). Each family lists
// stems that every match of that detector's own context pattern contains, so a missing family proves the detector
// cannot match and its own patterns need not run. Flags and case rules (`i`, no `u`) match the detectors' patterns.
// No stem is a prefix of another, so at most one stem matches at a position; stepping one character past each
// match start finds overlapping stems too.
const STEMS = /(passport)|(licen[cs]e|\bDLN?\b)|(mrn|medical|patient)|(member|insurance|policy|subscriber|medicare|medicaid|health|beneficiary)|(icd|diagnos|dx|condition|code)|(dob|d\.o\.b|birth|born|\bb\.|geb|\bage\b)/gi;

/** Bitmask of {@link GATE} families whose stems occur in `text`. */
export function contextGates(text: string): number {
  let gates = 0;
  STEMS.lastIndex = 0;
  for (let m = STEMS.exec(text); m !== null; m = STEMS.exec(text)) {
    for (let g = 1; g <= 6; g++) if (m[g] !== undefined) gates |= 1 << (g - 1);
    if (gates === ALL_GATES) break;
    STEMS.lastIndex = m.index + 1;
  }
  return gates;
}
