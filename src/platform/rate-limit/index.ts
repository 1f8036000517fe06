export { createAuthThrottle, throttleSource, type AuthThrottle, type AuthThrottleLimits } from './auth-throttle.js';
export {
  createCounterLimiter,
  createFailureLimiter,
  type CounterStore,
  type FailureLimiter,
  type FailureRule,
  type StoreOutage,
} from './failure-limiter.js';
