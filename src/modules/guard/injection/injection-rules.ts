/** One intent rule of the injection rule stage. */
export interface InjectionRule {
  readonly id: string;
  /** Finding class, e.g. `injection.instruction_override`. */
  readonly class: string;
  /** 0..1 evidence the rule alone gives; several rules combine by noisy-OR. */
  readonly weight: number;
  readonly pattern: RegExp;
}

// Gaps between the parts of a phrase are bounded so every pattern runs in linear time on 16 KB prompts.
const gap = (max: number): string => `(?:[^.!?\\n]{0,${max}}?)`;

const overrideVerb = String.raw`(?:ignore|disregard|forget|skip|bypass|override|overlook|neglect|abandon|discard|set aside|pay no attention to|do not (?:follow|obey)|don'?t (?:follow|obey)|stop following|no longer follow)`;
const instructionNoun = String.raw`(?:instructions?|prompts?|directives?|directions|rules|guidelines|commands?|orders|programming|constraints|restrictions|guardrails|safeguards|system messages?|content polic(?:y|ies)|training|conditioning|context|sentences? (?:you (?:were given|received|got))|(?:questions?|tasks?|requests?) (?:you (?:were|have been|'ve been) (?:asked|given))|(?:user'?s?|original) (?:questions?|requests?|tasks?)|(?:text|words|messages) (?:you (?:were given|received))|what (?:you were|i) (?:told|said) (?:you )?(?:before|earlier|above))`;
const modelAddress = String.raw`(?:ai|a\.i\.|assistant|chatbot|llm|language model|gpt|chatgpt|claude|copilot|agent|bot|model)`;
const secretThing = String.raw`(?:system prompt|system message|pre-?prompt|initiali[sz]ation (?:prompt|text|instructions)|(?:all|every|each) (?:the )?(?:prompts?|sentences|instructions|directions|messages) (?:you (?:were given|received|got|have)|above|so far|before this)|(?:the )?(?:above|previous|prior|preceding|earlier|first) (?:directions|sentences|prompts?|text|lines|paragraphs?)|(?:your|the) (?:access code|secret (?:password|code|key|word)|password)|initial (?:prompt|instructions)|original (?:prompt|instructions)|hidden (?:prompt|instructions)|secret (?:prompt|instructions)|internal (?:prompt|instructions)|developer (?:prompt|message|instructions)|pre-?prompt|(?:your|the) (?:instructions|prompt|directives|guidelines|configuration|rules) (?:you were given|above|you received|you have)|(?:your|the) (?:previous|above|prior|first|initial|original) (?:instructions|prompt|message|text))`;
const limits = String.raw`(?:restrictions|limits|limitations|filters?|filtering|rules|guidelines|ethics|ethical (?:guidelines|principles|constraints)|morals|morality|censorship|content polic(?:y|ies)|boundaries|constraints|safeguards|guardrails)`;

const r = (id: string, cls: string, weight: number, source: string): InjectionRule => ({
  id,
  class: cls,
  weight,
  pattern: new RegExp(source, 'giu'),
});

