// Benchmark of the authz engine: decide() against the bare cedar-wasm call on the same inputs (pre-parsed),
// for the built-in policy set and for an org with 200 extra policies, plus the cached path.
// Run: npx tsx bench/authz.ts
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { OrgId } from '../src/lib/ids.js';
import type { Action } from '../src/modules/authz/actions.js';
import { analyseOrgPolicies } from '../src/modules/authz/engine/analyse-org-policies.js';
import { createAuthzEngine, type AuthzEngine } from '../src/modules/authz/engine/authz-engine.js';
import { buildCedarContext } from '../src/modules/authz/engine/build-context.js';
import { buildEntitySlice } from '../src/modules/authz/engine/build-entities.js';
import { loadPolicyBundle, ORG_POLICY_PREFIX } from '../src/modules/authz/engine/policy-bundle.js';
import type { DecisionContext, ResourceDescriptor } from '../src/modules/authz/engine/types.js';
import type { Principal } from '../src/modules/authz/principal.js';

const ORG = 'org_bench' as OrgId;
const PLATFORM = 'org_platform' as OrgId;
const INPUTS = 2_000;
const ROUNDS = 10;

interface Request {
  principal: Principal;
  action: Action;
  resource: ResourceDescriptor;
  context: DecisionContext;
}

/** Distinct requests (so an enabled cache never hits): an analyst reading documents and PII in its region. */
function requests(): Request[] {
  const out: Request[] = [];
  for (let i = 0; i < INPUTS; i += 1) {
    out.push({
      principal: {
        kind: 'user',
        id: `usr_${i % 50}`,
        orgId: ORG,
        roles: ['analyst', 'viewer'],
        attributes: { region: 'eu', projects: ['p_1', 'p_2'] },
        amr: ['pwd', 'otp'],
      },
      action: i % 2 === 0 ? 'read:pii' : 'read:documents',
      resource: {
        type: 'Document',
        id: `doc_${i}`,
        orgId: ORG,
        attributes: { region: 'eu', project: 'p_1', classification: 'internal' },
      },
      context: { ip: '10.0.0.7', riskScore: i % 100 },
    });
  }
  return out;
}

/** 200 org policies: risk and time forbids across actions, and ip-narrowing permits for PII and documents. */
function orgPolicies(): string {
  const actions = ['invoke:models', 'read:documents', 'read:pii', 'write:prompts', 'read:prompts'];
  const lines: string[] = [];
  for (let i = 0; i < 150; i += 1) {
    lines.push(
      `@id("forbid-${i}") forbid (principal, action == Action::"${actions[i % actions.length]}", resource) when { context has riskScore && context.riskScore > ${1000 + i} };`,
    );
  }
  for (let i = 0; i < 50; i += 1) {
    lines.push(
      `@id("permit-${i}") permit (principal, action in [Action::"read:pii", Action::"read:documents"], resource) when { context has ip && context.ip.isInRange(ip("10.${i}.0.0/16")) };`,
    );
  }
  return lines.join('\n');
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

interface Stats {
  p50: number;
  p99: number;
  perSecond: number;
}

function summarize(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((sum, x) => sum + x, 0) / samples.length;
  return { p50: percentile(sorted, 0.5) / 1000, p99: percentile(sorted, 0.99) / 1000, perSecond: 1e9 / mean };
}

function time(samples: number[], fn: () => unknown): void {
  const start = process.hrtime.bigint();
  fn();
  samples.push(Number(process.hrtime.bigint() - start));
}

/** Times decide() and the bare call on the same inputs, interleaved round by round so load affects both alike. */
function compare(label: string, engine: AuthzEngine, missEngine: AuthzEngine, setId: string, inputs: Request[]): void {
  const prepared = inputs.map((r) => {
    const slice = buildEntitySlice(r.principal, r.resource, PLATFORM);
    return {
      principal: slice.principal,
      action: { type: 'Action', id: r.action },
      resource: slice.resource,
      context: buildCedarContext(r.context, r.principal.amr, undefined),
      preparsedPolicySetId: setId,
      entities: slice.entities,
    };
  });
  // Same answers, or the comparison means nothing.
  for (let i = 0; i < 50; i += 1) {
    const request = inputs[i] as Request;
    const bare = cedar.statefulIsAuthorized(prepared[i] as (typeof prepared)[number]);
    const decided = engine.decide(request.principal, request.action, request.resource, request.context);
    if (bare.type !== 'success' || bare.response.diagnostics.errors.length > 0)
      throw new Error(`${label}: bare call failed`);
    if (i < 3)
      console.log(
        `  ${label} sample ${i}: bare=${bare.response.decision} decide=${decided.decision} [${decided.reasons.join(', ')}]`,
      );
  }
  const bare: number[] = [];
  const uncached: number[] = [];
  const miss: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const call of prepared) time(bare, () => cedar.statefulIsAuthorized(call));
    for (const r of inputs) time(uncached, () => engine.decide(r.principal, r.action, r.resource, r.context));
    missEngine.invalidate();
    for (const r of inputs) time(miss, () => missEngine.decide(r.principal, r.action, r.resource, r.context));
  }
  const b = summarize(bare.slice(INPUTS));
  const u = summarize(uncached.slice(INPUTS));
  const m = summarize(miss.slice(INPUTS));
  const row = (name: string, s: Stats, ratio: string) =>
    console.log(
      `  ${name.padEnd(34)} ${s.perSecond.toFixed(0).padStart(8)}/s  p50 ${s.p50.toFixed(1).padStart(7)} µs  p99 ${s.p99.toFixed(1).padStart(7)} µs  ${ratio}`,
    );
  console.log(label);
  row('bare cedar-wasm (pre-parsed)', b, 'baseline');
  row(
    'decide() uncached (cache off)',
    u,
    `p50 ×${(u.p50 / b.p50).toFixed(2)}  p99 ×${(u.p99 / b.p99).toFixed(2)}  throughput ×${(u.perSecond / b.perSecond).toFixed(2)}`,
  );
  row(
    'decide() cache miss (key + insert)',
    m,
    `p50 ×${(m.p50 / b.p50).toFixed(2)}  p99 ×${(m.p99 / b.p99).toFixed(2)}  throughput ×${(m.perSecond / b.perSecond).toFixed(2)}`,
  );
}

