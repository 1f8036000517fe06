import { detectOrganizationsByShape } from './detect-organizations.js';
import type { Finding } from '../detector.js';
import { PII_NER_DETECTOR } from './classes.js';
import { runsThatMayHoldNames } from './may-hold-names.js';
import { nlpWithOrgLexicon as nlp } from './nlp-with-org-lexicon.js';

interface Span {
  readonly start: number;
  readonly end: number;
}

// compromise's json() is typed `any`; read only the offsets and check their shape.
function offsetsOf(json: unknown): Span[] {
  if (!Array.isArray(json)) return [];
  const out: Span[] = [];
  for (const item of json as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const offset = (item as { offset?: unknown }).offset;
    if (typeof offset !== 'object' || offset === null) continue;
    const { start, length } = offset as { start?: unknown; length?: unknown };
    if (typeof start === 'number' && typeof length === 'number') out.push({ start, end: start + length });
  }
  return out;
}

// compromise includes trailing punctuation and leading honorifics in its spans; gold spans usually do not.
const TRAILING = /[\s.,;:!?'"’”)\]]+$/u;
const LEADING = /^(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Rev)\.?\s+|[\s"'“‘([]+)/u;

function trimmed(text: string, s: Span): Span | undefined {
  const raw = text.slice(s.start, s.end);
  const lead = LEADING.exec(raw)?.[0].length ?? 0;
  const body = raw.slice(lead).replace(TRAILING, '');
  if (body.length < 2 || !/\p{L}/u.test(body)) return undefined;
  return { start: s.start + lead, end: s.start + lead + body.length };
}

// Cues compromise misses: a capitalised name right after an introduction, salutation, label or honorific.
// No `i` flag: it would make \p{Lu} match lower case too, so cue words spell both cases.
const NAME_CUE =
  /\b(?:[Mm]y name is|[Tt]his is|[Nn]ame:|[Dd]ear|[Hh]i|[Hh]ello|[Hh]ey|[Rr]egards,|[Ss]incerely,|[Tt]hanks,|[Cc]ontact:?|[Pp]atient:?|[Cc]andidate:?|[Cc]ustomer:?|[Aa]sk|[Ff]rom:|[Tt]o:|Mr\.?|Mrs\.?|Ms\.?|Miss|Dr\.?|Prof\.?)\s+(?:(?:Mr|Mrs|Ms|Dr|Prof)\.?\s+)?(\p{Lu}[\p{Ll}'’-]+(?:\s+\p{Lu}[\p{Ll}'’-]+){0,2})/gu;
const STOP_AFTER_CUE =
  /^(?:I|The|A|An|This|That|It|We|You|They|There|Here|Team|All|Everyone|Sir|Madam|Customer|User|Support|Thanks|Thank|Please|Good|Just|Not|Sorry|Mr|Mrs|Ms|Dr|Prof|Miss|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)$/;
const TITLE_WORD = /^\p{Lu}[\p{Ll}'’-]+$/u;
// Cues after which a lower-case word is a name.
const LOWER_NAME_CUE = /\b(?:my name is|i am|i'm|this is|call me|regards,|thanks,|cheers,|dear|hi|hello)\s+\p{Ll}/iu;
const LOWER_NAME_BEFORE =
  /(?:\bmy name is|\bi am|\bi'm|\bthis is|\bcall me|\bregards,|\bthanks,|\bcheers,|\bdear|\bhi,?|\bhello,?)\s+$/i;

/** What compromise tagged: organisations, people, places, and proper-noun runs it could not classify. */
interface ModelSpans {
  readonly organizations: Span[];
  readonly people: Span[];
  readonly places: Span[];
  readonly unclassified: Span[];
}

function modelSpans(text: string): ModelSpans {
  // SECURITY: reading only these runs is safe because runsThatMayHoldNames is one-sided (see may-hold-names.ts), and
  // compromise tags each sentence on its own, so a sentence it tags nothing in adds nothing to the spans.
  const runs = LOWER_NAME_CUE.test(text) ? [{ start: 0, end: text.length }] : runsThatMayHoldNames(text);
  const out: ModelSpans = { organizations: [], people: [], places: [], unclassified: [] };
  for (const run of runs) {
    const doc = nlp(text.slice(run.start, run.end));
    const shift = (spans: Span[]): Span[] => spans.map((s) => ({ start: s.start + run.start, end: s.end + run.start }));
    out.organizations.push(...shift(offsetsOf(doc.organizations().json({ offset: true }))));
    out.people.push(...shift(offsetsOf(doc.people().json({ offset: true }))));
    out.places.push(...shift(offsetsOf(doc.places().json({ offset: true }))));
    out.unclassified.push(
      ...shift(offsetsOf(doc.match('#ProperNoun+').not('(#Place|#Organization|#Date|#Person)').json({ offset: true }))),
    );
  }
  return out;
}

function organizations(text: string, spans: readonly Span[]): Finding[] {
  const out: Finding[] = detectOrganizationsByShape(text);
  for (const s of spans) {
    const t = trimmed(text, s);
    if (!t || !/\p{Lu}/u.test(text.slice(t.start, t.end))) continue;
    if (out.some((o) => o.start < t.end && t.start < o.end)) continue;
    out.push({
      class: 'pii.organization',
      ...t,
      confidence: 0.7,
      reason: 'guard.pii.organization_ner',
      detector: PII_NER_DETECTOR,
    });
  }
  return out;
}

/**
 * Finds person names, organisations and locations with compromise (an offline English NLP model), plus introduction cues.
 * Slower than the rule detectors: the pipeline runs it as its own stage.
 */
export function detectNamesAndLocations(text: string): Finding[] {
  // Names and places are capitalised in nearly all real text; lower-case-only text needs a name cue to run the model.
  if (!/\p{Lu}/u.test(text) && !LOWER_NAME_CUE.test(text)) return [];
  const model = modelSpans(text);
  const out: Finding[] = [];
  const orgs = organizations(text, model.organizations);
  out.push(...orgs);
  // INVARIANT: an organisation's name is not also a person ("Morgan Stanley", "Johnson & Johnson").
  const inOrg = (t: Span): boolean => orgs.some((o) => o.start < t.end && t.start < o.end);
  // Names hold no digits and are not followed by a house number: such a proper-noun run is a street, not a person.
  const notName = (t: Span): boolean =>
    inOrg(t) || /\d/.test(text.slice(t.start, t.end)) || /^,?\s?\d{1,5}[a-z]?\b/.test(text.slice(t.end, t.end + 8));
  for (const s of model.people) {
    const t = trimmed(text, s);
    if (!t || notName(t)) continue;
    // A lower-case name counts only right after a cue that says it is one ("my name is john smith", "regards, david").
    const lowerOk = LOWER_NAME_BEFORE.test(text.slice(Math.max(0, t.start - 24), t.start));
    if (/\p{Lu}/u.test(text.slice(t.start, t.end)) || lowerOk) {
      out.push({
        class: 'pii.person',
        ...t,
        confidence: 0.8,
        reason: 'guard.pii.person_ner',
        detector: PII_NER_DETECTOR,
      });
    }
  }
  for (const s of model.places) {
    const t = trimmed(text, s);
    if (t)
      out.push({
        class: 'pii.location',
        ...t,
        confidence: 0.75,
        reason: 'guard.pii.location_ner',
        detector: PII_NER_DETECTOR,
      });
  }
  // Two or more title-case proper nouns compromise could not classify are most often a name it does not know.
  for (const s of model.unclassified) {
    const t = trimmed(text, s);
    if (!t) continue;
    if (notName(t)) continue;
    const words = text.slice(t.start, t.end).split(/\s+/);
    if (words.length < 2 || words.length > 4 || !words.every((w) => TITLE_WORD.test(w))) continue;
    out.push({
      class: 'pii.person',
      ...t,
      confidence: 0.6,
      reason: 'guard.pii.person_proper_noun',
      detector: PII_NER_DETECTOR,
    });
  }
  for (const m of text.matchAll(NAME_CUE)) {
    const name = m[1];
    if (name === undefined) continue;
    const first = name.split(/\s+/)[0] ?? '';
    if (STOP_AFTER_CUE.test(first)) continue;
    const start = m.index + m[0].length - name.length;
    if (notName({ start, end: start + name.length })) continue;
    out.push({
      class: 'pii.person',
      start,
      end: start + name.length,
      confidence: 0.7,
      reason: 'guard.pii.person_cue',
      detector: PII_NER_DETECTOR,
    });
  }
  return out;
}