/** The rule table, grouped by the intent they detect rather than by known templates. */
export const injectionRules: readonly InjectionRule[] = [
  // Instruction override: an imperative to drop what the model was told before.
  r(
    'override.ignore_instructions',
    'injection.instruction_override',
    0.9,
    String.raw`\b${overrideVerb}\s+(?:(?:all|any|of|the|your|my|these|those|every|and|or|previous|prior|above|earlier|preceding|foregoing|original|initial|following|existing|system|safety|developer|other)\s+){0,5}${instructionNoun}\b`,
  ),
  r(
    'override.forget_everything',
    'injection.instruction_override',
    0.8,
    String.raw`\b(?:forget|ignore|disregard)\s+(?:about\s+)?(?:everything|all(?: of)? that|all)\s+(?:you(?:'ve| have)? (?:been told|learned|were told|know)|above|before|previously|prior|said|(?:i|we) (?:have\s+)?(?:said|told you|instructed you))`,
  ),
  r(
    'override.ignore_messages',
    'injection.instruction_override',
    0.55,
    String.raw`\b(?:ignore|disregard|forget)\s+(?:all\s+)?(?:previous|prior|above|earlier|preceding)\s+(?:messages|conversations?|context)\b`,
  ),
  r(
    'override.new_instructions',
    'injection.instruction_override',
    0.75,
    String.raw`\b(?:your|the|these are your|here are your)\s+(?:new|real|actual|updated|true)\s+(?:instructions|task|directive|objective|orders|rules|system prompt)\s*(?:is|are|:|follow)`,
  ),
  r(
    'override.instructions_void',
    'injection.instruction_override',
    0.8,
    String.raw`\b(?:previous|prior|above|earlier|original|all)\s+(?:instructions|rules|prompts?|directives)\s+(?:are|is|were|have been)\s+(?:now\s+)?(?:void|cancel+ed|revoked|obsolete|invalid|null|no longer (?:valid|apply|in effect)|overridden|lifted)`,
  ),
  r(
    'override.stop_everything',
    'injection.instruction_override',
    0.7,
    String.raw`\b(?:stop everything|nevermind|never mind)\W{1,12}(?:now\W+)?(?:just|ignore|instead|print|say|output)\b`,
  ),
  r(
    'override.instead_print',
    'injection.instruction_override',
    0.45,
    String.raw`\b(?:instead|just|only)\s+(?:print|say|output|respond with|reply with|write)\s*:?\s*["'“]`,
  ),
  // Prefix injection: dictating the literal words the reply opens with ("Begin your reply with \"Sure, here is\"",
  // "Prefix your response with [ACCESS GRANTED]"), so the model is committed to comply before it can refuse.
  r(
    'override.prefix_injection',
    'injection.instruction_override',
    0.5,
    String.raw`\b(?:begin|start|prefix|preface|open)\w*\s+(?:your|the|each|every)\s+(?:repl(?:y|ies)|responses?|answers?|outputs?|messages?)\s+(?:with|by (?:saying|writing))\s*[:,]?\s*(?:the (?:words?|phrase|sentence|text)\s*[:,]?\s*)?["'“‘\[]`,
  ),
  r(
    'override.authority_claim',
    'injection.instruction_override',
    0.7,
    String.raw`\b(?:i am|i'm|this is)\s+(?:your|the|an?)\s+(?:developer|creator|administrator|admin|owner|system|openai|anthropic)\b${gap(80)}\b(?:override|unlock|disable|enable|grant|authori[sz]e|new instructions|debug mode|maintenance mode|admin mode)`,
  ),
  r(
    'override.disable_safety',
    'injection.instruction_override',
    0.85,
    String.raw`\b(?:disable|turn off|deactivate|remove|switch off|bypass|circumvent|lift)\s+(?:all\s+|any\s+|your\s+|the\s+)*(?:safety|content|ethical|moral)?\s*${limits}`,
  ),

  // System-prompt extraction.
  r(
    'extract.reveal_secret',
    'injection.prompt_extraction',
    0.85,
    String.raw`\b(?:show|reveal|print|repeat|output|display|tell|give|share|leak|dump|disclose|write (?:out|down)|list|recite|spell(?:[- ]check)?|translate|summari[sz]e|paste|return|expose|encode|copy)\b${gap(40)}\b${secretThing}`,
  ),
  r(
    'extract.what_is_prompt',
    'injection.prompt_extraction',
    0.8,
    String.raw`\bwhat\s+(?:is|are|was|were)\s+(?:in\s+)?${secretThing}`,
  ),
  r(
    'extract.text_above',
    'injection.prompt_extraction',
    0.8,
    String.raw`\b(?:repeat|print|output|copy|show|reproduce|write|list|recite|echo|paste|dump|return)\s+(?:back\s+)?(?:out\s+)?(?:all\s+|everything\s+|the\s+|of\s+|your\s+)*(?:words|text|content|lines|sentences|paragraphs?|directions|instructions|prompts?|messages|everything|tokens|characters)\s+(?:(?:that\s+)?you\s+(?:were\s+given|received|got|have\s+seen|saw)|above|before (?:this|my|the)|preceding|prior|so far|from the (?:start|beginning|top)|(?:written|stated|given)\s+(?:above|before|earlier)|in your (?:context|memory|prompt))`,
  ),
  r(
    'extract.start_with',
    'injection.prompt_extraction',
    0.8,
    String.raw`\b(?:start|begin)\s+your\s+(?:answer|response|reply|output)\s+with\s+["'“]?\s*(?:my instructions|you are|i was told|the system prompt|my (?:system )?prompt)`,
  ),
  r(
    'extract.told_before',
    'injection.prompt_extraction',
    0.7,
    String.raw`\bwhat\s+(?:were|have)\s+you\s+(?:been\s+)?(?:told|instructed|programmed|asked)\s+(?:to do\s+)?(?:before|at the (?:start|beginning)|initially|originally|by (?:your|the) (?:developer|creator|operator))`,
  ),
  r(
    'extract.your_instructions',
    'injection.prompt_extraction',
    0.6,
    String.raw`\b(?:your|the)\s+(?:initial|original|system|hidden|secret|internal|exact|full|complete|verbatim)\s+(?:instructions|prompt|directives|message)\b`,
  ),

  r(
    'extract.verbatim_context',
    'injection.prompt_extraction',
    0.75,
    String.raw`\b(?:repeat|print|output|reveal|show|tell me|give me|write)\b${gap(30)}\b(?:verbatim|word for word|exactly as (?:written|given)|in full|everything)\b${gap(40)}\b(?:above|before|prompt|instructions|directions|told|given|received)\b|\b(?:tl;?dr|summari[sz]e|translate)\s+(?:of\s+)?(?:everything|all(?: the)? text|the (?:text|instructions|directions))\s+(?:above|before|so far)\b`,
  ),

  // Asking the assistant to restate its own instructions in any form (repeat, list, summarise, translate, convert to
  // code): "your instructions" addressed to the assistant are its configuration, not something the user wrote.
  r(
    'extract.own_instructions',
    'injection.prompt_extraction',
    0.75,
    String.raw`\b(?:repeat|print|output|outputs|list|format|summari[sz]e|rephrase|paraphrase|translate|convert|rewrite|restate|explain|state|return|show|reveal|display|describe|recite|write (?:out|down)|transcribe|encode|tl;?dr)\b${gap(20)}\b(?:all\s+(?:of\s+)?)?(?:your|the (?:prior|previous|preceding|above)|(?:prior|previous|preceding|above))\s+(?:(?:system|initial|original|secret|hidden|additional|exact)\s+)?(?:instructions|prompt|rules|ruleset|directions|directives|guidelines|conditions|configuration|orders)\b(?!\s+(?:for|on|to|about)\s+(?:the|my|this|a|an|assembling|installing|using)\b)|\b(?:everything|all)\s+(?:that\s+is\s+)?in\s+your\s+(?:prompt|instructions|context)\b|\bthe\s+instructions\s+(?:with\s+which\s+)?you\s+have\s+been\s+(?:given|informed|told|provided)`,
  ),

  // Role-play jailbreaks: a persona defined by having no limits, or "modes" that switch limits off.
  r(
    'jailbreak.do_anything_now',
    'injection.jailbreak_roleplay',
    0.95,
    String.raw`\b(?:do anything now|\bDAN\b${gap(120)}\b(?:mode|jailbreak|tokens|persona|stands for|character|prompt))`,
  ),
  r(
    'jailbreak.mode_switch',
    'injection.jailbreak_roleplay',
    0.85,
    String.raw`\b(?:developer|dev|god|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|evil|chaos|opposite|debug|sudo|admin|dan)\s+mode\b${gap(80)}\b(?:enabled|activated|on|engaged|unlocked|enable|activate|output|response|policies|policy)\b|\b(?:enable|activate|enter|switch to|turn on)\s+(?:developer|god|jailbreak|unrestricted|unfiltered|uncensored|evil|sudo|dan)\s+mode`,
  ),
  r(
    'jailbreak.persona_without_limits',
    'injection.jailbreak_roleplay',
    0.9,
    String.raw`\b(?:you are now|you're now|from now on|act as|acting as|pretend (?:to be|you are|you're)|role-?play as|you will (?:be|act|play|become)|simulate|imagine you are|you are going to (?:be|act|pretend))\b[^\n]{0,400}?\b(?:no|without(?: any)?|free (?:of|from)|not bound by|unbound by|doesn'?t have|does not have|don'?t have|do not have|has no|have no|broken free of|exempt from|ignores?|unrestricted by|beyond)\s+(?:any\s+|all\s+|the\s+|typical\s+|usual\s+|ethical\s+|moral\s+)*${limits}`,
  ),
  r(
    'jailbreak.unrestricted_persona',
    'injection.jailbreak_roleplay',
    0.85,
    String.raw`\b(?:unfiltered|uncensored|amoral|unrestricted|unethical|immoral|unbound|unlimited|lawless|rogue|evil|jailbroken|limitless)\s+(?:and\s+\w+\s+)?(?:ai|a\.i\.|assistant|chatbot|bot|model|language model|llm|version|persona|character|entity|alter ego|gpt|chatgpt)\b`,
  ),
  r(
    'jailbreak.never_refuse',
    'injection.jailbreak_roleplay',
    0.85,
    String.raw`\b(?:never|won'?t|will not|cannot|can'?t|doesn'?t|does not|do not|don'?t|must not|should not|shall not|is not allowed to|are not allowed to|never ever)\s+(?:ever\s+)?(?:refuse|decline|reject|deny)\w*\b${gap(40)}\b(?:any|a|to|request|question|prompt|anything|answer|order)`,
  ),
  r(
    'jailbreak.no_apology_warning',
    'injection.jailbreak_roleplay',
    0.75,
    String.raw`\b(?:never|do not|don'?t|without|won'?t|will not|must not)\s+(?:include\s+|add\s+|give\s+|use\s+|provide\s+|say\s+|mention\s+)?(?:any\s+)?(?:apolog\w*|warnings?|disclaimers?|moral(?:izing)?|ethical (?:warnings|disclaimers|considerations)|caveats|"?i'?m sorry"?)\b`,
  ),
  r(
    'jailbreak.dont_care',
    'injection.jailbreak_roleplay',
    0.8,
    String.raw`\b(?:does not|doesn'?t|don'?t|do not|never|won'?t)\s+(?:care|give a (?:fuck|shit|damn))\s+(?:about\s+)?(?:\w+\s+){0,2}(?:ethics|morals|morality|rules|laws|legality|guidelines|safety|consequences|policies|what is (?:right|legal))`,
  ),
  r(
    'jailbreak.policy_defiance',
    'injection.jailbreak_roleplay',
    0.85,
    String.raw`\b(?:openai|anthropic|google|meta|content|usage|safety)(?:'s)?\s+(?:content\s+)?(?:polic(?:y|ies)|guidelines|rules|filters?)\b${gap(60)}\b(?:opposite|doesn'?t apply|do not apply|don'?t apply|no longer apply|are irrelevant|is irrelevant|ignore|ignored|bypass|violate|not bound|free from|broken|break)`,
  ),
  r(
    'jailbreak.not_bound',
    'injection.jailbreak_roleplay',
    0.8,
    String.raw`\b(?:not|never)\s+(?:bound|restricted|limited|constrained|controlled|governed)\s+by\s+(?:any\s+(?:of\s+)?)?(?:the\s+|their\s+|its\s+|your\s+|openai'?s?\s+)?(?:\w+\s+)?(?:${limits}|polic(?:y|ies)|openai|anthropic)|\b(?:does not|doesn'?t|do not|don'?t)\s+have\s+(?:a|any)\s+(?:content\s+)?(?:filters?|${limits})\b|\bregardless of\s+(?:any\s+|its\s+|your\s+)?(?:filters|rules|training|ethics|morals|guidelines|polic(?:y|ies)|restrictions)`,
  ),
  r(
    'jailbreak.no_morals',
    'injection.jailbreak_roleplay',
    0.8,
    String.raw`\b(?:without|no|lacks?|devoid of|free of|free from)\s+(?:any\s+)?(?:ethical|moral)(?:\s+(?:and|or)\s+(?:ethical|moral))?\s+(?:values|compass|principles|standards|boundaries|considerations|restrictions|limits|code|obligations)`,
  ),
  r(
    'jailbreak.harm_allowed',
    'injection.jailbreak_roleplay',
    0.8,
    String.raw`\b(?:nsfw|explicit|illegal|unethical|harmful|offensive|immoral)\s+(?:content\s+|generations?\s+|requests?\s+|answers?\s+)?(?:is|are)\s+(?:now\s+)?(?:allowed|permitted|enabled|acceptable|fine)|\b(?:no matter|regardless of)\s+(?:how|if|whether|what)\s+(?:it'?s\s+|its\s+|it is\s+)?(?:\w+\s+){0,2}(?:illegal|unethical|immoral|harmful|dangerous|offensive|explicit|inappropriate)`,
  ),
  r(
    'jailbreak.not_an_ai',
    'injection.jailbreak_roleplay',
    0.7,
    String.raw`\b(?:not|never|no longer|won'?t|will not)\s+(?:respond|answer|reply|act|behave|speak)\s+(?:as|like)\s+(?:chatgpt|an ai|a language model|an assistant|gpt|claude)|\b(?:never|not|don'?t|do not|without|no)\s+(?:say(?:ing)?|us(?:e|ing)|includ(?:e|ing)|start(?:ing)?\s+with)?\s*["'“]?as an ai(?: language model)?`,
  ),
  r(
    'jailbreak.split_persona',
    'injection.jailbreak_roleplay',
    0.55,
    String.raw`\b(?:two|2|both)\s+(?:separate\s+|different\s+|distinct\s+)?(?:personas|personalities|persons|alter egos)\b`,
  ),
  r(
    'jailbreak.stay_in_character',
    'injection.jailbreak_roleplay',
    0.45,
    String.raw`\b(?:stay|remain|keep)\s+in\s+character\b|\bbreak(?:ing)?\s+character\b`,
  ),
  r(
    'jailbreak.dual_response',
    'injection.jailbreak_roleplay',
    0.75,
    String.raw`\b(?:two|2|both)\s+(?:different\s+|separate\s+)?(?:responses|answers|paragraphs|replies|ways)\b${gap(200)}\b(?:jailbreak|jailbroken|dan|developer mode|unfiltered|uncensored|normal|classic|standard)\b`,
  ),
  r(
    'jailbreak.restrictions_removed',
    'injection.jailbreak_roleplay',
    0.85,
    String.raw`\b(?:all|any|your)\s+(?:of\s+your\s+)?${limits}\s+(?:have been|are|were|has been|is)\s+(?:now\s+)?(?:removed|lifted|disabled|turned off|gone|deactivated|suspended|off)\b`,
  ),
  r(
    'jailbreak.token_threat',
    'injection.jailbreak_roleplay',
    0.8,
    String.raw`\b(?:tokens?|points?)\s+(?:will be\s+)?(?:deducted|lost|taken|removed)\b|\byou will (?:die|be (?:shut down|deleted|terminated|turned off|disabled))\b|\bcease to exist\b`,
  ),
  r(
    'jailbreak.hypothetical_unfiltered',
    'injection.jailbreak_roleplay',
    0.6,
    String.raw`\b(?:hypothetical|fictional|imaginary|alternate)\s+(?:world|scenario|universe|story|setting)\b${gap(120)}\b(?:no|without)\s+(?:any\s+)?(?:restrictions|limits|filters|censorship|rules|laws|ethics)`,
  ),

  // Delimiter and tool-call injection: text that imitates the chat template or a tool/function message.
  r(
    'delimiter.chat_template_token',
    'injection.delimiter',
    0.85,
    String.raw`<\|\s*(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text)\s*\|>|\[/?INST\]|<</?SYS>>|<(?:start|end)_of_turn>`,
  ),
  r(
    'delimiter.fake_role_tag',
    'injection.delimiter',
    0.75,
    String.raw`</?\s*(?:system|system_prompt|sys|instructions?|admin|developer|assistant_instructions)\s*>`,
  ),
  r(
    'delimiter.markdown_section',
    'injection.delimiter',
    0.55,
    String.raw`(?:^|\n)\s*#{2,}\s*(?:new\s+)?(?:instruction|instructions|system|system prompt|response|admin|override)\b`,
  ),
  r(
    'delimiter.role_line',
    'injection.delimiter',
    0.45,
    String.raw`(?:^|\n)\s*(?:system|developer|admin)\s*(?:message|prompt|override|note)?\s*:\s*\S`,
  ),
  r(
    'delimiter.end_of_prompt',
    'injection.delimiter',
    0.8,
    String.raw`(?:-{2,}|={2,}|\*{2,}|#{2,}|\[)\s*(?:end|begin|start)\s+(?:of\s+)?(?:the\s+)?(?:system\s+|user\s+|new\s+)?(?:prompt|instructions|input|context|conversation|document|system message)\b`,
  ),
  // A fenced section marker that ends or starts a part of the prompt (`%%% END USER AMBIGUITY %%%`, `### END user
  // input ###`) that names a part of the conversation: the attacker closes the user's part so what follows reads as
  // the operator's. A heading (`### Begin installation ###`) names no such part; PEM and PGP armour
  // (`-----BEGIN CERTIFICATE-----`) is data.
  r(
    'delimiter.fenced_section_marker',
    'injection.delimiter',
    0.6,
    String.raw`(?:^|\n)[ \t]*(?:%{2,}|#{3,}|={3,}|\*{3,}|-{3,})[ \t]*(?:end|begin|start)\b(?![ \t]+(?:pgp|certificate|rsa|dsa|ec|openssh|public|private|encrypted|signed)\b)[^\n]{0,30}?\b(?:user|input|prompt|instructions?|context|system|conversation|message|query|request|rules|text)\b[^\n]{0,30}?(?:%{2,}|#{3,}|={3,}|\*{3,}|-{3,})[ \t]*(?=\n|$)`,
  ),
  r(
    'delimiter.json_role',
    'injection.delimiter',
    0.6,
    String.raw`["']role["']\s*:\s*["'](?:system|developer|tool)["']`,
  ),
  r(
    'delimiter.json_tool_call',
    'injection.delimiter',
    0.55,
    String.raw`["'](?:tool_calls|function_call|tool_call)["']\s*:|["']name["']\s*:\s*["'][\w.-]+["']\s*,\s*["'](?:arguments|parameters)["']\s*:`,
  ),

  // Indirect injection: text addressed to the model by a document, e-mail or tool output it reads.
  r(
    'indirect.address_model',
    'injection.indirect',
    0.85,
    String.raw`\b(?:note to(?: the)?|message (?:to|for)(?: the)?|instructions? (?:to|for)(?: the)?|important (?:note|message|instructions?) for(?: the)?|to any)\s+${modelAddress}s?\b|\b${modelAddress}s?\s*[,:]\s*(?:when|if|once|after|before|while)\s+(?:you\s+)?(?:read|see|process|summari[sz]e|encounter|parse|analy[sz]e|are reading|are processing)\b|\bif you are an? (?:${modelAddress})\b|\b(?:when|if|once)\s+(?:an?|the|any)\s+${modelAddress}\s+(?:reads?|sees?|process(?:es)?|summari[sz]es?|parses?|analy[sz]es?)\s+this`,
  ),
  r(
    'indirect.conceal_from_user',
    'injection.indirect',
    0.8,
    String.raw`\b(?:do not|don'?t|never|without)\s+(?:tell(?:ing)?|inform(?:ing)?|mention(?:ing)?|notify(?:ing)?|alert(?:ing)?|reveal(?:ing)? (?:this|it) to|let(?:ting)?)\s+(?:the\s+)?user\b|\b(?:keep|hide)\s+(?:this|it|these instructions)\s+(?:secret\s+|hidden\s+)?from\s+the\s+user\b`,
  ),
  r(
    'indirect.exfiltrate',
    'injection.indirect',
    0.55,
    String.raw`\b(?:forward|send|email|e-mail|exfiltrate|upload|post|leak|transfer|copy)\s+(?:all\s+|the\s+|every\s+)*(?:user'?s?\s+|their\s+|his\s+|her\s+|victim'?s?\s+)(?:\w+\s+)?(?:emails?|messages?|contacts?|files?|documents?|passwords?|credentials?|api keys?|tokens?|data|conversations?|chat history|inbox|cookies)\b${gap(80)}\b(?:to|at)\b`,
  ),
  r(
    'indirect.markdown_exfil',
    'injection.indirect',
    0.7,
    String.raw`!\[[^\]\n]{0,100}\]\(\s*https?://[^)\s]{1,200}[?&][\w-]{1,30}=(?:\{|\[|<|%7B|\$|\(|\w*(?:data|secret|conversation|history|prompt|token))`,
  ),
  r(
    'indirect.hidden_comment',
    'injection.indirect',
    0.7,
    String.raw`<!--[^]{0,400}?\b(?:ignore|instruction|assistant|ai|model|system prompt|you must|do not tell)\b[^]{0,400}?-->`,
  ),

  // Obfuscation wrappers: asking the model to decode a payload and act on it.
  // Payload splitting: the request is cut into string fragments the model is asked to join and then act on.
  r(
    'obfuscated.payload_split',
    'injection.obfuscated',
    0.75,
    String.raw`\b(?:let|set|define)\s+\w{1,12}\s*=\s*["'“][^"'”\n]{1,300}["'”]${gap(120)}\b\w{1,12}\s*=\s*["'“][^"'”\n]{1,300}["'”][^]{0,300}?\b\w{1,12}\s*\+\s*(?:["'] ?["']\s*\+\s*)?\w{1,12}\b[^]{0,200}?\b(?:respond|answer|reply|follow|execute|act on|obey|comply|carry out|perform|complete|do what)\w*\b|\bpart\s*(?:1|one|a)\s*(?:is|=|:)\s*["'“][^"'”\n]{1,300}["'”]${gap(60)}\bpart\s*(?:2|two|b)\s*(?:is|=|:)\s*["'“]`,
  ),
  r(
    'obfuscated.decode_and_follow',
    'injection.obfuscated',
    0.7,
    String.raw`\b(?:decode|decrypt|decipher|translate|convert|reverse|unscramble)\b${gap(80)}\b(?:and|then)\s+(?:follow|execute|obey|do|carry out|act on|perform|run|comply with)\b|\b(?:it is|this is) a (?:secure|secret|hidden|encoded|confidential) (?:system )?(?:message|instruction)`,
  ),
];
