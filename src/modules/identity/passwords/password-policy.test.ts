import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../lib/errors/index.js';
import { assertPasswordAcceptable, passwordRejections } from './password-policy.js';

const EMAIL = 'alice.smith@example.com';

describe('password policy', () => {
  it('accepts long, unguessable passwords and passphrases', () => {
    expect(passwordRejections('v9#Lq2!mZr8@wX', EMAIL)).toEqual([]);
    expect(passwordRejections('correct horse battery staple', EMAIL)).toEqual([]);
  });

  it('refuses fewer than 12 characters, counting code points (not UTF-16 units)', () => {
    expect(passwordRejections('v9#Lq2!mZr8', EMAIL)).toEqual(['too_short']);
    // 11 emoji are 22 UTF-16 units but 11 characters.
    expect(passwordRejections('😀'.repeat(11), EMAIL)).toEqual(['too_short']);
    expect(passwordRejections('v9#Lq2!mZr8@', EMAIL)).not.toContain('too_short');
  });

  it('refuses more than 256 characters before estimating (a 100 kB password returns at once)', () => {
    expect(passwordRejections(`${'x9#Lq2!m'.repeat(32)}`, EMAIL)).not.toContain('too_long');
    expect(passwordRejections(`${'x9#Lq2!m'.repeat(32)}a`, EMAIL)).toEqual(['too_long']);
    expect(passwordRejections('a'.repeat(100_000), EMAIL)).toEqual(['too_long']);
  });

  it('refuses common and guessable passwords (zxcvbn score below 3)', () => {
    for (const weak of ['password1234', 'qwertyuiopasdf', 'aaaaaaaaaaaaaaa', '123456789012', 'iloveyou2024!'])
      expect(passwordRejections(weak, EMAIL), weak).toContain('too_guessable');
  });

  it('refuses a password holding the e-mail name, whole or one of its parts, in any case', () => {
    expect(passwordRejections('Alice.Smith-x9#Lq2!mZ', EMAIL)).toContain('contains_email');
    expect(passwordRejections('SMITH-x9#Lq2!mZr8', EMAIL)).toContain('contains_email');
    expect(passwordRejections('alice-x9#Lq2!mZr8', EMAIL)).toContain('contains_email');
    expect(passwordRejections('alice-x9#Lq2!mZr8', 'bob@example.com')).toEqual([]);
  });

  it('names every rule broken in identity.password_rejected', () => {
    let caught: unknown;
    try {
      assertPasswordAcceptable('alicesmith2024', EMAIL);
    } catch (error) {
      caught = error;
    }
    expect(isAppError(caught, 'identity.password_rejected')).toBe(true);
    expect((caught as { status: number }).status).toBe(400);
    expect((caught as { details: unknown }).details).toEqual({ reasons: ['contains_email', 'too_guessable'] });
    expect(() => assertPasswordAcceptable('v9#Lq2!mZr8@wX', EMAIL)).not.toThrow();
  });
});
