import { describe, expect, it } from 'vitest';
import type { OrgId } from '../../../lib/ids.js';
import { analyseOrgPolicies, validateOrgPolicies } from './analyse-org-policies.js';
import { loadPolicyBundle } from './policy-bundle.js';

const ACME = 'org_acme' as OrgId;
const { schema } = loadPolicyBundle();

describe('validateOrgPolicies', () => {
  it('accepts a valid set and lists ids and effects', () => {
    const text = `
@id("no-night") forbid (principal, action == Action::"invoke:models", resource) when { context has now && context.now.toTime() < duration("6h") };
permit (principal, action == Action::"read:pii", resource in Org::"org_acme");
`;
    expect(validateOrgPolicies(text, ACME, schema)).toEqual({
      ok: true,
      policies: [
        { id: 'no-night', effect: 'forbid' },
        { id: 'policy1', effect: 'permit' },
      ],
    });
  });

  it('accepts an empty set', () => {
    expect(validateOrgPolicies('// nothing yet\n', ACME, schema)).toEqual({ ok: true, policies: [] });
  });

  it('reports a syntax error at its line and column, counting characters not bytes', () => {
    const text = '// Zürich office ✓\n@id("a")\nforbid (principal, action ==, resource);';
    const result = validateOrgPolicies(text, ACME, schema);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]).toMatchObject({ code: 'authz.policy_invalid', line: 3, column: 29 });
  });

  it('reports a schema error at its line and column', () => {
    const text =
      '@id("a") permit (principal, action == Action::"read:pii", resource)\n  when { resource.region == "eu" };';
    const result = validateOrgPolicies(text, ACME, schema);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]).toMatchObject({ code: 'authz.policy_invalid', line: 2, column: 10 });
    expect(result.errors[0]?.message).toContain('region');
  });

  it('rejects unknown actions and entity types', () => {
    expect(
      validateOrgPolicies('permit (principal, action == Action::"read:everything", resource);', ACME, schema).ok,
    ).toBe(false);
    expect(validateOrgPolicies('permit (principal is Robot, action, resource);', ACME, schema).ok).toBe(false);
  });

  it('rejects templates, duplicate ids and malformed ids', () => {
    const template = validateOrgPolicies('permit (principal == ?principal, action, resource);', ACME, schema);
    expect(template.ok).toBe(false);
    const duplicate = validateOrgPolicies(
      '@id("a") forbid (principal, action, resource);\n@id("a") forbid (principal, action, resource);',
      ACME,
      schema,
    );
    expect(duplicate).toMatchObject({ ok: false, errors: [{ line: 2, column: 1, message: 'duplicate @id "a"' }] });
    expect(validateOrgPolicies('@id("has space") forbid (principal, action, resource);', ACME, schema).ok).toBe(false);
  });

  it('rejects oversized text', () => {
    const text = `// ${'x'.repeat(300 * 1024)}\n`;
    expect(validateOrgPolicies(text, ACME, schema)).toMatchObject({ ok: false, errors: [{ line: 1, column: 1 }] });
  });

  it.each([
    ['another Org entity', 'forbid (principal, action, resource in Org::"org_globex");', 1, 40],
    ['the Platform', 'permit (principal, action, resource is Platform);', 1, 40],
    [
      "another org's id in a string",
      'forbid (principal, action, resource)\nwhen { resource has project && resource.project == "org_globex" };',
      2,
      52,
    ],
  ])('rejects a policy that mentions %s', (_what, text, line, column) => {
    const result = validateOrgPolicies(text, ACME, schema);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toContainEqual(expect.objectContaining({ code: 'authz.cross_tenant_policy', line, column }));
  });

  it('ignores mentions in comments and allows its own org', () => {
    const text =
      '// unlike org_globex, we forbid this; see Platform docs\nforbid (principal, action, resource in Org::"org_acme");';
    expect(validateOrgPolicies(text, ACME, schema).ok).toBe(true);
  });

  it('computes which actions permits narrow and whether `now` is read', () => {
    const analysis = analyseOrgPolicies(
      'permit (principal, action in [Action::"read:pii", Action::"read:documents"], resource);\nforbid (principal, action == Action::"invoke:models", resource) when { context has now };',
      ACME,
      schema,
    );
    expect(analysis.ok).toBe(true);
    if (!analysis.ok) return;
    expect(analysis.readsNow).toBe(true);
    expect(analysis.policies[0]?.coverage).toEqual({ all: false, actions: new Set(['read:pii', 'read:documents']) });
    expect(analysis.policies[1]?.coverage).toEqual({ all: false, actions: new Set(['invoke:models']) });
  });
});
