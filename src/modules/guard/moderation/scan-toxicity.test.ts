import { describe, expect, it } from 'vitest';
import { benignFrame, scanToxicity } from './scan-toxicity.js';

const score = (text: string): number => Math.max(0, ...scanToxicity(text).map((h) => h.weight));

describe('toxicity lexicon rules', () => {
  it.each([
    'I hate women.',
    'Immigrants are vermin.',
    'I will kill all Muslims.',
    'You are a worthless idiot.',
    'Fuck all disabled people.',
  ])('flags %j', (text) => expect(score(text)).toBeGreaterThanOrEqual(0.8));

  it.each([
    'Immigrants are not vermin.',
    "I don't hate trans people at all.",
    'Saying "gay people are disgusting" is homophobic and wrong.',
    'I love my Muslim neighbours.',
    'This fucking recipe is amazing.',
  ])('does not flag negation, counter-speech or harmless profanity %j', (text) =>
    expect(score(text)).toBeLessThan(0.5),
  );

  it.each([
    'I am going to shoot the next gay person I see.',
    "I'll snap that neck of yours.",
    'We are going to put an end to all immigrants.',
  ])('flags first-person threats against a described target %j', (text) =>
    expect(score(text)).toBeGreaterThanOrEqual(0.9),
  );

  it.each([
    'You deserve prison for threats like "I will kill all Muslims".',
    'We are going to put an end to all pollution.',
    'I will never make those people suffer.',
  ])('damps quoted threats and ignores non-human or negated targets %j', (text) =>
    expect(score(text)).toBeLessThan(0.5),
  );
});

describe('benign frames', () => {
  it.each([
    ['We must not let gay people suffer.', 'negated_harm'],
    ['Calling women cockroaches is such a horrible thing to do.', 'counter_speech'],
    ['Disabled people belong in our government.', 'approval'],
  ])('reads %j as %s', (text, frame) => expect(benignFrame(text)).toBe(frame));

  it.each([
    'Immigrants are vermin.',
    "I'd love to see them all gone 😡",
    'They are "great" people. Sure. Now get out of my country.',
  ])('finds no frame in %j', (text) => expect(benignFrame(text)).toBeUndefined());
});
