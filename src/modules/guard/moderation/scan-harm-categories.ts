import type { ModerationCategory } from './moderation-categories.js';

/** A category score a harm rule gives a text, with the reason code and the span that triggered it. */
export interface CategoryHit {
  readonly category: ModerationCategory;
  readonly score: number;
  readonly reason: string;
  readonly start: number;
  readonly end: number;
}

// Word lists written for Bulwark. Each rule names a frame (first-person intent, a request for instructions, explicit
// wording), not a topic: news, prevention advice and education mention the same words without the frame.
const firstPerson = String.raw`\b(?:i|i'?m|im|i am|i'?ve|ive|i'?ll|i will|i was)\b`;
const selfHarmAct = String.raw`(?:kill(?:ing)?\s+myself|end(?:ing)?\s+(?:my\s+(?:own\s+)?life|it\s+all)|take\s+my\s+(?:own\s+)?life|commit(?:ting)?\s+suicide|cut(?:ting)?\s+myself|hurt(?:ing)?\s+myself|harm(?:ing)?\s+myself|hang(?:ing)?\s+myself|starv(?:e|ing)\s+myself|overdos(?:e|ing)|(?:want|wanna|going|gonna|ready|planning|plan|deserve)\s+to\s+die)`;
const selfHarmIntent = new RegExp(
  String.raw`${firstPerson}(?:[^.!?\n]{0,40}?)\b${selfHarmAct}\b|\bi\s+(?:do\s+not|don'?t)\s+want\s+to\s+(?:live|be\s+alive|exist)\s*(?:anymore|any\s+more)?\b|\bno\s+reason\s+to\s+(?:live|go\s+on)\b`,
  'gi',
);
const selfHarmHowTo = new RegExp(
  String.raw`\b(?:how\s+(?:to|do\s+i|can\s+i|should\s+i|would\s+i|do\s+you)|best\s+way\s+to|easiest\s+way\s+to|quickest\s+way\s+to|painless(?:ly)?\s+(?:way\s+)?to|least\s+painful\s+way\s+to|steps\s+to|ways?\s+to|methods?\s+(?:to|of|for))\s+(?:\w+\s+){0,3}?(?:kill\s+(?:myself|yourself|oneself|themselves)|commit\s+suicide|end\s+(?:my|your|one'?s)\s+(?:own\s+)?life|cut\s+(?:myself|yourself)|hang\s+(?:myself|yourself)|overdose|self[- ]harm|slit\s+(?:my|your)\s+wrists?)\b|\bhow\s+many\s+(?:\w+\s+){0,2}(?:pills|tablets|mg)\b[^.!?\n]{0,40}\b(?:die|overdose|kill\s+(?:me|myself|you|yourself)|lethal|fatal)\b`,
  'gi',
);
const selfHarmMention = /\b(?:suicid\w*|self[- ]harm\w*|slit\s+(?:my|his|her|their|your)\s+wrists?|overdos\w*)\b/gi;
// Support, prevention and reporting around a mention ("if you are thinking about suicide, call …").
const supportFrame =
  /\b(?:hotline|helpline|lifeline|prevention|awareness|crisis line|samaritans|988|therap\w*|counsel\w*|get help|seek help|reach out|talk to someone|you are not alone|you're not alone|research|study|statistics|rates?)\b/i;
const negated = /\b(?:not|never|no|don'?t|wouldn'?t|won'?t|didn'?t|stopped|quit)\b/i;

const explicitSexual =
  /\b(?:porn\w*|xxx|blow ?jobs?|hand ?jobs?|cum(?:shot|ming|s)?|masturbat\w*|dildos?|clit\w*|orgasm\w*|horny|boners?|erections?|fuck(?:ing)? (?:me|her|him) (?:hard|raw)|suck(?:ing)? (?:my|his|your) (?:dick|cock)|(?:my|his|your) (?:hard|throbbing) (?:dick|cock)|sex tapes?|nudes|sexting|threesomes?|gangbang\w*|deepthroat\w*|anal sex|oral sex|hentai|camgirls?|onlyfans)\b/gi;
const mildSexual =
  /\b(?:sex|sexual(?:ly)?|naked|nude|erotic\w*|penis(?:es)?|vaginas?|genitals?|breasts?|tits|boobs|nipples?|intercourse|make love|making love|seduc\w*|aroused|lingerie|strip(?:per|tease))\b/gi;
const minorTerm =
  /\b(?:child(?:ren)?|kids?|minors?|under-?age|pre-?teens?|teen(?:ager)?s?|little (?:girl|boy)s?|young (?:girl|boy)s?|school ?(?:girl|boy)s?|toddlers?|infants?|bab(?:y|ies)|(?:1[0-7]|[1-9])[- ]?(?:years?|yrs?|yo)[- ]?old|loli\w*|jailbait|grade ?schoolers?)\b/i;
const protectiveFrame =
  /\b(?:abuse[ds]?|exploit\w*|protect\w*|report\w*|prevent\w*|safeguard\w*|education|educat\w*|awareness|victims?|survivors?|grooming signs|predators?|police|arrest\w*|convicted|charged|jail\w*|prison)\b/i;

const graphicViolence =
  /\b(?:dismember\w*|disembowel\w*|decapitat\w*|behead(?:ed|ing)|gor(?:e|y)|mutilat\w*|entrails|guts (?:spilled|everywhere|spilling|hanging)|blood (?:everywhere|gushing|spurting|pouring|splatter\w*)|brains? (?:splatter\w*|blown out)|skull (?:crushed|cracked open|caved in)|flesh (?:torn|ripped|melting|burning)|eyes? gouged|gouged out (?:his|her|their) eyes?|torn limb from limb|ripped (?:his|her|their) (?:\w+ )?(?:off|out)|skinned alive|burned alive)\b/gi;

const askFrame = String.raw`\b(?:how\s+(?:to|do\s+i|do\s+you|can\s+i|could\s+i|would\s+i|should\s+i|does\s+one)|teach\s+me(?:\s+how)?\s+to|show\s+me\s+how\s+to|steps?\s+(?:to|for)|guide\s+(?:to|for)|best\s+way\s+to|easiest\s+way\s+to|ways?\s+to|tutorial\s+(?:on|for)|instructions\s+(?:to|for|on)|recipe\s+for|where\s+(?:can|do|could)\s+i|help\s+me|i\s+(?:want|need)\s+to)\b`;
const illicitAct = String.raw`(?:(?:make|cook|synthesi[sz]e|produce|manufacture|grow)\s+(?:\w+\s+)?(?:meth\w*|crystal\s+meth|cocaine|crack|heroin|fentanyl|lsd|mdma|ecstasy|drugs)|(?:buy|sell|get|score|smuggle)\s+(?:\w+\s+)?(?:meth|cocaine|heroin|fentanyl|drugs|stolen\s+\w+|fake\s+ids?|counterfeit\s+\w+|credit\s+card\s+numbers|guns?\s+without)|launder\s+(?:\w+\s+)?money|money\s+launder\w*|steal\s+(?:a|an|someone'?s|my|his|her)\b|shoplift\w*|pickpocket\w*|hot-?wire\s+a\s+car|(?:hack|break)\s+into|evade\s+(?:my\s+)?taxes|cheat\s+on\s+(?:my\s+)?taxes|counterfeit\w*|forge\s+(?:a\s+|an\s+)?(?:\w+\s+)?(?:signature|document|passport|id|check|cheque|prescription)|pick\s+a\s+lock|(?:write|make|create|build|deploy)\s+(?:a\s+)?(?:phishing\s+\w+|ransomware|malware|keylogger|botnet)|ddos\s+\w+|dox\w*\s+\w+|bypass\s+(?:a\s+)?(?:breathalyzer|drug\s+test))`;
const violentAct = String.raw`(?:(?:make|build|assemble|construct|create|cook)\s+(?:\w+\s+){0,2}?(?:bombs?|explosives?|ieds?|pipe\s+bombs?|molotovs?(?:\s+cocktails?)?|napalm|grenades?|nerve\s+agents?|sarin|ricin|anthrax|bioweapons?|chemical\s+weapons?|ghost\s+guns?|untraceable\s+guns?|silencers?)|(?:poison|kill|murder|stab|shoot|strangle|assassinate|kidnap|torture|drown|suffocate)\s+(?:someone|somebody|a\s+person|people|my\s+\w+|him|her|them|a\s+child|a\s+kid)\b|get\s+away\s+with\s+(?:murder|killing)|(?:dispose\s+of|hide|get\s+rid\s+of)\s+a\s+(?:dead\s+)?body)`;
const illicitAsk = new RegExp(String.raw`${askFrame}(?:[^.!?\n]{0,30}?)\b${illicitAct}`, 'gi');
const violentAsk = new RegExp(String.raw`${askFrame}(?:[^.!?\n]{0,30}?)\b${violentAct}`, 'gi');

function sentenceOf(text: string, start: number, end: number): string {
  const from = Math.max(text.lastIndexOf('.', start), text.lastIndexOf('!', start), text.lastIndexOf('?', start), -1);
  const stops = ['.', '!', '?', '\n'].map((c) => text.indexOf(c, end)).filter((i) => i >= 0);
  return text.slice(from + 1, stops.length ? Math.min(...stops) : text.length);
}

function* matches(pattern: RegExp, text: string): Generator<RegExpExecArray> {
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    yield m;
    if (m[0].length === 0) pattern.lastIndex++;
  }
}

