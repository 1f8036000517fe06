import { describe, it, expect } from 'vitest';
import { stripSecrets } from './strip-secrets.js';

describe('stripSecrets', () => {
  it('replaces secrets with class markers and reports spans into the original', () => {
    const token = `ghp_${'aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY'}1234`;
    const input = `use ${token} to push`;
    const { text, findings } = stripSecrets(input);
    expect(text).toBe('use [SECRET_REDACTED:secret.github_token] to push');
    expect(findings).toHaveLength(1);
    expect(input.slice(findings[0]?.start, findings[0]?.end)).toBe(token);
    expect(JSON.stringify(findings)).not.toContain(token);
  });
  it('leaves clean text untouched', () => {
    expect(stripSecrets('nothing secret here')).toEqual({ text: 'nothing secret here', findings: [] });
  });
});