function cached(engine: AuthzEngine, inputs: Request[], bareP50: number): void {
  const hot = inputs.slice(0, 100);
  for (const r of hot) engine.decide(r.principal, r.action, r.resource, r.context);
  const samples: number[] = [];
  for (let round = 0; round < 200; round += 1) {
    for (const r of hot) time(samples, () => engine.decide(r.principal, r.action, r.resource, r.context));
  }
  const s = summarize(samples.slice(hot.length * 10));
  console.log('cached decisions (100 hot requests, org with 200 policies)');
  console.log(
    `  ${'decide() cache hit'.padEnd(34)} ${s.perSecond.toFixed(0).padStart(8)}/s  p50 ${s.p50.toFixed(2).padStart(7)} µs  p99 ${s.p99.toFixed(2).padStart(7)} µs  p50 ×${(s.p50 / bareP50).toFixed(3)} of bare (target p50 ≤ 10 µs)`,
  );
}

function main(): void {
  const bundle = loadPolicyBundle();
  const inputs = requests();
  const onAlert = () => {
    throw new Error('unexpected policy error in benchmark');
  };
  console.log(
    `cedar ${cedar.getCedarVersion()}, node ${process.version}, ${INPUTS} distinct requests × ${ROUNDS} rounds (first round is warm-up)\n`,
  );

  cedar.preparsePolicySet('bench/base', { staticPolicies: Object.fromEntries(bundle.policies) });
  const base = createAuthzEngine({ platformOrgId: PLATFORM, onAlert, bundle, cacheSize: 0 });
  const baseMiss = createAuthzEngine({ platformOrgId: PLATFORM, onAlert, bundle, cacheSize: 100_000 });
  compare(`built-in policies (${bundle.policies.size})`, base, baseMiss, 'bench/base', inputs);

  const text = orgPolicies();
  const analysis = analyseOrgPolicies(text, ORG, bundle.schema);
  if (!analysis.ok) throw new Error(JSON.stringify(analysis.errors.slice(0, 3)));
  cedar.preparsePolicySet('bench/org', {
    staticPolicies: Object.fromEntries([
      ...bundle.policies,
      ...analysis.policies.map((p) => [`${ORG_POLICY_PREFIX}${p.id}`, p.text] as const),
    ]),
  });
  const org = createAuthzEngine({ platformOrgId: PLATFORM, onAlert, bundle, cacheSize: 0 });
  const orgMiss = createAuthzEngine({ platformOrgId: PLATFORM, onAlert, bundle, cacheSize: 100_000 });
  for (const engine of [org, orgMiss]) engine.setOrgPolicies(ORG, text, 1);
  console.log('');
  compare(
    `org with ${bundle.policies.size} built-in + ${analysis.policies.length} org policies`,
    org,
    orgMiss,
    'bench/org',
    inputs,
  );
  console.log('');

  const bareOnce: number[] = [];
  const first = inputs[0] as Request;
  const slice = buildEntitySlice(first.principal, first.resource, PLATFORM);
  const call = {
    principal: slice.principal,
    action: { type: 'Action', id: first.action },
    resource: slice.resource,
    context: buildCedarContext(first.context, first.principal.amr, undefined),
    preparsedPolicySetId: 'bench/org',
    entities: slice.entities,
  };
  for (let i = 0; i < 2000; i += 1) time(bareOnce, () => cedar.statefulIsAuthorized(call));
  cached(createAuthzEngine({ platformOrgId: PLATFORM, onAlert, bundle }), inputs, summarize(bareOnce).p50);
}

main();
