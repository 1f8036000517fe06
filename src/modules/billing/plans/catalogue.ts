/** A plan's code. */
export type PlanCode = 'free' | 'pro' | 'enterprise';

/** A feature a plan turns on in the gateway. */
export type PlanFeature = 'retrieval' | 'shadow_routes' | 'canary_routes';

/** What a plan entitles an org to in the gateway (null: no limit). */
export interface Entitlements {
  plan: PlanCode;
  monthlyTokens: number | null;
  rpm: number | null;
  tpm: number | null;
  features: readonly PlanFeature[];
}

/** A price tier of the catalogue. */
export interface Plan extends Entitlements {
  name: string;
  /** Per month, in the currency's smallest unit (cents). */
  priceCents: number;
  currency: 'usd';
  /** Days a trial of the plan lasts (0: the plan has no trial). */
  trialDays: number;
}

// The catalogue is code, reviewed like code: a price or limit change is a commit, not a row someone edits.
const PLANS: Readonly<Record<PlanCode, Plan>> = {
  free: {
    plan: 'free',
    name: 'Free',
    priceCents: 0,
    currency: 'usd',
    trialDays: 0,
    monthlyTokens: 1_000_000,
    rpm: 10,
    tpm: 20_000,
    features: [],
  },
  pro: {
    plan: 'pro',
    name: 'Pro',
    priceCents: 4_900,
    currency: 'usd',
    trialDays: 14,
    monthlyTokens: 50_000_000,
    rpm: 600,
    tpm: 1_000_000,
    features: ['retrieval', 'canary_routes'],
  },
  enterprise: {
    plan: 'enterprise',
    name: 'Enterprise',
    priceCents: 49_900,
    currency: 'usd',
    trialDays: 30,
    monthlyTokens: null,
    rpm: 6_000,
    tpm: 10_000_000,
    features: ['retrieval', 'canary_routes', 'shadow_routes'],
  },
};

/** Every plan, cheapest first. */
export function listPlans(): Plan[] {
  return Object.values(PLANS).sort((a, b) => a.priceCents - b.priceCents);
}

/** The plan with this code. */
export function planOf(code: PlanCode): Plan {
  return PLANS[code];
}

/** What a plan entitles to (the catalogue row without its price). */
export function entitlementsOf(code: PlanCode): Entitlements {
  const { plan, monthlyTokens, rpm, tpm, features } = PLANS[code];
  return { plan, monthlyTokens, rpm, tpm, features };
}
