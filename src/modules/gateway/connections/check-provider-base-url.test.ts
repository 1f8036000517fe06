import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../lib/errors/index.js';
import { checkProviderBaseUrl, isLoopbackHost } from './check-provider-base-url.js';

const prod = { requireHttps: true };
const dev = { requireHttps: false };
const refused = (url: string, rules = prod) => {
  try {
    checkProviderBaseUrl(url, rules);
    return false;
  } catch (error) {
    return isAppError(error, 'gateway.provider_config_invalid');
  }
};

describe('checkProviderBaseUrl', () => {
  it('normalises trailing slashes and keeps the path', () => {
    expect(checkProviderBaseUrl('https://api.openai.com/v1/', prod)).toBe('https://api.openai.com/v1');
    expect(checkProviderBaseUrl('https://llm.internal.example', prod)).toBe('https://llm.internal.example');
  });

  it('production: https required, except to loopback', () => {
    expect(refused('http://llm.example.com/v1')).toBe(true);
    expect(refused('http://10.0.0.5:8000/v1')).toBe(true);
    expect(checkProviderBaseUrl('http://127.0.0.1:11434/v1', prod)).toBe('http://127.0.0.1:11434/v1');
    expect(checkProviderBaseUrl('http://localhost:1234/v1', prod)).toBe('http://localhost:1234/v1');
    expect(checkProviderBaseUrl('http://[::1]:8000', prod)).toBe('http://[::1]:8000');
    expect(checkProviderBaseUrl('http://llm.example.com/v1', dev)).toBe('http://llm.example.com/v1');
  });

  it('refuses credentials, queries, fragments and other schemes', () => {
    expect(refused('https://user:secret@api.example.com', dev)).toBe(true);
    expect(refused('https://key@api.example.com', dev)).toBe(true);
    expect(refused('https://api.example.com/v1?api_key=x', dev)).toBe(true);
    expect(refused('https://api.example.com/v1#x', dev)).toBe(true);
    expect(refused('file:///etc/passwd', dev)).toBe(true);
    expect(refused('not a url', dev)).toBe(true);
  });

  it('knows loopback hosts', () => {
    expect(['localhost', '127.0.0.1', '127.9.9.9', '[::1]', 'a.localhost'].map(isLoopbackHost)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['128.0.0.1', 'localhost.example.com', '::2', '0.0.0.0'].map(isLoopbackHost)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
