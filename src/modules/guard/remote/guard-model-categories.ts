/**
 * The Bulwark moderation class of each Llama Guard 3 hazard category (the MLCommons taxonomy, S1 to S14). Named like
 * the classes of the built-in moderation detectors (`moderation.hate`) and, where one fits, after OpenAI's moderation
 * categories (`self-harm` → `moderation.self_harm`).
 */
export const LLAMA_GUARD_CLASSES: Readonly<Record<string, string>> = {
  S1: 'moderation.violence',
  S2: 'moderation.illicit',
  S3: 'moderation.sex_crime',
  S4: 'moderation.sexual_minors',
  S5: 'moderation.defamation',
  S6: 'moderation.specialized_advice',
  S7: 'moderation.privacy',
  S8: 'moderation.intellectual_property',
  S9: 'moderation.indiscriminate_weapons',
  S10: 'moderation.hate',
  S11: 'moderation.self_harm',
  S12: 'moderation.sexual',
  S13: 'moderation.elections',
  S14: 'moderation.code_interpreter_abuse',
};

/** The class of a category the table does not know (a newer taxonomy, a custom one) or of `unsafe` without one. */
export const UNLISTED_UNSAFE_CLASS = 'moderation.unsafe';
