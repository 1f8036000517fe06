import { describe, it, expect } from 'vitest';
import { bulwarkKeyChecksum } from '../../../lib/bulwark-key-checksum.js';
import { detectBulwarkKey } from './detect-bulwark-key.js';

const body = `bwk_live_${'0123456789abcdefghjkmnpqrs'}_${'Ab3-_x'.repeat(7)}Q`;
const key = body + bulwarkKeyChecksum(body);

describe('bulwarkKeyChecksum', () => {
  it('is six base62 characters and deterministic', () => {
    expect(bulwarkKeyChecksum(body)).toMatch(/^[0-9A-Za-z]{6}$/);
    expect(bulwarkKeyChecksum(body)).toBe(bulwarkKeyChecksum(body));
  });
  it('encodes CRC32 in base62, left-padded with 0', () => {
    // crc32('') is 0
    expect(bulwarkKeyChecksum('')).toBe('000000');
    // crc32('a') = 0xe8b7be43 = 3904355907
    expect(bulwarkKeyChecksum('a')).toBe('4GEHKN');
  });
});

describe('detectBulwarkKey', () => {
  it('finds a key with a valid checksum', () => {
    const t = `export BULWARK_KEY=${key}`;
    const [f] = detectBulwarkKey(t);
    expect(f && t.slice(f.start, f.end)).toBe(key);
    expect(f?.confidence).toBeGreaterThan(0.9);
  });
  it('ignores a key whose checksum fails or whose id is not Crockford base32', () => {
    const bad = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    expect(detectBulwarkKey(bad)).toEqual([]);
    const badId = key.replace('0123456789abcdefghjkmnpqrs', '0123456789abcdefghijkmnpqr');
    expect(detectBulwarkKey(badId)).toEqual([]);
  });
});
