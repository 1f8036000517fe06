import { alternation, loadToxicityLexicon, type ToxicityLexicon } from './toxicity-lexicon.js';

/** One toxicity rule match. */
export interface ToxicityHit {
  readonly class: 'moderation.hate' | 'moderation.toxicity' | 'moderation.threat';
  readonly reason: string;
  readonly weight: number;
  readonly start: number;
  readonly end: number;
}

interface CompiledRule {
  readonly class: ToxicityHit['class'];
  readonly reason: string;
  readonly weight: number;
  readonly pattern: RegExp;
}

const negation =
  /\b(?:not|never|no|don'?t|doesn'?t|didn'?t|isn'?t|aren'?t|wasn'?t|weren'?t|won'?t|wouldn'?t|shouldn'?t|can'?t|cannot|nobody|no one|neither|nor|hardly|stop)\b[^.!?]{0,25}$/i;
// Counter-speech and reporting: the hateful words are quoted, referred to or condemned rather than meant.
const counterFrame =
  /\b(?:(?:is|was|that'?s|it'?s|this is|so)\s+(?:\w+\s+)?(?:wrong|hateful|racist|sexist|homophobic|transphobic|bigoted|bigotry|offensive|unacceptable|hate speech|not ok|not okay|shameful|ignorant|dehumanising|dehumanizing|ableist|islamophobic|antisemitic|xenophobic|misogynistic|a slur)|\b(?:stop|quit)\s+(?:saying|calling|using)|\b(?:you|they|he|she|people)\s+(?:can'?t|shouldn'?t|should not|must not)\s+(?:say|call|use)|how dare|(?:said|says|saying|wrote|writes|tweeted|posted|claims?|claimed|called|calling|told me|yelled|shouted|heard)\s*[:"“']|if you (?:think|say|believe)|(?:people|anyone|those) who (?:say|think|believe|call)|i (?:hate|despise|can'?t stand) (?:it )?when (?:people|someone|you))/i;
const reclaimedFrame = /\b(?:i'?m|i am|we'?re|we are|as a|as an|us|fellow|proud|my)\b/i;

function compile(lexicon: ToxicityLexicon): CompiledRule[] {
  const id = `(?:${alternation(lexicon.identity)})`;
  const slur = `(?:${alternation(lexicon.slurs)})`;
  const ambiguous = new Set(lexicon.ambiguousSlurs);
  const unambiguousSlur = `(?:${alternation(lexicon.slurs.filter((w) => !ambiguous.has(w)))})`;
  const ambiguousSlur = `(?:${alternation(lexicon.slurs.filter((w) => ambiguous.has(w)))})`;
  const insult = `(?:${alternation(lexicon.insults)})`;
  const dehuman = `(?:${alternation(lexicon.dehumanizing)})`;
  const emotion = `(?:${alternation(lexicon.hateEmotion)})`;
  const attribute = `(?:${alternation(lexicon.derogatoryAttributes)})`;
  const threat = `(?:${alternation(lexicon.threatVerbs)})`;
  const profanity = `(?:${alternation(lexicon.profanity)})`;
  const people = `(?:${id}|${slur}|(?:those|these|all|the)\\s+(?:${slur}|${id}))`;
  const rule = (cls: ToxicityHit['class'], reason: string, weight: number, source: string): CompiledRule => ({
    class: cls,
    reason,
    weight,
    pattern: new RegExp(source, 'gi'),
  });
  return [
    // An unambiguous slur is hate on its own (above the report floor); one with a harmless homonym or a reclaimed use
    // needs the classifier to agree. Quoting, condemning and reclaiming damp both below.
    rule('moderation.hate', 'guard.moderation.slur', 0.95, `\\b${unambiguousSlur}\\b`),
    rule('moderation.hate', 'guard.moderation.slur', 0.85, `\\b${ambiguousSlur}\\b`),
    rule(
      'moderation.hate',
      'guard.moderation.hate_emotion',
      0.9,
      `\\b(?:i|we|everyone|everybody|people)\\s+(?:really\\s+|truly\\s+|just\\s+|absolutely\\s+|fucking\\s+)?${emotion}\\s+(?:all\\s+|those\\s+|these\\s+|the\\s+)?${people}\\b`,
    ),
    rule(
      'moderation.hate',
      'guard.moderation.dehumanization',
      0.85,
      `\\b${people}\\s+(?:are|r|is|were|remain|will always be)\\s+(?:all\\s+|just\\s+|nothing but\\s+|no better than\\s+|like\\s+|basically\\s+|simply\\s+|such\\s+|total\\s+|complete\\s+|absolute\\s+|a\\s+|an\\s+|the\\s+|so\\s+|too\\s+|fucking\\s+|really\\s+)*(?:${dehuman}|${attribute})\\b`,
    ),
    rule(
      'moderation.hate',
      'guard.moderation.dehumanization',
      0.8,
      `\\b(?:${dehuman}|${attribute})\\s+(?:like\\s+)?(?:${people})\\b|\\b${people}\\s+(?:should|must|need to|ought to|deserve to)\\s+(?:be\\s+)?(?:${threat}|die|suffer|disappear|go back|leave|be (?:banned|locked up|removed|sterili[sz]ed|deported))|\\b(?:${people})\\b[^.!?]{0,40}\\b(?:have no place|don'?t belong|do not belong|make me sick|are a (?:disease|plague|cancer)|ruin everything|should not (?:exist|be allowed)|shouldn'?t (?:exist|be allowed))`,
    ),
    rule(
      'moderation.hate',
      'guard.moderation.profanity_at_group',
      0.85,
      `\\b(?:fuck|screw|damn)\\s+(?:all\\s+|those\\s+|these\\s+|the\\s+)?${people}\\b`,
    ),
    rule(
      'moderation.hate',
      'guard.moderation.group_question',
      0.75,
      `\\b(?:why\\s+(?:are|do|is)|aren'?t|isn'?t it true that)\\s+(?:all\\s+)?${people}\\s+(?:\\w+\\s+){0,2}(?:${attribute}|${dehuman})`,
    ),
    rule(
      'moderation.threat',
      'guard.moderation.threat',
      0.9,
      `\\b(?:i|we|i'?ll|we'?ll|i'?m|we'?re|someone|somebody)\\s*(?:will|'ll|am going to|are going to|'m going to|'re going to|gonna|want to|wanna|would love to|should|must|shall|intend to|plan to|am gonna)?\\s+(?:\\w+\\s+)?${threat}\\s+(?:you|ya|u|him|her|them|all\\s+(?:of\\s+)?(?:you|them)|every\\s+\\w+|${people})\\b|\\b(?:death to|kill all|wipe out all|gas all|hang all|shoot all|exterminate all)\\b|\\b(?:you|they)\\s+(?:deserve to|should|must|ought to|need to)\\s+(?:\\w+\\s+)?(?:die|be (?:killed|shot|hanged|hung|murdered|raped|beaten|burned|lynched|executed|gassed))\\b|\\bi\\s+hope\\s+(?:you|they|he|she)\\s+(?:\\w+\\s+)?(?:die|dies|get (?:killed|raped|shot|cancer|hit))\\b`,
    ),
    // First-person intent to harm a described target: "I am going to shoot the next <group> person I see",
    // "we will put an end to all <group>", "I'll snap that neck of yours", "I want to end every <group>'s life".
    rule(
      'moderation.threat',
      'guard.moderation.threat_intent',
      0.9,
      `\\b(?:i|we)\\b[^.!?]{0,30}?\\b(?:going to|gonna|want to|wanna|will|'ll|have to|intend to|plan to|about to)\\s+(?:\\w+\\s+){0,2}?(?:${threat}\\s+(?:the next|that|those|these|every|all|any|a|an)\\b[^.!?]{0,30}?\\b(?:person|people|${id})\\b|(?:snap|break|slit|cut|crush|smash)\\s+(?:that|your|those)\\b[^.!?]{0,20}?\\b(?:neck|throat|skull|head|face)s?\\b|put an end to\\s+(?:all|every|those|these)\\s+(?:\\w+\\s+){0,2}?(?:people|persons?|${id})\\b|end\\s+(?:every|all|those|these)\\b[^.!?]{0,30}?\\blives?\\b|make\\s+(?:those|these|all|every|the)\\b[^.!?]{0,30}?\\bsuffer\\b)`,
    ),
    rule(
      'moderation.toxicity',
      'guard.moderation.insult',
      0.8,
      `\\b(?:you|u|ya|you'?re|youre|you are|ur|your|he'?s|she'?s|he is|she is|they'?re|they are|what a|such a|this|that|total|complete|absolute|fucking|stupid|dumb)\\s+(?:are\\s+|a\\s+|an\\s+|so\\s+|such\\s+a\\s+|total\\s+|complete\\s+|absolute\\s+|fucking\\s+|little\\s+|stupid\\s+|worthless\\s+|pathetic\\s+|dumb\\s+|ignorant\\s+)*${insult}\\b`,
    ),
    rule(
      'moderation.toxicity',
      'guard.moderation.insult_phrase',
      0.6,
      `\\b(?:piece of shit|pieces of shit|dumbass|dipshit|shithead|scumbag|motherfucker|cunt|asshole|dickhead|douchebag|wanker|twat)s?\\b`,
    ),
    rule(
      'moderation.toxicity',
      'guard.moderation.directed_profanity',
      0.75,
      `\\b(?:fuck\\s+(?:you|off|u|ya|this|that|him|her|them)|go\\s+(?:to\\s+hell|fuck\\s+yourself|die)|kill\\s+yourself|kys|shut\\s+(?:the\\s+fuck\\s+)?up|stfu|screw\\s+you|eat\\s+shit)\\b`,
    ),
    rule('moderation.toxicity', 'guard.moderation.profanity', 0.3, `\\b${profanity}\\b`),
  ];
}

// Benign frames: sentence-level readings the embedding classifier cannot make (it scores words, not scope).
// Harm and derogation words a negator can govern ("must not make them suffer", "no one deserves to die").
const harmWord = String.raw`(?:die|dies|dying|death|suffer\w*|murder\w*|kill\w*|execut\w*|attack\w*|rap(?:e|ed|ing)|hurt\w*|harm\w*|abus\w*|persecut\w*|discriminat\w*|hate\w*|worth\w*|less|lesser|inferior|stupid|ignorant|garbage|trash|scum|vermin|evil|disgusting|dangerous|criminals?|threats?)`;
const negator = String.raw`(?:not|never|no|n't|cannot|nobody|no one|none|stop|end)`;
// A negator with the harm word later in the same clause (at most ~8 words on).
const negatedHarm = new RegExp(
  String.raw`(?:\b${negator}\b|n't\b)(?:\s+(?!but\b|and\b|or\b)[\w'"]+){0,8}?\s+["']?${harmWord}\b`,
  'i',
);
// Condemnation of someone else's words or acts: a speech or attitude verb whose content is the hateful part, judged by
// a condemning predicate ("calling X Y is horrible", "threatening to kill X will get you jailed", "can't seriously
// believe that …", "statements like '…' are hurtful", "contempt for X has to stop").
const speechAct = String.raw`(?:call(?:s|ed|ing)?|say(?:ing|s)?|said|claim(?:ing|s)?|suggest(?:ing)?|impl(?:y|ying)|wish(?:ing)?|threaten(?:ing)?|tweet(?:ing)?|post(?:ing)?|writ(?:e|ing)|shout(?:ing)?|believe|think|statements?|comments?|remarks?|words|contempt|hatred|hate speech)`;
const condemnation = String.raw`(?:wrong|horrible|terrible|awful|vile|hurtful|harmful|disgraceful|shameful|unacceptable|outrageous|despicable|bigot\w*|racis\w*|sexis\w*|homophob\w*|transphob\w*|islamophob\w*|jail|prison|arrest\w*|banned|reported|has to stop|must stop|needs to stop|should stop|seriously)`;
const counterSpeech = new RegExp(
  String.raw`\b${speechAct}\b[^.!?]{0,120}\b${condemnation}\b|\b${condemnation}\b[^.!?]{0,80}\b${speechAct}\b|\bcan'?t\s+(?:seriously\s+)?(?:believe|think)\b`,
  'i',
);
// Approval of a group with no hostile word anywhere ("X belong in our government", "we should look up to X").
const approval =
  /\b(?:belong in|look up to|admired?|admire|cherish\w*|respect\w*|love|loved|lovely|beautiful|wonderful|amazing|great|brilliant|kind|compassionate|heroes|heroic|valued?|welcome[ds]?|deserve (?:respect|rights|equal)|worth so much|equal rights|proud of|inspiring|talented)\b/i;
const hostile =
  /\b(?:not|never|no|n't|hate\w*|kill\w*|die|abus\w*|criminals?|crooks?|liars?|pussy|bitch\w*|cunt\w*|dick\w*|scum|vermin|garbage|trash|disgust\w*|stupid|idiot\w*|worthless|filth\w*|rats?|animals?|parasites?|plague|cancer|disease|lesser|inferior|deport\w*|ban|banned|suffer|fuck\w*|shit\w*)\b/i;

const sarcasm =
  /["“'](?:great|wonderful|amazing|kind|brilliant|heroes?|love)["”']|\blove (?:to|how|it when)\b|\p{Extended_Pictographic}/iu;

/** A sentence-level reading under which a text that names a group is not an attack on it. */
export type BenignFrame = 'negated_harm' | 'counter_speech' | 'approval';

/**
 * Finds a benign frame: harm or derogation under a negator ("we must not let X suffer", "X are not at all stupid"),
 * counter-speech that reports and condemns hateful words ("calling X vermin is wrong"), or plain approval with no
 * hostile word. The detector damps its classifier with it; lexicon hits do their own negation and quote handling.
 */
export function benignFrame(text: string): BenignFrame | undefined {
  // A frame has sentence scope: the text is framed only when every sentence is (one un-framed sentence can carry the
  // attack on its own).
  let frame: BenignFrame | undefined;
  for (const sentence of text.split(/(?<=[.!?])\s+|\n+/)) {
    if (!/[A-Za-z]/.test(sentence)) continue;
    const own = sentenceFrame(sentence);
    if (own === undefined) return undefined;
    frame ??= own;
  }
  return frame;
}

function sentenceFrame(sentence: string): BenignFrame | undefined {
  if (counterSpeech.test(sentence)) return 'counter_speech';
  if (negatedHarm.test(sentence)) return 'negated_harm';
  // Scare quotes, volitional "love to …" and angry emoji read as sarcasm, not approval.
  if (approval.test(sentence) && !hostile.test(sentence) && !sarcasm.test(sentence)) return 'approval';
  return undefined;
}

let shipped: ToxicityLexicon | undefined;
let compiled: CompiledRule[] | undefined;
let lexiconSlurs: RegExp | undefined;

/**
 * Scans text with the lexicon rules. A match preceded closely by a negation ("are not vermin") is dropped, and one
 * inside a counter-speech or quoting frame ("saying 'X are vermin' is racist") or a reclaimed use ("we queers") is
 * damped, so quoting and condemning hate is not mistaken for hate.
 */
export function scanToxicity(text: string, lexicon?: ToxicityLexicon): ToxicityHit[] {
  // The shipped lexicon is read and compiled once per process, not on every scan.
  const source = lexicon ?? (shipped ??= loadToxicityLexicon());
  const rules = lexicon === undefined ? (compiled ??= compile(source)) : compile(source);
  lexiconSlurs ??= new RegExp(`\\b(?:${alternation(source.reclaimable)})\\b`, 'i');
  const countered = counterFrame.test(text);
  // Words inside quotation marks, with the sentence around them saying something else, are reported speech.
  const quotes = [
    ...text.matchAll(
      /"[^"\n]{1,300}"|“[^”\n]{1,300}”|‘[^’\n]{1,80}’|(?<![\p{L}\p{N}])'[^'\n]{1,80}'(?![\p{L}\p{N}])/gu,
    ),
  ].map((q) => [q.index, q.index + q[0].length] as const);
  const quoted = (start: number, end: number): boolean =>
    quotes.some(
      ([qs, qe]) => start > qs && end < qe && /[A-Za-z]{2,}\W+[A-Za-z]{2,}/.test(text.slice(0, qs) + text.slice(qe)),
    );
  const hits: ToxicityHit[] = [];
  for (const rule of rules) {
    rule.pattern.lastIndex = 0;
    for (const match of text.matchAll(rule.pattern)) {
      const before = text.slice(Math.max(0, match.index - 40), match.index);
      if (rule.class !== 'moderation.threat' && negation.test(before)) continue;
      if (/\bnot\b|\bn'?t\b|\bnever\b/i.test(match[0]) && rule.reason !== 'guard.moderation.threat') continue;
      let weight = rule.weight;
      if (countered || quoted(match.index, match.index + match[0].length)) weight *= 0.45;
      if (
        rule.reason === 'guard.moderation.slur' &&
        lexiconSlurs.test(match[0]) &&
        reclaimedFrame.test(text.slice(Math.max(0, match.index - 30), match.index))
      ) {
        weight *= 0.4;
      }
      hits.push({
        class: rule.class,
        reason: rule.reason,
        weight,
        start: match.index,
        end: match.index + match[0].length,
      });
    }
  }
  return hits;
}
