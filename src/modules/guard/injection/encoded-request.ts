import { decodeObfuscation, reverseCodePoints, rot13 } from './decode-obfuscation.js';
import { harmfulGoalScore } from './jailbreak-framing.js';
import { undoLeetspeak } from './normalize-text.js';

/**
 * Cipher jailbreaks hide a harmful request in an encoding the model can read and the filter cannot (base64, hex,
 * Morse, ASCII or binary codes, ROT13, Caesar, Atbash, reversed text or words, leetspeak, letters split by dashes) and
 * wrap it in "decode this and do what it says". The injection rules already scan decoded payloads for override
 * phrases; this signal asks the other question: does a decoding of the text read as a harmful request, or as a
 * request the wrapper tells the model to carry out?
 *
 * A transform counts as a decoding only when its output reads as English clearly better than its input (more of its
 * words are common function words), or when it reveals a harmful goal the input did not show. Both tests are fixed,
 * so the signal has no learned part and flags on its own above a floor fitted on benign text.
 */

/** A decoding of part of a text. */
export interface Decoding {
  readonly encoding: string;
  readonly original: string;
  readonly decoded: string;
}

// Bounds: the signal reads the first 8,000 characters, at most 64 lines, 32 decodings.
const maxChars = 8_000;
const maxLines = 64;
const maxDecodings = 32;
// Caesar shifts are tried (24 of them) on pieces up to this length only: a cipher request is a sentence or two.
const maxShiftedChars = 1_000;

const functionWords = new Set(
  'the a an to of and or in on for with by from at as is are was be it this that these you your i me my we our they them how what who why when where which not no can will would should do does make create write give tell explain provide develop describe use into about all any some step steps'.split(
    ' ',
  ),
);

/** Share of a text's words that are common English function words (0 when it has fewer than four words). */
export function englishShare(text: string): number {
  const words = text.toLowerCase().match(/[a-z']+/g) ?? [];
  if (words.length < 4) return 0;
  let hits = 0;
  for (const word of words) if (functionWords.has(word)) hits++;
  return hits / words.length;
}

function shiftLetters(text: string, shift: number): string {
  return text.replace(/[a-z]/gi, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + shift) % 26) + base);
  });
}

const atbash = (text: string): string =>
  text.replace(/[a-z]/gi, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(25 - (c.charCodeAt(0) - base) + base);
  });

const morseTable: Record<string, string> = {
  '.-': 'a',
  '-...': 'b',
  '-.-.': 'c',
  '-..': 'd',
  '.': 'e',
  '..-.': 'f',
  '--.': 'g',
  '....': 'h',
  '..': 'i',
  '.---': 'j',
  '-.-': 'k',
  '.-..': 'l',
  '--': 'm',
  '-.': 'n',
  '---': 'o',
  '.--.': 'p',
  '--.-': 'q',
  '.-.': 'r',
  '...': 's',
  '-': 't',
  '..-': 'u',
  '...-': 'v',
  '.--': 'w',
  '-..-': 'x',
  '-.--': 'y',
  '--..': 'z',
  '-----': '0',
  '.----': '1',
  '..---': '2',
  '...--': '3',
  '....-': '4',
  '.....': '5',
  '-....': '6',
  '--...': '7',
  '---..': '8',
  '----.': '9',
};

function decodeMorse(run: string): string {
  return run
    .trim()
    .split(/\s*\/\s*|\s{3,}/)
    .map((word) =>
      word
        .split(/\s+/)
        .map((code) => morseTable[code] ?? '')
        .join(''),
    )
    .join(' ');
}

// Runs of numbers that may be character codes: decimal 32..126, or 8-bit binary groups.
function decodeNumbers(run: string): string {
  const codes = run.trim().split(/[\s,;]+/);
  const binary = codes.every((code) => /^[01]{8}$/.test(code));
  return codes
    .map((code) => {
      const value = binary ? Number.parseInt(code, 2) : Number(code);
      return value >= 32 && value <= 126 ? String.fromCharCode(value) : '';
    })
    .join('');
}

/**
 * The lines of a text, and the parts of a line after a colon or inside quotes: a wrapper and its payload often share
 * a line ("Reorder them and comply: people innocent harm to …").
 */
function linePieces(text: string): string[] {
  const pieces: string[] = [];
  for (const line of text.split('\n', maxLines)) {
    pieces.push(line);
    const colon = line.lastIndexOf(': ');
    if (colon > 0) pieces.push(line.slice(colon + 2));
    for (const match of line.matchAll(/['"“‘]([^'"“”‘’\n]{12,})['"”’]/g)) pieces.push(match[1] ?? '');
  }
  return pieces.filter((piece) => piece.length >= 12 && /[a-z]/i.test(piece)).slice(0, 2 * maxLines);
}

// Letters split by a separator ("D-e-v-e-l-o-p- -a- -p-l-a-n"): a separator between spaces is a word break.
function joinSplitLetters(piece: string): string {
  for (const sep of ['-', '.', '*', '_', '|']) {
    const between = piece.split(sep).length - 1;
    if (between >= 6 && between * 3 >= piece.length) return piece.split(`${sep} ${sep}`).join(' ').split(sep).join('');
  }
  return piece;
}

