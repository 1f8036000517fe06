import type { GuardFinding } from '../../guard/index.js';
import type { AuthzEngine, Decision, DecisionContext, Principal } from '../../authz/index.js';
import type { ResolvedModel } from '../ports.js';

// Classes whose data reaches the model are what policy decides on: a class the guard masked or redacted does not
// leave, one it allowed does. Only data-bearing kinds count (PII, PHI, secrets); injection and moderation findings
// are the guard's business, not a data class a model may be cleared for.
const DATA_KINDS: ReadonlySet<string> = new Set(['pii', 'phi', 'secret']);

function kindOf(cls: string): string {
  const dot = cls.indexOf('.');
  return dot === -1 ? cls : cls.slice(0, dot);
}

/**
 * The Cedar context of a model call: the guard's findings (`findings`: every class found), the data classes that
 * reach the model unmasked (`dataClasses`) and their kinds (`dataKinds`), and the model's attributes
 * (`model`, `modelProvider`, `modelRegion`, `modelDataClassesAllowed`).
 */
export function modelCallContext(
  model: ResolvedModel,
  findings: readonly GuardFinding[],
  ip: string,
  /** Classes a second look found in the exact text that goes upstream (see gateway-service.ts). */
  upstreamClasses: readonly string[] = [],
): DecisionContext {
  const sent = findings.filter((f) => f.action === 'allow' && DATA_KINDS.has(kindOf(f.class))).map((f) => f.class);
  sent.push(...upstreamClasses.filter((c) => DATA_KINDS.has(kindOf(c))));
  const dataClasses = [...new Set(sent)].sort();
  return {
    ip,
    model: model.name,
    modelProvider: model.attributes.provider,
    modelRegion: model.attributes.region,
    modelDataClassesAllowed: [...new Set(model.attributes.dataClassesAllowed)].sort(),
    findings: [...new Set(findings.map((f) => f.class))].sort(),
    dataClasses,
    dataKinds: [...new Set(dataClasses.map(kindOf))].sort(),
  };
}

/** Cedar's decision on `invoke:models` for this model, with the guard's findings and the model's attributes. */
export function decideModelCall(
  engine: AuthzEngine,
  principal: Principal,
  model: ResolvedModel,
  findings: readonly GuardFinding[],
  ip: string,
  upstreamClasses: readonly string[] = [],
): Decision {
  return engine.decide(
    principal,
    'invoke:models',
    {
      type: 'Model',
      id: model.name,
      orgId: principal.orgId,
      attributes: { region: model.attributes.region },
    },
    modelCallContext(model, findings, ip, upstreamClasses),
  );
}
