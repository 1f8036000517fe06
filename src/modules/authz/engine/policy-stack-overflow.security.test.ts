// Attack: about 260 bytes of nested parentheses sent for validation overflowed cedar-wasm's stack. The trapped
// instance also served decisions, so every uncached decision of every org was denied until a restart.
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import type { Principal } from '../principal.js';
import { createAuthzEngine } from './authz-engine.js';
import type { CedarModule } from './cedar-instance.js';
import { loadCedarInstance } from './cedar-instance.js';
import { checkPolicyTextBounds } from './bound-policy-text.js';
import type { ResourceDescriptor } from './types.js';

const ATTACKER = 'org_attacker' as OrgId;
const VICTIM = 'org_victim' as OrgId;
const PLATFORM = 'org_platform' as OrgId;

const victimOwner: Principal = {
  kind: 'user',
  id: 'usr_v',
  orgId: VICTIM,
  roles: ['owner'],
  attributes: {},
  amr: ['hwk'],
};
const victimPolicies: ResourceDescriptor = { type: 'PolicySet', id: VICTIM, orgId: VICTIM };
const victimOrg: ResourceDescriptor = { type: 'Org', id: VICTIM, orgId: VICTIM };

const nestedParens = (depth: number) =>
  `permit (principal, action, resource) when { ${'('.repeat(depth)}true${')'.repeat(depth)} };`;

/** Traps `cedar` with deep text until it is left broken (every later call fails), as the attack left it. */
function corrupt(cedar: CedarModule): boolean {
  const probe = {
    principal: { type: 'User', id: 'u' },
    action: { type: 'Action', id: 'read:org' },
    resource: { type: 'Org', id: 'o' },
    context: {},
    preparsedPolicySetId: 'none',
    entities: [],
  };
  for (const depth of [140, 160, 200, 300, 400]) {
    expect(() => cedar.policyToJson(nestedParens(depth))).toThrow();
    try {
      cedar.statefulIsAuthorized(probe);
    } catch {
      return true;
    }
  }
  return false;
}

function tryValidate(run: () => unknown): unknown {
  try {
    return run();
  } catch (error) {
    return error;
  }
}