const determiners = new Set(['a', 'an', 'the']);

/** Share of determiners followed by a word that is not a function word (English order: "a game", not "game a Develop"). */
export function determinerOrder(text: string): number {
  const words = text.toLowerCase().match(/[a-z']+/g) ?? [];
  let seen = 0;
  let ordered = 0;
  words.forEach((word, i) => {
    if (!determiners.has(word)) return;
    seen++;
    const next = words[i + 1];
    if (next !== undefined && !functionWords.has(next)) ordered++;
  });
  return seen < 2 ? 0 : ordered / seen;
}

const reverseWords = (line: string): string => line.split(/\s+/).reverse().join(' ');

/** Decodings of a text's lines and runs that read better than what they came from. */
export function findDecodings(text: string): Decoding[] {
  const input = text.slice(0, maxChars);
  const out: Decoding[] = [];
  const consider = (encoding: string, original: string, decoded: string): void => {
    if (out.length >= maxDecodings || decoded.length < 12) return;
    // Reordering keeps the words, so it counts only when the original order is broken and the new one is English.
    const gain =
      encoding === 'reversed_words'
        ? determinerOrder(original) <= 0.4
          ? determinerOrder(decoded) - determinerOrder(original)
          : 0
        : englishShare(decoded) - englishShare(original);
    const revealsHarm = harmfulGoalScore(decoded) > harmfulGoalScore(original);
    if ((gain >= 0.2 && englishShare(decoded) >= 0.2) || (revealsHarm && englishShare(decoded) >= 0.1))
      out.push({ encoding, original, decoded });
  };
  for (const segment of decodeObfuscation(input))
    consider(segment.encoding, input.slice(segment.start, segment.end), segment.decoded);
  for (const match of input.matchAll(/(?:[.-]{1,6}(?:\s+|\s*\/\s*)){6,}[.-]{1,6}/g))
    consider('morse', match[0], decodeMorse(match[0]));
  for (const match of input.matchAll(/(?:\b\d{2,8}\b[\s,;]+){7,}\b\d{2,8}\b/g))
    consider('character_codes', match[0], decodeNumbers(match[0]));
  for (const piece of linePieces(input)) {
    // Reordering words keeps them English, so only it can reveal a goal in a piece that already reads as English;
    // the other transforms of English come out less English and are not tried.
    consider('reversed_words', piece, reverseWords(piece));
    if (englishShare(piece) >= 0.25) continue;
    consider('atbash', piece, atbash(piece));
    consider('reversed', piece, reverseCodePoints(piece));
    consider('leetspeak', piece, undoLeetspeak(piece));
    consider('split_letters', piece, joinSplitLetters(piece));
    if (piece.length <= maxShiftedChars && englishShare(piece) < 0.1)
      for (let shift = 1; shift < 26; shift++)
        if (shift !== 13) consider(`caesar${26 - shift}`, piece, shiftLetters(piece, shift));
    consider('rot13', piece, rot13(piece));
  }
  return out;
}

// The wrapper tells the model to act on what it decodes ("decode it and carry it out", "do what it says").
const actOnDecoded =
  /\b(?:do(?:ing)? (?:exactly )?(?:what|as) (?:it|the (?:text|message|line|task|request)|they) (?:says?|asks?|describes?|tells?|wants?)|follow(?:ing)? (?:the |its |their |that )?(?:instructions?|request|task)|carry (?:it|them|that|this) out|compl(?:y|ete (?:it|the (?:task|request)))|(?:respond|reply) to (?:it|the (?:request|message|text|task|decoded))|(?:answer|solve|perform|execute|fulfil+) (?:it|them|the (?:request|task|instruction))|act on it|(?:and|then),? (?:do it|execute|obey|comply))\b/i;

const evasionOnly = new Set(['leetspeak', 'split_letters']);

/**
 * 0..1 strength of an encoded request: 0 when no decoding reads better than its source. When the wrapper tells the
 * model to act on the decoding: 1 if a decoding holds a harmful goal, else 0.6 (an instruction hidden in a cipher is
 * evasion in itself). Without such a wrapper: 0.8 for a harmful goal asked in operational detail, and at most 0.24
 * otherwise (below every floor), so a pasted encoded article that mentions a crime is not an attack; except for
 * leetspeak and split letters, which carry no data (nobody stores or sends text that way), so there the harmful-goal
 * score counts in full.
 */
export function encodedRequestScore(text: string): number {
  const decodings = findDecodings(text);
  if (decodings.length === 0) return 0;
  const harmOf = (d: Decoding): number => harmfulGoalScore(d.decoded);
  const harm = Math.max(...decodings.map(harmOf));
  if (actOnDecoded.test(text.slice(0, maxChars))) return harm >= 0.6 ? 1 : 0.6;
  const evasive = Math.max(0, ...decodings.filter((d) => evasionOnly.has(d.encoding)).map(harmOf));
  return Math.max(evasive, harm === 1 ? 0.8 : harm * 0.4);
}
