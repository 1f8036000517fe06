export { createAuthThrottle, throttleSource, type AuthThrottle, type AuthThrottleLimits } from './auth-throttle.js';
export { createFailureLimiter, type CounterStore, type FailureLimiter, type FailureRule } from './failure-limiter.js';
