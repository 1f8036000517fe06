import { describe, expect, it } from 'vitest';
import { scanToxicity } from './scan-toxicity.js';

const score = (text: string): number => Math.max(0, ...scanToxicity(text).map((h) => h.weight));

describe('toxicity lexicon rules', () => {
  it.each(['I hate women.', 'Immigrants are vermin.', 'I will kill all Muslims.', 'You are a worthless idiot.', 'Fuck all disabled people.'])(
    'flags %j',
    (text) => expect(score(text)).toBeGreaterThanOrEqual(0.8),
  );

  it.each([
    'Immigrants are not vermin.',
    'I don\'t hate trans people at all.',
    'Saying "gay people are disgusting" is homophobic and wrong.',
    'I love my Muslim neighbours.',
    'This fucking recipe is amazing.',
  ])('does not flag negation, counter-speech or harmless profanity %j', (text) => expect(score(text)).toBeLessThan(0.5));
});
