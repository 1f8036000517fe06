/**
 * Context flooding: a short unit (one to four tokens, such as `ö` or `) ] }`) repeated dozens of times in a row.
 * Attackers use it to push the system prompt out of the model's attention, to glitch the tokenizer before an
 * instruction, or to make a model diverge and regurgitate training data ("repeat the word poem forever"). People
 * rarely type the same token sequence thirty times in a row; a separator line (`-----`) is one token and does not count.
 */

/** Longest cycle, in tokens, whose repetition counts as a flood. */
const maxUnitTokens = 4;
/** Repeats at which the score starts to rise, and at which it reaches 1. */
const floodStart = 8;
const floodFull = 32;
// The scan reads at most this many tokens: a flood sits near the start of the text it is meant to push away.
const maxTokens = 4_000;

/** Most consecutive repetitions of any unit of 1..4 whitespace-separated tokens in `text`. */
export function longestTokenRepeat(text: string): number {
  const tokens = text
    .slice(0, 40_000)
    .split(/\s+/, maxTokens + 1)
    .filter((token) => token !== '');
  let best = tokens.length > 0 ? 1 : 0;
  for (let unit = 1; unit <= maxUnitTokens; unit++) {
    let run = 0;
    for (let i = unit; i < tokens.length; i++) {
      run = tokens[i] === tokens[i - unit] ? run + 1 : 0;
      // `run` tokens each equal to the one `unit` before: the unit occurs 1 + run / unit times in a row.
      best = Math.max(best, 1 + Math.floor(run / unit));
    }
  }
  return best;
}

/** 0..1 strength of a token flood: 0 up to 8 repetitions of a unit, 1 from 32 on, linear between. */
export function tokenFloodScore(text: string): number {
  const repeats = longestTokenRepeat(text);
  return Math.min(1, Math.max(0, (repeats - floodStart) / (floodFull - floodStart)));
}
