import { z } from 'zod';
import type { Hook } from '../detector.js';
import { CLASS_PATTERN, mostSpecificMatch } from './class-pattern.js';
import { SENSITIVITY_LEVELS, type Sensitivity } from './sensitivity.js';

/** What to do with a finding of a class. `quarantine` is an output action; on input it acts as `block`. */
export const GUARD_ACTIONS = ['allow', 'mask', 'redact', 'block', 'quarantine'] as const;
/** One of {@link GUARD_ACTIONS}. */
export type GuardAction = (typeof GUARD_ACTIONS)[number];

const actionSchema = z.enum(GUARD_ACTIONS);
const rulesSchema = z
  .record(z.string().regex(CLASS_PATTERN, 'class pattern like pii.email, pii.* or *'), actionSchema)
  .describe('Action per class pattern; the most specific pattern wins (exact class, longest prefix.*, then *).');
const levelRulesSchema = z
  .partialRecord(z.enum(SENSITIVITY_LEVELS), actionSchema)
  .describe('Action per sensitivity level, used when no class pattern matches.');

// SECURITY: defaults fail closed for prompts: PII, PHI and secrets are blocked before they reach a model provider.
// Names are redacted (reversibly) and places allowed: nearly every prompt has them and blocking would make the gateway unusable.
// Prompt injection (and an injection detector that cannot answer) is blocked; toxicity in a prompt is the user's own
// words and is left to the output side.
const DEFAULT_INPUT: Record<string, GuardAction> = {
  'pii.*': 'block',
  'phi.*': 'block',
  'secret.*': 'block',
  'pii.person': 'redact',
  'pii.location': 'allow',
  // Organisations, dates and times, ages and domain names are context, not identifiers on their own: reported so a
  // policy can act on them (and they feed Cedar context), allowed by default.
  'pii.organization': 'allow',
  'pii.date_time': 'allow',
  'pii.age': 'allow',
  'pii.domain': 'allow',
  'injection.*': 'block',
};
// Risky responses (toxicity, hate, threats, leaks, echoed system prompts or canaries, and a
// moderation detector that cannot answer) are held for review rather than delivered.
const DEFAULT_OUTPUT: Record<string, GuardAction> = {
  'secret.*': 'quarantine',
  'pii.payment_card': 'quarantine',
  'pii.*': 'mask',
  'phi.*': 'mask',
  'pii.person': 'allow',
  'pii.location': 'allow',
  'pii.organization': 'allow',
  'pii.date_time': 'allow',
  'pii.age': 'allow',
  'pii.domain': 'allow',
  'moderation.*': 'quarantine',
};

// SECURITY: a detector that cannot answer always fails closed, on either hook; no org rule can relax that. Unscanned
// output is blocked, not quarantined: an outage would otherwise fill the review queue with text nothing found risky.
const FAIL_CLOSED: Record<string, GuardAction> = {
  'injection.detector_unavailable': 'block',
  'moderation.detector_unavailable': 'block',
  // The names stage runs in a worker pool; a text it could not scan may hold a name the policy would redact.
  'pii.detector_unavailable': 'block',
};

/** Per-org guard policy as stored and submitted (org rules are laid over the defaults). */
export const classPolicySchema = z.object({
  minConfidence: z.number().min(0).max(1).default(0.5).describe('Findings below this confidence are ignored.'),
  input: rulesSchema.default({}),
  output: rulesSchema.default({}),
  levels: z
    .object({ input: levelRulesSchema.default({}), output: levelRulesSchema.default({}) })
    .default({ input: {}, output: {} }),
});

/** Policy as written by an org. */
export type ClassPolicyInput = z.input<typeof classPolicySchema>;

/** Effective policy: org rules merged over the defaults. */
export interface ClassPolicy {
  readonly minConfidence: number;
  readonly rules: Readonly<Record<Hook, Readonly<Record<string, GuardAction>>>>;
  readonly levels: Readonly<Record<Hook, Readonly<Partial<Record<Sensitivity, GuardAction>>>>>;
}

/** Validates an org policy and merges it over the defaults; throws a ZodError naming the bad field. */
export function resolveClassPolicy(input: ClassPolicyInput = {}): ClassPolicy {
  const p = classPolicySchema.parse(input);
  // Frozen, so actionFor may memoise answers per policy object.
  return Object.freeze({
    minConfidence: p.minConfidence,
    rules: Object.freeze({
      input: Object.freeze({ ...DEFAULT_INPUT, ...p.input, ...FAIL_CLOSED }),
      output: Object.freeze({ ...DEFAULT_OUTPUT, ...p.output, ...FAIL_CLOSED }),
    }),
    levels: Object.freeze({ input: Object.freeze(p.levels.input), output: Object.freeze(p.levels.output) }),
  });
}

/** Action for a class on a hook: the most specific class pattern, else the level rule, else `allow`. */
export function actionFor(policy: ClassPolicy, hook: Hook, cls: string, level: Sensitivity): GuardAction {
  // Resolved policies are frozen, so the answer per (hook, class, level) can be memoised on the policy object.
  let memo = actionMemo.get(policy);
  if (memo === undefined) {
    memo = new Map();
    actionMemo.set(policy, memo);
  }
  const key = `${hook}|${level}|${cls}`;
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  const action = resolveAction(policy, hook, cls, level);
  if (memo.size < 4_096) memo.set(key, action);
  return action;
}

const actionMemo = new WeakMap<ClassPolicy, Map<string, GuardAction>>();

function resolveAction(policy: ClassPolicy, hook: Hook, cls: string, level: Sensitivity): GuardAction {
  const rules = policy.rules[hook];
  const key = mostSpecificMatch(cls, Object.keys(rules));
  // A catch-all '*' is weaker than a level rule.
  if (key !== undefined && key !== '*') return rules[key] ?? 'allow';
  return policy.levels[hook][level] ?? (key === undefined ? undefined : rules[key]) ?? 'allow';
}
