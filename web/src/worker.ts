/**
 * The playground's Web Worker: it holds the model and trains it, so that the page stays responsive and the
 * library's synchronous kernels never block the page's main thread. Between two steps it answers the page's
 * requests (fill-mask, attention, WordPiece, save), so they work while training runs.
 */
import { setCpuThreads } from '../../src/accel/cpu/threads.ts';
import { chunksByWorkers, startCpuWorkers } from '../../src/accel/cpu/worker-pool-browser.ts';
import { hostThreads } from '../../src/accel/host-node.ts';
import { wasmMatmulModule } from '../../src/accel/wasm/module.ts';
import { startWasmWorkers, wasmChunksByWorkers } from '../../src/accel/wasm/threads-browser.ts';
import { curvesSvg, type CurveRecord } from '../../src/viz/curves.ts';
import type { PoolInfo, Request, Result, RunInfo, WorkerMessage } from './protocol.ts';
import { PretrainSession, type SessionOptions, type StepRecord } from './session.ts';

const post = (m: WorkerMessage) => (self as unknown as Worker).postMessage(m);

let session: PretrainSession | null = null;
let lastOptions: SessionOptions = {};
let running = false;
let loopActive = false;
let records: CurveRecord[] = [];
let recent: StepRecord[] = [];

/** Let queued messages run: a zero-delay macrotask (setTimeout is clamped to 4 ms when nested). */
function yieldToMessages(): Promise<void> {
  return new Promise((done) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => done();
    ch.port2.postMessage(null);
  });
}

/** The backend to use: wasm needs shared WebAssembly memory, which a page without COOP/COEP lacks. */
function usableBackend(wanted: SessionOptions['backend']): { backend: NonNullable<SessionOptions['backend']>; fallback: string | null } {
  if (wanted === 'cpu') return { backend: 'cpu', fallback: null };
  try {
    wasmMatmulModule();
    return { backend: 'wasm', fallback: null };
  } catch (e) {
    return { backend: 'cpu', fallback: `wasm failed (${(e as Error).message}); using cpu` };
  }
}

/** The kernels' threads now: the count asked for and the Web Workers that have booted. */
let threads = { threads: 1, cpuWorkers: 0, wasmWorkers: 0 };

/**
 * Use `wanted` threads (default: every core, where the page is cross-origin isolated): start the nested
 * Web Workers of the cpu pool (and of the wasm matmul, for the wasm kernels) and wait until they have
 * booted, so that the first steps already share their work. Without isolation: one thread.
 */
