// Entry point of a worker thread started from the TypeScript sources. Node runs a worker's file with its
// own module loader, and in Node 20 the tsx loader of the main thread does not carry over to workers, so
// the worker registers tsx itself and then imports the TypeScript module named in workerData.entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
