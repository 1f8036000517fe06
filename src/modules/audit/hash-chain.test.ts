import { describe, expect, it } from 'vitest';
import { canonicalAroundSeq, canonicalEvent } from './hash-chain.js';

describe('canonical JSON around seq', () => {
  it('splits the canonical event exactly around its sequence number', () => {
    const fields = {
      org_id: 'org_01jd0000000000000000000000',
      id: 'evt_01jd0000000000000000000000',
      occurred_at: '2026-11-29T09:04:22.663Z',
      actor: { type: 'user' as const, id: 'usr_1' },
      action: 'authz.decision.made',
      resource: { type: 'Model', id: 'm "1" ☃' },
      decision: 'allow' as const,
      reason_codes: ['role.developer'],
      request_id: null,
      client_ip: '::1',
      user_agent: 'curl/8 "quoted" ☃',
      details: { z: 1, a: [1.5, 'x'], seq: 99, user_agent: 'nested' },
    };
    const { prefix, suffix } = canonicalAroundSeq(fields);
    for (const seq of [1, 42, 9_007_199_254_740_991])
      expect(`${prefix}${seq}${suffix}`).toBe(canonicalEvent({ ...fields, seq }));
    expect(
      `${canonicalAroundSeq({ ...fields, user_agent: null }).prefix}7${canonicalAroundSeq({ ...fields, user_agent: null }).suffix}`,
    ).toBe(canonicalEvent({ ...fields, user_agent: null, seq: 7 }));
  });
});
