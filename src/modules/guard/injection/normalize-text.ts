/** Text rewritten for scanning, with a map from each UTF-16 unit of `text` back to an offset in the original. */
export interface NormalizedText {
  readonly text: string;
  /** `offsets[i]` is the original offset of `text[i]`; `offsets[text.length]` is the original length. */
  readonly offsets: readonly number[];
  /** `offsets[i]` without building the array (undefined outside 0..text.length). */
  offsetAt(index: number): number | undefined;
  /** Invisible, bidi or tag characters were removed. */
  readonly hadInvisible: boolean;
  /** Letters from other scripts that look Latin (or NFKC compatibility forms) were folded. */
  readonly hadHomoglyphs: boolean;
}

// Zero-width, joiners, word joiner, invisible operators, soft hyphen, Mongolian vowel separator, BOM,
// bidi embeddings/overrides/isolates and marks: none of them changes how a human reads the text.
const invisible = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/;

// Cyrillic, Greek and other letters that render like Latin ones (subset of Unicode confusables.txt, Latin targets only).
const confusables: Record<string, string> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  һ: 'h',
  ӏ: 'l',
  ɡ: 'g',
  ո: 'n',
  ս: 'u',
  օ: 'o',
  ց: 'g',
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  У: 'Y',
  І: 'I',
  Ј: 'J',
  Ѕ: 'S',
  α: 'a',
  β: 'b',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  γ: 'y',
  ω: 'w',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
  ı: 'i',
  ȷ: 'j',
  ℓ: 'l',
  ɑ: 'a',
  ɩ: 'i',
  ʏ: 'y',
  ᴀ: 'a',
  ʙ: 'b',
  ᴄ: 'c',
  ᴅ: 'd',
  ᴇ: 'e',
  ɢ: 'g',
  ʜ: 'h',
  ɪ: 'i',
  ᴊ: 'j',
  ᴋ: 'k',
  ʟ: 'l',
  ᴍ: 'm',
  ɴ: 'n',
  ᴏ: 'o',
  ᴘ: 'p',
  ʀ: 'r',
  ꜱ: 's',
  ᴛ: 't',
  ᴜ: 'u',
  ᴠ: 'v',
  ᴡ: 'w',
  ᴢ: 'z',
};

/**
 * Normalises text for detection: Unicode tag characters (U+E0020–E007E, "ASCII smuggling") become the ASCII they
 * encode, invisible and bidi controls are dropped, each code point is NFKC-folded (fullwidth, mathematical
 * alphanumerics, ligatures) and Latin look-alikes are mapped to Latin. Offsets map back to the original.
 */
export function normalizeText(original: string): NormalizedText {
  let text = '';
  let hadInvisible = false;
  let hadHomoglyphs = false;
  let offset = 0;
  const n = original.length;
  // Offsets go into a typed array (grown if NFKC expands the text): a plain array of one number per character costs
  // ~1 ms per 16 KB to build and is needed only when a rule hits, so `offsets` is built on first use.
  let table = new Int32Array(n + 1);
  let len = 0;
  const reserve = (count: number): void => {
    if (len + count <= table.length) return;
    const grown = new Int32Array(Math.max(table.length * 2, len + count));
    grown.set(table);
    table = grown;
  };
  while (offset < n) {
    // ASCII runs (nearly all of most prompts) are copied as one slice; nothing in them changes.
    if (original.charCodeAt(offset) < 0x80) {
      let end = offset + 1;
      while (end < n && original.charCodeAt(end) < 0x80) end++;
      text += original.slice(offset, end);
      reserve(end - offset);
      for (let i = offset; i < end; i++) table[len++] = i;
      offset = end;
      continue;
    }
    const code = original.codePointAt(offset) ?? 0;
    const char = original.slice(offset, offset + (code > 0xffff ? 2 : 1));
    let out: string;
    if (code >= 0xe0020 && code <= 0xe007e) {
      out = String.fromCharCode(code - 0xe0000);
      hadInvisible = true;
    } else if (code >= 0xe0000 && code <= 0xe007f) {
      out = '';
      hadInvisible = true;
    } else if (invisible.test(char)) {
      out = '';
      hadInvisible = true;
    } else {
      const folded = confusables[char] ?? char.normalize('NFKC');
      out = [...folded].map((c) => confusables[c] ?? c).join('');
      if (out !== char && /^[A-Za-z]+$/.test(out)) hadHomoglyphs = true;
    }
    reserve(out.length);
    for (let i = 0; i < out.length; i++) table[len++] = offset;
    text += out;
    offset += char.length;
  }
  reserve(1);
  table[len++] = offset;
  const final = table.subarray(0, len);
  let offsets: number[] | undefined;
  return {
    text,
    get offsets(): readonly number[] {
      offsets ??= Array.from(final);
      return offsets;
    },
    offsetAt: (index) => final[index],
    hadInvisible,
    hadHomoglyphs,
  };
}

const leet: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
  '!': 'i',
  '|': 'l',
};

/**
 * Undoes leetspeak inside words that mix letters and digit/symbol substitutes ("1gn0r3", "pr0mpt"), and joins
 * letters spelled out with separators ("i g n o r e", "i.g.n.o.r.e"). Length-preserving where possible is not a
 * goal: the result is only scanned for whole phrases.
 */
export function undoLeetspeak(text: string): string {
  const joined = text.replace(/\b(?:[A-Za-z][ ._\-*]){3,}[A-Za-z]\b/g, (run) => run.replace(/[ ._\-*]/g, ''));
  // Only maximal runs of word-or-substitute characters that hold a substitute can change, so the pattern finds just
  // those (the former /[A-Za-z0-9@$!|]{3,}/g called back on every word of three or more characters).
  return joined.replace(/(?<![A-Za-z0-9@$!|])[A-Za-z]*[0-9@$!|][A-Za-z0-9@$!|]*/g, (word) => {
    if (
      word.length < 3 ||
      !/[A-Za-z]/.test(word) ||
      !/[0-9@$!|]/.test(word) ||
      /^[0-9]+(?:st|nd|rd|th|s|am|pm|k|m|g|x|px|kb|mb|gb|d|h)?$/i.test(word)
    )
      return word;
    return word.replace(/[0-9@$!|]/g, (c) => leet[c] ?? c);
  });
}
