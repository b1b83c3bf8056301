export { JobQueue, type EnqueueRequest, type Job, type JobQueueOptions, type JobRow } from './job-queue.ts';
export { Worker, type JobContext, type JobHandler, type WorkerOptions } from './worker.ts';
