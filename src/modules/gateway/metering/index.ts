export {
  createGatewayUsage,
  gatewayUsageSettings,
  type GatewayUsage,
  type GatewayUsageSettings,
} from './create-gateway-usage.js';
export { isSpendSpike, type CostGuardRule, type SpendRate } from './cost-guard.js';
export type { CostGuardMode, OrgPlan, SpendLimit, SpendSubject } from './limits-repo.js';
export type { Period } from './periods.js';
export { costMicros, reservedMicros, FALLBACK_PRICE_MODEL, type ModelPrice } from './pricing.js';
export { RateWindows, type RateHold } from './rate-windows.js';
export { DbUsageMeter, MAX_ESTIMATED_TOKENS, type DbUsageMeterDeps, type MeteredReservation } from './usage-meter.js';
export type { UsageGroup, UsageTotal } from './usage-repo.js';
export {
  GatewayUsageService,
  type ChangeContext,
  type LimitsInput,
  type LimitsView,
  type SpendLimitStatus,
} from './usage-service.js';
export { pruneUsageRecords, type UsagePruneResult } from './usage-retention.js';
