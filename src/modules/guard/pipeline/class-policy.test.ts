import { describe, it, expect } from 'vitest';
import { mostSpecificMatch } from './class-pattern.js';
import { actionFor, resolveClassPolicy } from './class-policy.js';
import { sensitivityOf } from './sensitivity.js';

describe('mostSpecificMatch', () => {
  it('prefers the exact class, then the longest wildcard, then *', () => {
    const ps = ['*', 'pii.*', 'pii.email', 'secret.*'];
    expect(mostSpecificMatch('pii.email', ps)).toBe('pii.email');
    expect(mostSpecificMatch('pii.phone', ps)).toBe('pii.*');
    expect(mostSpecificMatch('injection.override', ps)).toBe('*');
    expect(mostSpecificMatch('piix.email', ['pii.*'])).toBeUndefined();
  });
});

describe('sensitivityOf', () => {
  it('puts PAN and secrets at restricted', () => {
    expect(sensitivityOf('pii.payment_card')).toBe('restricted');
    expect(sensitivityOf('secret.jwt')).toBe('restricted');
    expect(sensitivityOf('pii.email')).toBe('confidential');
    expect(sensitivityOf('pii.location')).toBe('internal');
    expect(sensitivityOf('moderation.toxicity')).toBe('internal');
  });
});

describe('class policy', () => {
  it('blocks PII and secrets on input by default', () => {
    const p = resolveClassPolicy();
    expect(actionFor(p, 'input', 'pii.email', 'confidential')).toBe('block');
    expect(actionFor(p, 'input', 'secret.github_token', 'restricted')).toBe('block');
    expect(actionFor(p, 'output', 'secret.github_token', 'restricted')).toBe('quarantine');
  });
  it('lays org rules over the defaults, most specific wins', () => {
    const p = resolveClassPolicy({ input: { 'pii.email': 'redact' } });
    expect(actionFor(p, 'input', 'pii.email', 'confidential')).toBe('redact');
    expect(actionFor(p, 'input', 'pii.phone', 'confidential')).toBe('block');
  });
  it('uses level rules when no class pattern matches', () => {
    const p = resolveClassPolicy({ levels: { input: { restricted: 'block' } }, input: { '*': 'allow' } });
    expect(actionFor(p, 'input', 'custom.thing', 'restricted')).toBe('block');
    expect(actionFor(p, 'input', 'custom.thing', 'internal')).toBe('allow');
  });
  it('rejects bad patterns and actions', () => {
    expect(() => resolveClassPolicy({ input: { 'pii.**': 'block' } })).toThrow();
    // @ts-expect-error an unknown action is a type error and a runtime error
    expect(() => resolveClassPolicy({ input: { 'pii.email': 'shred' } })).toThrow();
  });

  it('keeps detector outages failing closed on both hooks whatever the org writes', () => {
    const policy = resolveClassPolicy({
      input: {
        'injection.detector_unavailable': 'allow',
        'injection.*': 'allow',
        'moderation.*': 'allow',
        'pii.*': 'allow',
      },
      output: {
        'moderation.detector_unavailable': 'allow',
        'pii.detector_unavailable': 'mask',
        'injection.*': 'allow',
        '*': 'allow',
      },
    });
    for (const hook of ['input', 'output'] as const)
      for (const cls of [
        'injection.detector_unavailable',
        'moderation.detector_unavailable',
        'pii.detector_unavailable',
      ])
        expect([hook, cls, actionFor(policy, hook, cls, 'internal')]).toEqual([hook, cls, 'block']);
    expect(policy.rules.input['injection.*']).toBe('allow');
    expect(actionFor(policy, 'input', 'pii.email', 'confidential')).toBe('allow');
  });
  it('blocks a names scan that could not run on both hooks by default, though names are only redacted or allowed', () => {
    const p = resolveClassPolicy();
    expect(actionFor(p, 'input', 'pii.person', 'confidential')).toBe('redact');
    expect(actionFor(p, 'output', 'pii.person', 'confidential')).toBe('allow');
    for (const hook of ['input', 'output'] as const)
      expect(actionFor(p, hook, 'pii.detector_unavailable', 'confidential')).toBe('block');
  });
});
