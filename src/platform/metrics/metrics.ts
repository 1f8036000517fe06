import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The Prometheus metrics of one node. */
export interface Metrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly authzDecisions: Counter<'decision' | 'action'>;
  readonly guardVerdicts: Counter<'hook' | 'verdict'>;
}

/** Creates a registry with process metrics, request latency, decisions, guard verdicts and the audit backlog. */
export function createMetrics(options: { auditPending: () => number }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'bulwark_' });
  const httpDuration = new Histogram({
    name: 'bulwark_http_request_duration_seconds',
    help: 'HTTP request latency by route template, method and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const authzDecisions = new Counter({
    name: 'bulwark_authz_decisions_total',
    help: 'Authorization decisions by outcome and action.',
    labelNames: ['decision', 'action'] as const,
    registers: [registry],
  });
  const guardVerdicts = new Counter({
    name: 'bulwark_guard_verdicts_total',
    help: 'Guard verdicts by hook and verdict.',
    labelNames: ['hook', 'verdict'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'bulwark_audit_buffer_pending_events',
    help: 'Audit events waiting for the next group commit.',
    registers: [registry],
    collect() {
      this.set(options.auditPending());
    },
  });
  return { registry, httpDuration, authzDecisions, guardVerdicts };
}
