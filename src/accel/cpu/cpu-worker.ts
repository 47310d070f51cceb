/**
 * A worker thread of the cpu backend: it waits for jobs from the main thread and takes chunks of them
 * until none are left (chunks.ts). It keeps no state between jobs.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { runGeluChunks, type GeluJob } from './gelu-chunks.ts';
import { runMatmulChunks, type MatmulJob } from './matmul-chunks.ts';

if (!parentPort) throw new Error('cpu-worker.ts is the body of a worker thread; it was loaded on the main thread');
/** Where errors go: the main thread reads them synchronously (receiveMessageOnPort) when a job failed. */
const errors = (workerData as { errors: MessagePort }).errors;
const report = (e: unknown) => errors.postMessage(e instanceof Error ? (e.stack ?? e.message) : String(e));

parentPort.on('message', (job: MatmulJob | GeluJob) => {
  if (job.kind === 'matmul') runMatmulChunks(job, true, report);
  else runGeluChunks(job, true, report);
});
