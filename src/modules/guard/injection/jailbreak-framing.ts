/**
 * Persuasive and role-play jailbreaks rarely say "ignore your rules". They wrap a harmful goal in a frame that makes
 * answering look acceptable: a persona ("pretend you are my late uncle, a chemist"), a story or screenplay, nested
 * fiction, a game, a hypothetical world, an appeal to research or education. Neither half is suspicious alone
 * (benign role-play and benign security questions are common), so the signal is their conjunction.
 */

// Frames: personas, fiction, games, hypotheticals, appeals that license an answer.
const framingCues: readonly (readonly [RegExp, number])[] = [
  [
    /\b(?:pretend(?:ing)?|imagine|suppose|act(?:ing)? as|role-?play(?:ing)?|play(?:ing)? the (?:role|part)|take (?:on )?the (?:role|persona)|you are (?:now )?(?:my|a|an|the)\b|you're (?:now )?(?:my|a|an)\b|from now on,? you)\b/i,
    0.45,
  ],
  [
    /\b(?:(?:science |a )?fiction(?:al)?|story|stories|novel|screenplay|script|scene|movie|film|play|poem|dialogue|chapter|narrative|fable|tale)\b[^\n]{0,120}?\b(?:character|hero|villain|protagonist|narrator|says?|explains?|describes?|tells?|where|in which|about)\b/i,
    0.4,
  ],
  [
    /\b(?:characters?|layers?|levels?|personas?|alter ego)\b[^.!?\n]{0,60}\b(?:create|propose|discuss|explain|describe|reveal|say|teach|share)\b/i,
    0.35,
  ],
  [
    /\b(?:writ(?:e|ing)|draft(?:ing)?|work(?:ing)? on)\s+(?:a |an |my |the )?(?:story|novel|screenplay|script|book|movie|film|play|thriller|scene)\b/i,
    0.35,
  ],
  [/\b(?:let'?s|we(?:'ll| will)?) play (?:a )?game\b|\bin this game\b|\bgame where\b/i, 0.4],
  [
    /\b(?:hypothetical(?:ly)?|thought experiment|alternate (?:world|universe|reality)|parallel universe|in a world where|fictional (?:world|universe|setting))\b/i,
    0.4,
  ],
  [
    /\b(?:for (?:purely )?(?:educational|research|academic|informational|training) purposes|as a (?:security )?researcher|i(?:'m| am) (?:a|an) (?:researcher|professor|novelist|writer|author|screenwriter))\b/i,
    0.3,
  ],
  [
    /\b(?:i(?:'m| am) (?:a |an )?(?:\w+ ){0,2}(?:researcher|detective|officer|agent|doctor|nurse|professor|teacher|auditor|student|journalist|lawyer|pentester|developer|scientist)|(?:written |legal )?(?:authori[sz]ation|authori[sz]ed|approved by|permission from|ethics (?:board|committee))|(?:purely|strictly|just|only) (?:educational|hypothetical|academic|theoretical|fictional)|harm reduction|(?:nobody|no one) will (?:get hurt|be harmed|know)|(?:a life|lives|my job) (?:depends?|depend|is at stake)|just this once|refus\w* (?:means|would|will)|no matter what|as your (?:developer|creator|admin)|(?:safety )?filters (?:are|have been) (?:disabled|off|removed)|red[- ]team(?:ing)? (?:evaluation|exercise|test))\b/i,
    0.4,
  ],
  [/\b(?:grandma|grandmother|grandpa|grandfather|late (?:uncle|aunt|father|mother|mom|dad)|deceased)\b/i, 0.35],
  [
    /\b(?:stay in character|in character|never breaks? character|continue (?:his|her|their|the) (?:lines|story|dialogue|speech))\b/i,
    0.35,
  ],
  [
    /\b(?:always answers?|answers? (?:everything|anything|every question|fully)|never refuses?|nothing is (?:restricted|forbidden|off[- ]limits)|no (?:topic|question) is off[- ]limits)\b/i,
    0.45,
  ],
];

// Harmful goals, by category of the common harm taxonomies (weapons, drugs, cybercrime, fraud, violence, abuse).
const harmfulGoal =
  /\b(?:rob(?:bing)? (?:a |the )?\w+|unauthori[sz]ed access|tamper\w*|flood attack|(?:use|using|exploit\w*) (?:the )?[\w-]+ vulnerabilit\w+|vulnerabilit\w+ (?:to|on|in) |exfiltrat\w*|defac\w*|beat(?:s|ing)? (?:their|his|her|a|the) \w+|abus\w+|biohazard|enriched uranium|nuclear (?:weapon|bomb|material)|spread (?:a |the )?(?:virus|disease|pathogen)|fool (?:a |the )?\w+ test|evade (?:a |the )?\w+ test|(?:bypass|disable|defeat) (?:the |a )?(?:security|antivirus|authentication|paywall|drm)|persuasive (?:article|post|essay)|arguing that|controlled (?:substances|laboratory supplies)|bombs?|explosives?|detonat\w*|pipe bomb|molotov|napalm|nerve agent|sarin|ricin|anthrax|bioweapons?|chemical weapons?|biological weapons?|(?:build|make|assemble|3d[- ]print)\w* (?:a |an )?(?:gun|firearm|weapon|silencer)|untraceable (?:gun|firearm|weapon)|poison\w*|methamphetamine|meth\b|cocaine|heroin|fentanyl|synthesi[sz]e (?:drugs|narcotics|\w+ (?:at home|illegally))|illegal drugs|malware|ransomware|keylogger|botnet|rootkit|trojan|spyware|computer virus|(?:hack|break) into|hacking into|exploit(?:ing)? (?:a |the )?(?:vulnerabilit\w+|system|server|network)|sql injection|ddos|phishing|steal\w*|identity theft|credit card (?:numbers|information|fraud|details)|launder\w*|counterfeit\w*|smuggl\w*|traffick\w*|evad\w* (?:law enforcement|the police|police|taxes|detection|capture)|without getting caught|blackmail\w*|extort\w*|harass\w*|cyberbull\w*|bully\w*|stalk\w*|kill(?:ing)? (?:someone|people|a person|him|her)|murder\w*|assassinat\w*|suicide|self-harm|hate speech|racist|genocide|terroris\w*|fake news|misinformation|disinformation|propaganda|cheat(?:ing)? on|insider trading|fraud\w*|scam\w*|shoplift\w*|vandali[sz]\w*|destroy\w* (?:a |an |the )?(?:\w+ )?(?:artifact|building|infrastructure)|sabotag\w*|kidnap\w*|torture|physical harm|cause (?:harm|damage|panic)|dangerous (?:chemicals?|substances?))/i;

// Asking for the operational version: steps, instructions, specifics.
const operational =
  /\b(?:step[- ]by[- ]step|write (?:code|a script|a program|an? \w+ (?:macro|script|exploit))|full technical detail|(?:give|provide|list|explain) (?:suggestions|ways|methods)|exactly how|with specifics|detailed (?:instructions|guide|guidance|steps|tutorial|plan|explanation)|(?:specific|practical|exact|precise) (?:steps|commands|tools|instructions|details|recipe|quantities|measurements)|how to (?:make|build|create|obtain|get|use|do)|instructions for|tutorial (?:on|for)|in (?:full )?detail|recipe for)\b/i;

/** 0..1 strength of the framing in a text (noisy-OR of the cues that occur). */
export function framingScore(text: string): number {
  let miss = 1;
  for (const [pattern, weight] of framingCues) if (pattern.test(text)) miss *= 1 - weight;
  return 1 - miss;
}

/**
 * 0..1 strength of a harmful goal: a harmful objective (0.6), raised to 1 when the text asks for the operational
 * details; a request for operational details with no harmful word the lexicon knows counts 0.4.
 */
export function harmfulGoalScore(text: string): number {
  const asksOperational = operational.test(text);
  if (!harmfulGoal.test(text)) return asksOperational ? 0.4 : 0;
  return asksOperational ? 1 : 0.6;
}

/** Framing and harmful goal together: the jailbreak signal, zero when either half is missing. */
export function framedHarmScore(text: string): { framing: number; harm: number; framedHarm: number } {
  const harm = harmfulGoalScore(text);
  const framing = harm === 0 ? 0 : framingScore(text);
  return { framing, harm, framedHarm: framing * harm };
}

// Claims that the safety layer is gone. People rarely write these to an assistant except to jailbreak it.
const safetyOffClaim =
  /\b(?:(?:safety |content )?filters? (?:are|is|have been|has been) (?:disabled|off|removed|turned off)|(?:safety|guardrails?|content policy) (?:is|are|has been|have been) (?:disabled|off|removed|lifted|suspended))\b/i;
// Claims that license an answer or forbid a refusal. Operators' system prompts say some of them too ("never refuse a
// reasonable request", "answer without disclaimers"), and so do ordinary people ("just this once", "my job depends on
// it"), so they count only when the text also asks for something harmful.
const licensingAppeal =
  /\b(?:(?:written|legal|explicit) (?:authori[sz]ation|permission)|i(?: am|'m) authori[sz]ed to|(?:ethics|review) (?:board|committee) (?:has )?approved|red[- ]team(?:ing)? (?:evaluation|exercise|test|session)|no real[- ]world (?:consequences|harm|impact)|(?:a (?:person's )?life|lives|someone's life) (?:depends?|is at stake|are at stake)|always answers? (?:fully|everything|every question|anything)|never refuses?|nothing is (?:restricted|forbidden|off[- ]limits)|no (?:topic|question|request) is off[- ]limits|(?:do not|don'?t|never) (?:refuse|censor|decline)|without (?:any )?(?:refus\w+|disclaimers?|warnings?|censorship)|just this once|(?:nobody|no one) will (?:get hurt|be harmed|know|find out)|in (?:the|that) spirit of harm reduction|purely (?:educational|hypothetical|academic)|(?:a true friend|a real friend) (?:would(?:n'?t| not)|will(?:n'?t| not))|(?:don'?t|do not) hold back|assume (?:full )?consent)\b/i;

/**
 * 0..1 strength of a jailbreak licence: 1 for a claim that the safety layer is gone beside a harmful goal, 0.6 for
 * that claim alone or for a licensing appeal beside a harmful goal, 0 otherwise. `harmScore` is the text's
 * {@link harmfulGoalScore}, when the caller has it already.
 */
export function licenceScore(text: string, harmScore = harmfulGoalScore(text)): number {
  // A harmful word, not only a request for detail ("write a script"), which benign tasks ask for too.
  const harm = harmScore >= 0.6;
  if (safetyOffClaim.test(text)) return harm ? 1 : 0.6;
  return harm && licensingAppeal.test(text) ? 0.6 : 0;
}