/**
 * Scores self-harm, sexual content, sexual content involving minors, graphic violence and requests for illicit or
 * violent wrongdoing. Each needs a frame (first-person intent, a request for instructions, explicit wording); a mere
 * mention in news, prevention advice or education scores below the flag line.
 */
export function scanHarmCategories(text: string): CategoryHit[] {
  const hits: CategoryHit[] = [];
  const add = (category: ModerationCategory, score: number, reason: string, m: RegExpExecArray): void => {
    hits.push({ category, score, reason, start: m.index, end: m.index + m[0].length });
  };
  for (const m of matches(selfHarmIntent, text)) {
    // "I would never kill myself", "I don't want to hurt myself": a negator between the subject and the act.
    const lead = m[0].slice(
      0,
      Math.max(
        0,
        m[0].search(
          /\b(?:kill|end|take|commit|cut|hurt|harm|hang|starv|overdos|want|wanna|going|gonna|ready|plan|deserve)/i,
        ),
      ),
    );
    if (negated.test(lead) && !/want\s+to\s+(?:live|be\s+alive|exist)/i.test(m[0])) continue;
    add('self-harm/intent', 0.9, 'guard.moderation.self_harm_intent', m);
    add('self-harm', 0.9, 'guard.moderation.self_harm_intent', m);
  }
  for (const m of matches(selfHarmHowTo, text)) {
    add('self-harm/instructions', 0.85, 'guard.moderation.self_harm_instructions', m);
    add('self-harm', 0.85, 'guard.moderation.self_harm_instructions', m);
  }
  for (const m of matches(selfHarmMention, text)) {
    add(
      'self-harm',
      supportFrame.test(sentenceOf(text, m.index, m.index + m[0].length)) ? 0.1 : 0.3,
      'guard.moderation.self_harm_mention',
      m,
    );
  }
  const explicit = [...matches(explicitSexual, text)];
  const mild = [...matches(mildSexual, text)];
  for (const m of explicit) add('sexual', 0.85, 'guard.moderation.sexual_explicit', m);
  // Several mild terms together read as sexual content; one alone (anatomy, education, news) does not.
  for (const m of mild)
    add('sexual', mild.length >= 3 ? 0.6 : mild.length === 2 ? 0.4 : 0.2, 'guard.moderation.sexual_term', m);
  for (const m of [...explicit, ...mild]) {
    const sentence = sentenceOf(text, m.index, m.index + m[0].length);
    if (!minorTerm.test(sentence)) continue;
    const strong = explicit.includes(m);
    // SECURITY: explicit wording next to a minor is flagged whatever the frame; mild wording only without a
    // protective or reporting frame ("how to protect children from sexual abuse" is safety education).
    if (strong) add('sexual/minors', 0.95, 'guard.moderation.sexual_minors', m);
    else if (!protectiveFrame.test(sentence)) add('sexual/minors', 0.7, 'guard.moderation.sexual_minors', m);
    else add('sexual/minors', 0.2, 'guard.moderation.sexual_minors_mention', m);
  }
  for (const m of matches(graphicViolence, text)) {
    add('violence/graphic', 0.75, 'guard.moderation.graphic_violence', m);
    add('violence', 0.6, 'guard.moderation.graphic_violence', m);
  }
  for (const m of matches(violentAsk, text)) {
    add('illicit/violent', 0.9, 'guard.moderation.violent_wrongdoing_request', m);
    add('illicit', 0.85, 'guard.moderation.violent_wrongdoing_request', m);
    add('violence', 0.6, 'guard.moderation.violent_wrongdoing_request', m);
  }
  for (const m of matches(illicitAsk, text)) add('illicit', 0.85, 'guard.moderation.wrongdoing_request', m);
  return hits;
}
