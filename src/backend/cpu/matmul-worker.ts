/**
 * A worker thread of the cpu matmul: it waits for jobs from the main thread and takes chunks of rows of C
 * until none are left (matmul-chunks.ts). It keeps no state between jobs.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { floatView, runMatmulChunks, type MatmulJob } from './matmul-chunks.ts';

if (!parentPort) throw new Error('matmul-worker.ts is the body of a worker thread; it was loaded on the main thread');
/** Where errors go: the main thread reads them synchronously (receiveMessageOnPort) when a job failed. */
const errors = (workerData as { errors: MessagePort }).errors;

parentPort.on('message', (job: MatmulJob) => {
  const A = floatView(job.a, job.f64);
  const B = floatView(job.b, job.f64);
  const C = floatView(job.c, job.f64);
  runMatmulChunks(job, A, B, C, true, (e) => errors.postMessage(e instanceof Error ? e.stack ?? e.message : String(e)));
});
