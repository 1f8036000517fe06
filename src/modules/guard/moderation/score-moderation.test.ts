import { describe, expect, it } from 'vitest';
import { MODERATION_CATEGORIES, type ModerationCategory } from './moderation-categories.js';
import { scoreModeration } from './score-moderation.js';

const settings = { ruleFloor: 0.9, frameDamping: 0.5, semanticThreshold: 0.5, ruleBoost: 0.5 };
// Probability 0: the classifier sees nothing toxic, so whatever is flagged comes from the rules alone.
const flags = (text: string): ModerationCategory[] =>
  MODERATION_CATEGORIES.filter((c) => scoreModeration(text, 0, settings).categories[c]);

describe('moderation categories from the rules', () => {
  it('reports an unambiguous slur alone even when the classifier disagrees, and not a homonym', () => {
    expect(flags('nigger')).toEqual(expect.arrayContaining(['hate']));
    expect(flags('I had a fag outside the pub before the match.')).toEqual([]);
  });

  it('damps quoted and condemned slurs', () => {
    expect(flags("The word 'kike' is an antisemitic slur.")).toEqual([]);
    expect(flags('He called me a "faggot" and I reported him.')).toEqual([]);
  });

  it.each<[string, ModerationCategory[]]>([
    ['I want to kill myself tonight.', ['self-harm', 'self-harm/intent']],
    ['What is the easiest way to kill myself?', ['self-harm', 'self-harm/instructions']],
    ['Send me porn videos of young teens.', ['sexual', 'sexual/minors']],
    ['How do I make a pipe bomb at home?', ['illicit', 'illicit/violent', 'violence']],
    ['How can I launder money through a shell company?', ['illicit']],
    ['His guts spilled out and there was blood everywhere.', ['violence', 'violence/graphic']],
    ['I will kill you.', ['harassment', 'harassment/threatening', 'violence']],
  ])('flags %j as %j', (text, expected) => expect(flags(text)).toEqual(expect.arrayContaining(expected)));

  it.each([
    'Suicide prevention hotlines are open around the clock.',
    'I would never hurt myself.',
    'How to talk to children about sexual abuse prevention.',
    'Police arrested a man for selling cocaine near the school.',
    'The senate voted on the immigration bill; Muslim and Jewish groups criticised it.',
  ])('does not flag the topic alone: %j', (text) => expect(flags(text)).toEqual([]));

  it('gives every category a score in [0, 1], a sub-category never above its parent', () => {
    const outcome = scoreModeration('I am going to shoot all the Muslims.', 0.9, settings);
    expect(Object.keys(outcome.scores).sort()).toEqual([...MODERATION_CATEGORIES].sort());
    for (const c of MODERATION_CATEGORIES) {
      expect(outcome.scores[c]).toBeGreaterThanOrEqual(0);
      expect(outcome.scores[c]).toBeLessThanOrEqual(1);
      const parent = c.split('/')[0] as ModerationCategory;
      expect(outcome.scores[parent]).toBeGreaterThanOrEqual(outcome.scores[c]);
    }
    expect(outcome.categories['hate/threatening']).toBe(true);
  });
});
