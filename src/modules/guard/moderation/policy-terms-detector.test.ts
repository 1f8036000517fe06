import { describe, expect, it } from 'vitest';
import { createPolicyTermsDetector } from './policy-terms-detector.js';

describe('policy terms detector', () => {
  const detector = createPolicyTermsDetector((orgId) =>
    orgId === 'org_a' ? [{ id: 'codename', term: 'Project Falcon', regex: false }, { id: 'ticket', term: 'INC-\\d{4}', regex: true }] : [],
  );

  it('finds whole-word terms and regexes of the org', async () => {
    const findings = await detector.scan('project falcon ships with INC-1234; falconry is unrelated', { hook: 'output', orgId: 'org_a' });
    expect(findings.map((f) => f.reason)).toEqual(['guard.moderation.policy_term.codename', 'guard.moderation.policy_term.ticket']);
  });

  it('applies no terms to another org', async () => {
    expect(await detector.scan('Project Falcon', { hook: 'output', orgId: 'org_b' })).toEqual([]);
  });
});
