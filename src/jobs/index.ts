export { JobRunner, type JobHandler, type JobRunnerOptions } from './job-runner.js';
