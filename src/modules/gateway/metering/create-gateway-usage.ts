import type { Config } from '../../../config/index.js';
import type { Clock } from '../../../lib/clock.js';
import type { OrgId } from '../../../lib/ids.js';
import type { Db } from '../../../platform/db/index.js';
import type { CounterStore } from '../../../platform/rate-limit/index.js';
import type { AuditLog } from '../../audit/index.js';
import type { AuthzEngine } from '../../authz/index.js';
import type { CostGuardRule } from './cost-guard.js';
import { RateWindows } from './rate-windows.js';
import { DbUsageMeter } from './usage-meter.js';
import { GatewayUsageService } from './usage-service.js';

/** Settings of metering (config `gatewayUsage`). */
export interface GatewayUsageSettings {
  costGuard: CostGuardRule;
  staleReservationSeconds: number;
  /** Namespace of the RPM/TPM counters in Redis. */
  keyPrefix: string;
}

/** The meter the gateway pipeline calls, and the use cases the usage routes call. */
export interface GatewayUsage {
  meter: DbUsageMeter;
  service: GatewayUsageService;
}

/** Builds the meter and the usage use cases on one counter store (in process, or Redis shared by every node). */
export function createGatewayUsage(deps: {
  db: Db;
  audit: AuditLog;
  clock: Clock;
  counterStore: CounterStore;
  platformOrgId: OrgId;
  settings: GatewayUsageSettings;
  /** Decides whether a principal may raise spend limits (`bill:payments`); without it only system callers may. */
  engine?: Pick<AuthzEngine, 'decide'>;
}): GatewayUsage {
  const rates = new RateWindows(deps.counterStore, deps.settings.keyPrefix);
  return {
    meter: new DbUsageMeter({
      db: deps.db,
      audit: deps.audit,
      clock: deps.clock,
      rates,
      costGuard: deps.settings.costGuard,
      staleReservationSeconds: deps.settings.staleReservationSeconds,
    }),
    service: new GatewayUsageService({
      db: deps.db,
      audit: deps.audit,
      clock: deps.clock,
      platformOrgId: deps.platformOrgId,
      ...(deps.engine ? { engine: deps.engine } : {}),
    }),
  };
}

/** Metering settings from the configuration (`gatewayUsage`, and `authThrottle.keyPrefix` for the Redis namespace). */
export function gatewayUsageSettings(config: Pick<Config, 'gatewayUsage' | 'authThrottle'>): GatewayUsageSettings {
  const c = config.gatewayUsage;
  return {
    costGuard: {
      windowSeconds: c.costGuardWindowSeconds,
      baselineSeconds: c.costGuardBaselineSeconds,
      factor: c.costGuardFactor,
      floorMicros: c.costGuardFloorMicros,
    },
    staleReservationSeconds: c.staleReservationSeconds,
    keyPrefix: config.authThrottle.keyPrefix,
  };
}