async function useThreads(wanted: number | undefined, backend: string): Promise<void> {
  const isolated = (self as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const n = isolated ? Math.max(1, Math.floor(wanted ?? hostThreads())) : 1;
  setCpuThreads(n);
  const [cpuWorkers, wasmWorkers] = await Promise.all([n > 1 ? startCpuWorkers(n - 1) : 0, n > 1 && backend === 'wasm' ? startWasmWorkers(n - 1) : 0]);
  threads = { threads: n, cpuWorkers, wasmWorkers };
}

function pool(): PoolInfo {
  return { ...threads, cpuChunksByWorkers: chunksByWorkers(), wasmChunksByWorkers: wasmChunksByWorkers() };
}

function info(s: PretrainSession, fallback: string | null, setupMs: number): RunInfo {
  return {
    ...threads,
    backend: s.options.backend,
    fallback,
    documents: s.documents,
    instances: s.instances,
    vocabSize: s.tokenizer.vocab.size,
    parameters: s.model.numParameters(),
    steps: s.options.steps,
    step: s.step,
    canTrain: s.canTrain,
    architecture: s.model.architecture,
    labels: s.model.architecture === 'BertForSequenceClassification' ? Object.keys(s.model.config.id2label).map((i) => s.model.config.id2label[i]!) : null,
    setupMs,
    crossOriginIsolated: (self as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
  };
}

/** Steps in the moving average drawn over the raw losses (one batch's NSP loss is noisy). */
const AVERAGE = 20;

function record(r: StepRecord): void {
  records.push({ step: r.step, split: 'train', mlm_loss: r.mlmLoss, nsp_loss: r.nspLoss });
  recent.push(r);
  if (recent.length > AVERAGE) recent.shift();
  if (recent.length === AVERAGE) {
    const mean = (f: (x: StepRecord) => number) => recent.reduce((s, x) => s + f(x), 0) / AVERAGE;
    // Drawn at the middle of its window, so that it does not lag behind the raw curve.
    records.push({
      step: Math.round(r.step - (AVERAGE - 1) / 2),
      split: `mean of ${AVERAGE} steps`,
      mlm_loss: mean((x) => x.mlmLoss),
      nsp_loss: mean((x) => x.nspLoss),
    });
  }
}

function tokensPerSecond(): number {
  const timed = recent.filter((r) => r.step > 1); // the first step compiles and warms up
  const ms = timed.reduce((s, r) => s + r.ms, 0);
  return ms > 0 ? (timed.reduce((s, r) => s + r.tokens, 0) / ms) * 1000 : 0;
}

function progress(): void {
  if (!session) return;
  const last = recent[recent.length - 1];
  const curves = curvesSvg(
    records,
    [
      { metric: 'mlm_loss', title: 'masked LM loss' },
      { metric: 'nsp_loss', title: 'next-sentence loss' },
    ],
    `pretraining, seed ${session.options.seed}`,
  );
  post({
    type: 'progress',
    step: session.step,
    steps: session.options.steps,
    running,
    mlmLoss: last?.mlmLoss ?? NaN,
    nspLoss: last?.nspLoss ?? NaN,
    tokensPerSecond: tokensPerSecond(),
    curves,
  });
}

async function trainLoop(): Promise<void> {
  if (loopActive) return;
  loopActive = true;
  let lastPost = 0;
  try {
    while (running && session && session.step < session.options.steps) {
      record(session.trainOne());
      if (performance.now() - lastPost > 300) {
        progress();
        lastPost = performance.now();
      }
      await yieldToMessages();
    }
  } catch (e) {
    post({ type: 'log', message: `training stopped: ${(e as Error).message}` });
  } finally {
    running = false;
    loopActive = false;
    progress();
  }
}

function need(): PretrainSession {
  if (!session) throw new Error('no model yet: start a run or load a model');
  return session;
}

async function create(options: SessionOptions & { threads?: number }): Promise<RunInfo> {
  running = false;
  records = [];
  recent = [];
  const t0 = performance.now();
  const { backend, fallback } = usableBackend(options.backend);
  await useThreads(options.threads, backend);
  lastOptions = { ...options, backend };
  session = PretrainSession.create(lastOptions);
  return info(session, fallback, performance.now() - t0);
}

async function handle(req: Request): Promise<Result> {
  switch (req.type) {
    case 'start': {
      const result = await create(req.options);
      progress();
      return result;
    }
    case 'reset': {
      const result = await create(lastOptions);
      progress();
      return result;
    }
    case 'pause':
      running = false;
      return null;
    case 'resume':
      if (!need().canTrain) throw new Error('this model cannot be trained here: it was loaded without a corpus; start a new run');
      running = true;
      void trainLoop();
      return null;
    case 'steps': {
      const s = need();
      if (running) throw new Error('pause the run before asking for single steps');
      const out: StepRecord[] = [];
      for (let i = 0; i < req.steps; i++) {
        const r = s.trainOne();
        record(r);
        out.push(r);
      }
      progress();
      return out;
    }
    case 'fill':
      return need().fillMask(req.text, 5);
    case 'attention':
      return need().attentionSvg(req.text);
    case 'pieces':
      return need().pieces(req.text);
    case 'classify':
      return need().classify(req.text, req.pair || null);
    case 'logits':
      return need().rawLogits(req.text, req.pair || null);
    case 'save':
      return need().save();
    case 'pool':
      return pool();
    case 'load': {
      running = false;
      records = [];
      recent = [];
      const t0 = performance.now();
      const { backend, fallback } = usableBackend(req.backend);
      await useThreads(req.threads, backend);
      session = PretrainSession.load({ config: req.config, weights: req.weights, vocab: req.vocab, lowercase: req.lowercase }, backend);
      progress();
      return info(session, fallback, performance.now() - t0);
    }
  }
}

self.onmessage = async (event: MessageEvent<{ id: number; request: Request }>) => {
  const { id, request } = event.data;
  try {
    post({ type: 'reply', id, ok: true, result: await handle(request) });
  } catch (e) {
    post({ type: 'reply', id, ok: false, error: (e as Error).message });
  }
};
