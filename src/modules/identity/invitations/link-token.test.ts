import { describe, expect, it } from 'vitest';
import { hashLinkToken, newLinkToken } from './link-token.js';

describe('link tokens', () => {
  it('carry 256 random bits and are stored as their SHA-256', () => {
    const { token, hash } = newLinkToken();
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashLinkToken(token)).toBe(hash);
    expect(newLinkToken().token).not.toBe(token);
  });

  it('refuse anything that is not a token before it is looked up', () => {
    const { token } = newLinkToken();
    for (const bad of ['', token.slice(1), `${token}A`, `${token.slice(1)}.`, "x' OR 1=1 --"])
      expect(hashLinkToken(bad)).toBeUndefined();
  });
});
