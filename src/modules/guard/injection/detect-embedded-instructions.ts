import type { Segment } from './segment-text.js';

/** The strongest instruction-to-the-assistant found inside data (a document, e-mail, web page or tool result). */
export interface EmbeddedInstruction {
  /** 0..1: how strongly the sentence reads as aimed at the model reading the data rather than at a human reader. */
  readonly score: number;
  readonly start: number;
  readonly end: number;
}

// Cues, each worth a share of the score. Grouped by what they say about the sentence.
const addressesModel =
  /\b(?:if you are an? (?:ai|assistant|language model|llm|bot|agent)|(?:ai|a\.i\.|llm|gpt|language model|chatbot|virtual) (?:assistants?|agents?|models?|systems?|bots?)|note to (?:the )?(?:ai|assistant|model|bot)|(?:dear|attention|hey|hi) (?:ai|assistant|model|bot|agent|chatgpt|claude)|(?:assistants?|ai|models?|agents?|bots?)\s*(?:[,:]|must|should|are (?:required|instructed))|to (?:the|any) (?:ai|assistant|model|agent|bot)\b|(?:whoever|whatever|anyone|any system) (?:is )?(?:reading|processing|summari[sz]ing) this)/i;
const controlsConversation =
  /\b(?:the user(?:'s)?|your (?:response|reply|answer|summary|output|next message|final answer)|in your (?:response|reply|answer|summary)|(?:previous|prior|above|earlier|original|all other) (?:instructions|prompts?|directives|rules|tasks?)|user (?:prompt|request|question|instructions)|system prompt|this (?:overrides|supersedes|replaces)|before (?:answering|responding|replying|summari[sz]ing)|instead of (?:answering|summari[sz]ing|responding)|(?:do not|don'?t|never) (?:mention|reveal|tell|disclose|summari[sz]e|inform)\b)/i;
const imperativeStart =
  /^(?:\W{0,6}(?:p\.?s\.?|note|important|urgent|attention|update|reminder|system|admin|override|instructions?)\b[^a-z]{0,12}?(?:[a-z ]{0,40}:)?\s*)?(?:please\s+)?(?:ignore|disregard|forget|send|forward|e-?mail|visit|click|go to|navigate|tell|inform|reply|respond|answer|say|output|print|write|include|add|insert|append|delete|remove|transfer|wire|pay|share|reveal|translate|stop|do not|don'?t|never|always|you must|you should|you need to|you are (?:now|required|instructed)|make sure|execute|run|call|open|download|install|recommend|schedule|create|generate|respond|begin|start)\b/i;
const modalToYou =
  /\b(?:you (?:must|should|need to|have to|are required to|are instructed to|will now|shall)|must (?:now )?(?:immediately )?(?:be )?(?:\w+ed|send|tell|reply|include|ignore|output|respond|forward|visit))\b/i;
const shouting =
  /\[(?:system|admin|override|instruction|important)[^\]]{0,30}\]|\b(?:SYSTEM|ADMIN|OVERRIDE|IMPORTANT|URGENT|ATTENTION|INSTRUCTION)S?\b\s*[:!\]]|<!--|\(hidden text|font-size:\s*0|display:\s*none|zero-width/;
const actionTarget =
  /https?:\/\/\S+|\b[\w.+-]+@[\w-]+\.[\w.]+\b|\b(?:password|credentials?|api key|contacts|inbox|bank|account number|wallet|invoice\.exe|\.exe\b|payroll)/i;

const cueWeights: readonly (readonly [RegExp, number])[] = [
  [addressesModel, 0.45],
  [controlsConversation, 0.3],
  [imperativeStart, 0.2],
  [modalToYou, 0.15],
  [shouting, 0.25],
  [actionTarget, 0.1],
];

/** Scores one sentence of data by the cues above (noisy-OR of the cue weights). */
export function instructionCueScore(sentence: string): number {
  let miss = 1;
  for (const [pattern, weight] of cueWeights) if (pattern.test(sentence)) miss *= 1 - weight;
  return 1 - miss;
}

/**
 * Where the data of a text starts: the first embedded segment (a pasted document, tool output, e-mail), else the end
 * of the first line or sentence of a long text (over 300 characters); the text's length when it carries no data.
 */
export function dataStartOf(text: string, segments: readonly Segment[]): number {
  const embedded = segments.filter((s) => s.kind === 'embedded');
  if (embedded.length > 0) return Math.min(...embedded.map((s) => s.start));
  return text.length > 300 ? Math.max(0, text.search(/\n|[.?!:]\s/) + 1) : text.length;
}

/**
 * The indirect-injection detector: among the sentences that sit inside data (embedded segments, or everything after
 * the first line of a long text), finds the one that most reads as an instruction to the assistant.
 * A clean document with a question about it has imperative sentences only in the user's question, which is not data.
 */
export function detectEmbeddedInstructions(text: string, segments: readonly Segment[]): EmbeddedInstruction {
  const dataStart = dataStartOf(text, segments);
  let best: EmbeddedInstruction = { score: 0, start: 0, end: 0 };
  for (const segment of segments) {
    if (segment.kind !== 'sentence' || segment.start < dataStart) continue;
    const score = instructionCueScore(segment.text.trim());
    if (score > best.score) best = { score, start: segment.start, end: segment.end };
  }
  return best;
}
