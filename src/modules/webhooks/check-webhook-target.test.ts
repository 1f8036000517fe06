import { describe, expect, it } from 'vitest';
import { isAppError } from '../../lib/errors/index.js';
import { checkWebhookUrl, isPublicAddress } from './check-webhook-target.js';
import { matchesEventFilter } from './event-type-filter.js';

describe('webhook targets', () => {
  it('knows public unicast from every non-public range', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111'])
      expect(isPublicAddress(address)).toBe(true);
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '255.255.255.255',
      '224.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'fd12::1',
      '::ffff:10.0.0.1',
      'not-an-ip',
    ])
      expect([address, isPublicAddress(address)]).toEqual([address, false]);
  });

  it('normalises an acceptable URL and lets tests use http on loopback only when allowed', () => {
    expect(checkWebhookUrl('https://Hooks.Example.com/a?b=1', { allowPrivateTargets: false })).toBe(
      'https://hooks.example.com/a?b=1',
    );
    expect(checkWebhookUrl('http://127.0.0.1:9/x', { allowPrivateTargets: true })).toBe('http://127.0.0.1:9/x');
    expect(() => checkWebhookUrl('http://127.0.0.1:9/x', { allowPrivateTargets: false })).toThrow();
    try {
      checkWebhookUrl('https://[::ffff:7f00:1]/', { allowPrivateTargets: false });
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, 'webhooks.endpoint_url_invalid')).toBe(true);
    }
  });
});

describe('event type filters', () => {
  it('matches exact types and prefixes', () => {
    expect(matchesEventFilter(['billing.*'], 'billing.payment.succeeded')).toBe(true);
    expect(matchesEventFilter(['billing.payment.*'], 'billing.payment.declined')).toBe(true);
    expect(matchesEventFilter(['billing.payment.succeeded'], 'billing.payment.declined')).toBe(false);
    expect(matchesEventFilter(['bill.*'], 'billing.payment.succeeded')).toBe(false);
    expect(matchesEventFilter(['dispute.*', 'alert.*'], 'billing.payment.succeeded')).toBe(false);
  });
});
