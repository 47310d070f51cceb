/**
 * A Web Worker of the cpu backend in a browser page (worker-pool-browser.ts starts it; web/build.mjs
 * bundles it as cpu-web-worker.js): the twin of cpu-worker.ts. It says it is ready, then takes chunks of
 * every job it is posted until none are left (chunks.ts). A chunk that throws is logged here and reported to
 * the pool, which names it when the job's caller throws.
 */
import { runGeluChunks, type GeluJob } from './gelu-chunks.ts';
import { runMatmulChunks, type MatmulJob } from './matmul-chunks.ts';

const scope = globalThis as unknown as { postMessage(m: unknown): void; onmessage: ((e: { data: MatmulJob | GeluJob }) => void) | null };
const report = (e: unknown) => {
  const error = e instanceof Error ? (e.stack ?? e.message) : String(e);
  console.error(`bert cpu worker: a chunk failed: ${error}`);
  scope.postMessage({ error });
};

scope.onmessage = ({ data: job }) => {
  if (job.kind === 'matmul') runMatmulChunks(job, true, report);
  else runGeluChunks(job, true, report);
};
scope.postMessage({ ready: true });
