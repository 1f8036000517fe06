export * from './ports.js';
// Metering: usage, quotas, rate limits, budgets, caps and the cost guard (G3).
export * from './metering/index.js';
