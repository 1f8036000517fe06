export { completeJob, enqueueJob, failJob, leaseJobs, retryDelayMs, type LeasedJob, type NewJob } from './job-queue.js';
