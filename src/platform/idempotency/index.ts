export {
  runOnce,
  type IdempotencyDeps,
  type IdempotencyKey,
  type IdempotentResponse,
  type RecordScope,
} from './run-once.js';
