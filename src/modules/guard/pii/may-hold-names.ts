import { nlpWithOrgLexicon as nlp } from './nlp-with-org-lexicon.js';

// The pre-filter that lets detectNamesAndLocations skip compromise on text in which compromise could not tag a person,
// place, organisation or address. It reads compromise's own model (lexicon, suffix and regex guesses, neighbour and
// phrase rules) once at module load, so it follows the model it stands in for rather than a word list of ours.
//
// SECURITY: a skipped text that compromise would have found a name in is a PII leak. The rule is one-sided: whatever
// this module cannot prove harmless counts as a candidate, and any model shape it does not recognise turns the
// filter off (every text goes to the model). bench/guard-ner.ts checks on the corpora that no finding is lost.

// The compromise release whose taggers (compromise/src/2-two/preTagger) the reasoning below was checked against.
const CHECKED_MAJOR = '14.';
// Tags the detector reports (people, places, organisations, addresses) and the proper-noun tags its rules build on.
const NAME_TAG_ROOTS = new Set(['Person', 'Place', 'Organization', 'Address', 'ProperNoun']);
// Tags compromise gives only to words this filter already counts as candidates: upper-case acronyms and roman
// numerals. (A lower-case dotted acronym, "e.g.", feeds only `the [#Acronym]`, an organisation span without a capital
// letter, which the detector drops.)
const CANDIDATE_ONLY_TAGS = new Set(['Acronym', 'RomanNumeral']);
// compromise 14's place-word tagger (3rd-pass/04-placeWords.js) walks back over these words to a capitalised one.
const PLACE_CONTINUATIONS = new Set(
  'athletic city community eastern federal financial great historic historical local memorial municipal national northern provincial southern state western spring pine sunset view oak maple spruce cedar willow'.split(
    ' ',
  ),
);
// Whitespace-separated chunks compromise folds into the next word (1-one/tokenize/methods/02-terms): they do not
// move the sentence's first word off index 0, where compromise does not read a capital as a proper noun.
const FOLDED_CHUNK = /^(?:[.?!:;\-–—()[\]"'`«»*•]|--|\.\.\.|[!?.]+)$/u;
const FIRST_CHUNK_PREFIX = /^["'“‘`«([*_]*$/u;
// A capitalised first word that reads as an ordinary word: "Summarize", "Don't", "A".
const SENTENCE_START_WORD = /^(?:\p{Lu}\p{Ll}+(?:['’]\p{Ll}+)*|A)$/u;
const PRONOUN_I = /^I(?:['’](?:m|d|ll|ve))?$/;
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu;
const NON_ASCII = /[^\p{ASCII}]/u;

interface NameVocabulary {
  /** Single words a lexicon (or a Person/Place ambiguity) tags with a name tag. */
  readonly nameWords: ReadonlySet<string>;
  /** Words tagged without a suffix guess (lexicon entries). */
  readonly knownWords: ReadonlySet<string>;
  /** First word of a multi-word name entry -> the entries, words joined by one space. */
  readonly namePhrases: ReadonlyMap<string, readonly string[]>;
  /** `suffixPatterns[n]`: ending of n letters -> whether compromise's guess for it is a name tag. */
  readonly suffixes: readonly ReadonlyMap<string, boolean>[];
  /** Endings (by last letter) and whole-word regexes that guess a name tag. */
  readonly endsWith: readonly RegExp[];
  readonly nameRegexes: readonly RegExp[];
  /**
   * compromise rules that make a name out of ordinary words ("salt & pepper", "12 long road"), each as the word
   * groups it needs: it can fire only in a sentence holding a word of every group.
   */
  readonly triggers: readonly TriggerRule[];
  /** Every word and symbol of the rules above: a sentence with none of them needs no rule checked. */
  readonly triggerWords: ReadonlySet<string>;
  readonly triggerSymbols: readonly string[];
  /** Organisation and place words ("university", "river") that turn a capitalised word before them into a name. */
  readonly nameAfterCapital: ReadonlySet<string>;
}

/** One word group of a rule: it is present when one of its words, or one of its symbols ("&"), is. */
interface TriggerGroup {
  readonly words: readonly string[];
  readonly symbols: readonly string[];
}
type TriggerRule = readonly TriggerGroup[];
const triggerGroup = (words: readonly string[]): TriggerGroup => ({
  words: words.filter((w) => /^[\p{L}\p{N}]+$/u.test(w)),
  symbols: words.filter((w) => !/^[\p{L}\p{N}]+$/u.test(w)),
});
type Json = Record<string, unknown>;
const isJson = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const tagsOf = (v: unknown): string[] =>
  typeof v === 'string'
    ? v.split('|')
    : Array.isArray(v)
      ? v.flatMap((t) => (typeof t === 'string' ? t.split('|') : []))
      : [];
const phraseOf = (key: string): string[] =>
  key
    .toLowerCase()
    .split(/[^\p{L}\p{N}']+/u)
    .filter(Boolean);

type TermKind =
  { readonly kind: 'candidate' } | { readonly kind: 'words'; readonly words: string[] } | { readonly kind: 'other' };

/** One term of a compromise match pattern: does it need a candidate word, name literal words, or neither? */
function termKind(atom: string, needsCandidate: (tag: string) => boolean): TermKind {
  if (atom.startsWith('(') && atom.endsWith(')')) {
    const inner = atom.slice(1, -1);
    if (inner.includes('&&')) {
      const parts = inner.split('&&').map((p) => termKind(p.trim(), needsCandidate));
      return parts.find((p) => p.kind === 'candidate') ?? parts.find((p) => p.kind === 'words') ?? { kind: 'other' };
    }
    const alternatives = inner.split('|').map((p) => termKind(p, needsCandidate));
    if (alternatives.every((p) => p.kind === 'candidate')) return { kind: 'candidate' };
    if (alternatives.every((p) => p.kind === 'words'))
      return { kind: 'words', words: alternatives.flatMap((p) => (p.kind === 'words' ? p.words : [])) };
    return { kind: 'other' };
  }
  if (atom.startsWith('#')) return needsCandidate(atom.slice(1)) ? { kind: 'candidate' } : { kind: 'other' };
  // `%Person|Noun%`: a word of compromise's ambiguity lists; those with a Person or Place reading are name words.
  if (atom.startsWith('%'))
    return tagsOf(atom.slice(1, -1)).some(needsCandidate) ? { kind: 'candidate' } : { kind: 'other' };
  if (/^[\p{Ll}\p{N}&'.]+$/u.test(atom)) return { kind: 'words', words: [atom] };
  return { kind: 'other' };
}

/** Splits a match pattern at spaces outside parentheses: "(a && !b) c" -> ["(a && !b)", "c"]. */
function patternTerms(match: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let term = '';
  for (const ch of match) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (/\s/.test(ch) && depth === 0) {
      if (term !== '') terms.push(term);
      term = '';
    } else term += ch;
  }
  if (term !== '') terms.push(term);
  return terms;
}

/**
 * The literal word groups a name-making match pattern needs (it matches only where each group has a word present), []
 * when it needs a candidate word anyway, undefined when it needs neither.
 */
function triggersOf(match: string, needsCandidate: (tag: string) => boolean): string[][] | undefined {
  const required: TermKind[] = [];
  for (const raw of patternTerms(match)) {
    let atom = raw.replace(/^[[^]+/, '').replace(/[\]$]+$/, '');
    const optional = /(?:\?|\*|\{0,\d*\})$/.test(atom);
    atom = atom.replace(/(?:[?*+]|\{\d*,?\d*\})$/, '').replace(/\]$/, '');
    if (!optional) required.push(termKind(atom, needsCandidate));
  }
  if (required.some((t) => t.kind === 'candidate')) return [];
  const groups = required.flatMap((t) => (t.kind === 'words' ? [t.words] : []));
  return groups.length === 0 ? undefined : groups;
}

function regexesWithNameTag(list: unknown, isNameTag: (tag: string) => boolean): RegExp[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const out: RegExp[] = [];
  for (const entry of list as unknown[]) {
    if (!Array.isArray(entry) || !(entry[0] instanceof RegExp)) return undefined;
    if (tagsOf(entry[1]).some(isNameTag)) out.push(entry[0]);
  }
  return out;
}

/** Reads the vocabulary from compromise's model; undefined (filter off) when the model is not the shape checked. */
function readVocabulary(): NameVocabulary | undefined {
  if (!nlp.version.startsWith(CHECKED_MAJOR)) return undefined;
  const model: unknown = nlp.model();
  if (!isJson(model) || !isJson(model.one) || !isJson(model.two)) return undefined;
  const { tagSet, lexicon, frozenLex, aliases, typeahead } = model.one;
  const { switches, suffixPatterns, regexText, regexNormal, endsWith, neighbours, matches, orgWords, placeWords } =
    model.two;
  if (!isJson(tagSet) || !isJson(lexicon) || !isJson(frozenLex) || !isJson(switches) || !Array.isArray(suffixPatterns))
    return undefined;
  // Guesses from typed prefixes (compromise's typeahead plugin) are not modelled here.
  if (!isJson(aliases) || !isJson(typeahead) || Object.keys(typeahead).length > 0) return undefined;
  if (!isJson(endsWith) || !isJson(neighbours) || !Array.isArray(matches) || !isJson(orgWords) || !isJson(placeWords))
    return undefined;
  const isNameTag = (tag: string): boolean => {
    const entry = tagSet[tag];
    const parents = isJson(entry) && Array.isArray(entry.parents) ? (entry.parents as unknown[]) : [];
    return NAME_TAG_ROOTS.has(tag) || parents.some((p) => typeof p === 'string' && NAME_TAG_ROOTS.has(p));
  };
  const needsCandidate = (tag: string): boolean => isNameTag(tag) || CANDIDATE_ONLY_TAGS.has(tag);

  const nameWords = new Set<string>();
  const namePhrases = new Map<string, string[]>();
  for (const lex of [lexicon, frozenLex]) {
    for (const [key, tags] of Object.entries(lex)) {
      if (!tagsOf(tags).some(isNameTag)) continue;
      const words = phraseOf(key);
      const first = words[0];
      if (first === undefined) continue;
      if (words.length === 1) nameWords.add(first);
      else namePhrases.set(first, [...(namePhrases.get(first) ?? []), words.join(' ')]);
    }
  }
  for (const [word, tags] of Object.entries(switches)) if (tagsOf(tags).some(isNameTag)) nameWords.add(word);
  // An alias ("plz" -> "please") is looked up as the word it stands for.
  for (const [word, alias] of Object.entries(aliases)) {
    if (typeof alias === 'string' && tagsOf(lexicon[alias]).some(isNameTag)) nameWords.add(word);
  }

  const suffixes: Map<string, boolean>[] = [];
  for (const byEnding of suffixPatterns as unknown[]) {
    const map = new Map<string, boolean>();
    if (isJson(byEnding)) for (const [end, tag] of Object.entries(byEnding)) map.set(end, tagsOf(tag).some(isNameTag));
    suffixes.push(map);
  }
  const endings = regexesWithNameTag(Object.values(endsWith).flat(), isNameTag);
  const textRegexes = regexesWithNameTag(regexText, isNameTag);
  const normalRegexes = regexesWithNameTag(regexNormal, isNameTag);
  if (endings === undefined || textRegexes === undefined || normalRegexes === undefined) return undefined;

  const triggers: TriggerRule[] = [];
  for (const side of ['leftWords', 'rightWords', 'leftTags', 'rightTags']) {
    const pairs = neighbours[side];
    if (!Array.isArray(pairs)) return undefined;
    for (const pair of pairs as unknown[]) {
      if (!Array.isArray(pair) || typeof pair[0] !== 'string') return undefined;
      if (!tagsOf(pair[1]).some(isNameTag)) continue;
      if (side.endsWith('Words')) triggers.push([triggerGroup([pair[0]])]);
      else if (!needsCandidate(pair[0])) return undefined;
    }
  }
  for (const rule of matches as unknown[]) {
    if (!isJson(rule) || typeof rule.match !== 'string') return undefined;
    const out = tagsOf(typeof rule.tag === 'string' ? rule.tag.split(/\s+/).join('|') : rule.tag);
    if (!out.map((t) => t.replace(/^#/, '')).some(isNameTag)) continue;
    const groups = triggersOf(rule.match, needsCandidate);
    // INVARIANT: every name-making rule needs a candidate word or literal words; one that needs neither turns the
    // filter off rather than letting it skip text the rule could fire on.
    if (groups === undefined) return undefined;
    if (groups.length > 0) triggers.push(groups.map(triggerGroup));
  }
  return {
    nameWords,
    knownWords: new Set(Object.keys(lexicon)),
    namePhrases,
    suffixes,
    endsWith: endings,
    nameRegexes: [...textRegexes, ...normalRegexes],
    triggers,
    triggerWords: new Set(triggers.flat().flatMap((g) => g.words)),
    triggerSymbols: [...new Set(triggers.flat().flatMap((g) => g.symbols))],
    nameAfterCapital: new Set([...Object.keys(orgWords), ...Object.keys(placeWords)]),
  };
}

const VOCABULARY = readVocabulary();
const methods: unknown = nlp.methods();
const splitter: unknown =
  isJson(methods) && isJson(methods.one) && isJson(methods.one.tokenize)
    ? methods.one.tokenize.splitSentences
    : undefined;
// compromise's own sentence splitter (a few regexes), so a sentence here is a sentence to its tagger.
const splitSentences =
  typeof splitter === 'function' ? (splitter as (text: string, world: unknown) => unknown) : undefined;

/** Whether compromise's guess for an unknown word by its ending is a name tag (its own longest-ending-first loop). */
function suffixGuessIsName(word: string, v: NameVocabulary): boolean {
  const max = word.length <= 7 ? word.length - 1 : 7;
  for (let n = max; n > 1; n--) {
    const isName = v.suffixes[n]?.get(word.slice(-n));
    if (isName !== undefined) return isName;
  }
  return false;
}

function wordMayBeName(raw: string, word: string, v: NameVocabulary): boolean {
  if (v.nameRegexes.some((re) => re.test(raw) || re.test(word))) return true;
  // compromise expands "don't" to "do not" before its look-up, so "don" (a first name) is never read on its own.
  const parts = word.endsWith("n't") ? [word, word.slice(0, -3)] : [word, ...word.split("'")];
  for (const part of new Set(parts)) {
    if (v.nameWords.has(part)) return true;
    if (!v.knownWords.has(part) && (suffixGuessIsName(part, v) || v.endsWith.some((re) => re.test(part)))) return true;
  }
  return false;
}

function sentenceMayHoldNames(sentence: string, v: NameVocabulary): boolean {
  const tokens = [...sentence.matchAll(WORD)];
  const words = tokens.map((t) => t[0].toLowerCase().replace(/’/g, "'"));
  const seen = new Set(words.flatMap((w) => [w, ...w.split("'")]));
  const present = (g: TriggerGroup): boolean =>
    g.words.some((w) => seen.has(w)) || g.symbols.some((w) => sentence.includes(w));
  const mayTrigger = [...seen].some((w) => v.triggerWords.has(w)) || v.triggerSymbols.some((w) => sentence.includes(w));
  if (mayTrigger && v.triggers.some((rule) => rule.every(present))) return true;
  let capitalisedStart = false;
  for (const [i, token] of tokens.entries()) {
    const raw = token[0];
    const word = words[i] ?? '';
    // compromise folds accents before its lexicon look-up; this filter does not model that.
    if (NON_ASCII.test(word)) return true;
    if (/\p{Lu}/u.test(raw) && !PRONOUN_I.test(raw)) {
      // INVARIANT: only the first word of a sentence may be capitalised without making the text a candidate;
      // compromise reads any other capitalised word as a proper noun.
      if (i !== 0 || !SENTENCE_START_WORD.test(raw) || !startsSentence(sentence.slice(0, token.index))) return true;
      capitalisedStart = true;
    }
    if (wordMayBeName(raw, word, v)) return true;
    for (const phrase of v.namePhrases.get(word) ?? []) {
      if (words.slice(i, i + phrase.split(' ').length).join(' ') === phrase) return true;
    }
    // "Police department", "Hyde park": a capitalised first word becomes a name before an organisation or place word.
    if (
      capitalisedStart &&
      i > 0 &&
      v.nameAfterCapital.has(word) &&
      words.slice(1, i).every((w) => PLACE_CONTINUATIONS.has(w))
    )
      return true;
  }
  return false;
}

function startsSentence(before: string): boolean {
  const chunks = before.split(/\s+/);
  const inChunk = chunks.pop() ?? '';
  return FIRST_CHUNK_PREFIX.test(inChunk) && chunks.every((c) => c === '' || FOLDED_CHUNK.test(c));
}

const isStringArray = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');

/** A stretch of text, UTF-16 offsets, end exclusive. */
export interface TextRun {
  readonly start: number;
  readonly end: number;
}

/**
 * The runs of consecutive sentences (as compromise splits them) in which compromise could tag a person, place,
 * organisation or address; [] when every word of `text` is provably ordinary to compromise's model.
 */
export function runsThatMayHoldNames(text: string): TextRun[] {
  const whole = [{ start: 0, end: text.length }];
  if (VOCABULARY === undefined || splitSentences === undefined) return whole;
  const sentences = splitSentences(text, nlp.world());
  // INVARIANT: the sentences re-join into the text, so their offsets are the text's; anything else reads it all.
  if (!isStringArray(sentences) || sentences.join('') !== text) return whole;
  const runs: TextRun[] = [];
  let at = 0;
  for (const sentence of sentences) {
    const end = at + sentence.length;
    if (sentenceMayHoldNames(sentence, VOCABULARY)) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last.end === at) runs[runs.length - 1] = { start: last.start, end };
      else runs.push({ start: at, end });
    }
    at = end;
  }
  return runs;
}

/** Whether compromise could tag a person, place, organisation or address anywhere in `text`. */
export function mayHoldNames(text: string): boolean {
  return runsThatMayHoldNames(text).length > 0;
}