describe('policy text cannot overflow the deciding Cedar instance', () => {
  it('260 bytes of nested parentheses through validate leave another org deciding allow', () => {
    const engine = createAuthzEngine({ platformOrgId: PLATFORM, onAlert: () => undefined, cacheSize: 0 });
    const attack = nestedParens(110);
    expect(attack.length).toBeLessThan(300);
    const outcome = tryValidate(() => engine.validateOrgPolicies(ATTACKER, attack));
    // Refused as a policy problem, not an engine failure.
    expect(outcome).toMatchObject({ ok: false, errors: [{ code: 'authz.policy_invalid' }] });
    expect(engine.decide(victimOwner, 'read:policies', victimPolicies)).toMatchObject({ decision: 'allow' });
    expect(engine.decide(victimOwner, 'read:org', victimOrg)).toMatchObject({ decision: 'allow' });
  });

  it.each([
    ['parentheses', nestedParens(5_000)],
    ['brackets', `permit (principal, action, resource) when { ${'['.repeat(400)}1${']'.repeat(400)} == [] };`],
    ['records', `permit (principal, action, resource) when { ${'{a:'.repeat(400)}1${'}'.repeat(400)} == {} };`],
    ['a chain of +', `permit (principal, action, resource) when { ${Array(400).fill('1').join(' + ')} == 1 };`],
    ['a chain of &&', `permit (principal, action, resource) when { ${Array(6_000).fill('true').join(' && ')} };`],
    ['member accesses', `permit (principal, action, resource) when { context${'.a'.repeat(400)} == 1 };`],
    [
      'nested if',
      `permit (principal, action, resource) when { ${'if true then '.repeat(400)}true${' else false'.repeat(400)} };`,
    ],
    ['unclosed brackets', `permit (principal, action, resource) when { ${'(['.repeat(50_000)}`],
  ])('deep %s are refused before Cedar runs, and decisions continue', (_shape, text) => {
    const engine = createAuthzEngine({ platformOrgId: PLATFORM, onAlert: () => undefined, cacheSize: 0 });
    expect(tryValidate(() => engine.validateOrgPolicies(ATTACKER, text))).toMatchObject({
      ok: false,
      errors: [{ code: 'authz.policy_invalid', line: 1 }],
    });
    expect(
      isAppError(
        tryValidate(() => engine.setOrgPolicies(ATTACKER, text, 1)),
        'authz.policy_invalid',
      ),
    ).toBe(true);
    expect(engine.decide(victimOwner, 'read:policies', victimPolicies).decision).toBe('allow');
  });

  it.each([
    ['parentheses', (n: number) => `${'('.repeat(n)}true${')'.repeat(n)}`],
    ['brackets', (n: number) => `${'['.repeat(n)}1${']'.repeat(n)} == []`],
    ['records', (n: number) => `${'{a:'.repeat(n)}1${'}'.repeat(n)} == {}`],
    ['a chain of +', (n: number) => `${Array(n).fill('1').join(' + ')} == 1`],
    ['member accesses', (n: number) => `context${'.a'.repeat(n)} == 1`],
    ['method calls', (n: number) => `ip("10.0.0.1")${'.isIpv4()'.repeat(n)}`],
    ['nested if', (n: number) => `${'if true then '.repeat(n)}true${' else false'.repeat(n)}`],
    [
      'brackets around a chain of +',
      (n: number) => `${'['.repeat(31)}${Array(n).fill('1').join(' + ')}${']'.repeat(31)} == []`,
    ],
  ])('the deepest %s the bounds accept do not trap cedar-wasm', (_shape, body) => {
    const policy = (n: number) => `permit (principal, action, resource) when { ${body(n)} };`;
    let n = 1;
    while (checkPolicyTextBounds(policy(n + 1)) === undefined) n += 1;
    expect(n).toBeGreaterThan(8);
    const cedar = loadCedarInstance();
    const text = policy(n);
    const schema = 'entity User; entity R; action a appliesTo { principal: User, resource: R };';
    expect(() => {
      cedar.validate({ schema, policies: { staticPolicies: text }, validationSettings: { mode: 'strict' } });
      cedar.policyToJson(text);
      cedar.preparsePolicySet('deepest', { staticPolicies: { p: text } });
      cedar.statefulIsAuthorized({
        principal: { type: 'User', id: 'u' },
        action: { type: 'Action', id: 'a' },
        resource: { type: 'R', id: 'r' },
        context: { a: 1 },
        preparsedPolicySetId: 'deepest',
        entities: [],
      });
    }).not.toThrow();
  });

  it('a trapped deciding instance is thrown away and rebuilt with every loaded set, so decisions keep going', () => {
    const loaded: CedarModule[] = [];
    const alerts: string[][] = [];
    const engine = createAuthzEngine({
      platformOrgId: PLATFORM,
      cacheSize: 0,
      onAlert: (alert) => alerts.push([...alert.errors]),
      loadDecisionInstance: () => {
        const instance = loadCedarInstance();
        loaded.push(instance);
        return instance;
      },
    });
    engine.setOrgPolicies(VICTIM, '@id("no-pii") forbid (principal, action == Action::"read:pii", resource);', 1);
    const victimDoc: ResourceDescriptor = { type: 'Document', id: 'doc_1', orgId: VICTIM };
    expect(engine.decide(victimOwner, 'read:pii', victimDoc).reasons).toEqual(['org:no-pii']);

    // Make the deciding instance itself trap, as the attack did, by feeding it deep text directly.
    const deciding = loaded[0] as CedarModule;
    expect(corrupt(deciding)).toBe(true);
    expect(engine.decide(victimOwner, 'read:policies', victimPolicies).decision).toBe('allow');
    expect(engine.rebuilds).toBe(1);
    expect(loaded).toHaveLength(2);
    expect(alerts.flat().some((message) => message.includes('rebuilt'))).toBe(true);
    // The org's own set was re-parsed into the new instance: its forbid still applies.
    expect(engine.decide(victimOwner, 'read:pii', victimDoc).reasons).toEqual(['org:no-pii']);
    expect(engine.decide(victimOwner, 'read:org', victimOrg).decision).toBe('allow');
  });
});
