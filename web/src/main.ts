/**
 * The playground page: buttons and inputs on one side, the training worker (worker.ts) on the other. The
 * page only draws: every number comes from the worker. `window.playground.request(type, fields)` is the
 * same channel the buttons use; the browser test (web/test/browser-test.mjs) drives the page through it.
 */
import type { MaskPrediction } from '../../src/train/fill-mask.ts';
import type { Classification } from './classifier.ts';
import type { Request, Result, RunInfo, WorkerMessage } from './protocol.ts';
import type { ModelFiles, StepRecord } from './session.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const pending = new Map<number, { resolve: (r: Result) => void; reject: (e: Error) => void }>();
let nextId = 1;
let run: RunInfo | null = null;
let running = false;

function request(req: Request, transfer: Transferable[] = []): Promise<Result> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, request: req }, transfer);
  });
}

function log(message: string, error = false): void {
  const line = document.createElement('div');
  line.textContent = message;
  if (error) line.className = 'error';
  $('log').append(line);
  if (error) console.warn(message);
}

worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
  const m = event.data;
  if (m.type === 'reply') {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.ok) p?.resolve(m.result);
    else p?.reject(new Error(m.error));
  } else if (m.type === 'progress') {
    $('curves').innerHTML = m.step > 0 ? m.curves : '';
    running = m.running;
    const loss = m.step > 0 ? ` · masked LM loss ${m.mlmLoss.toFixed(3)} · next-sentence loss ${m.nspLoss.toFixed(3)}` : '';
    const speed = m.tokensPerSecond > 0 ? ` · ${Math.round(m.tokensPerSecond).toLocaleString('en')} tokens/s` : '';
    const where = run ? ` · ${run.backend} kernels${run.fallback ? ' (fallback)' : ''} · ${threadsText(run)}` : '';
    $('status').textContent = `${m.running ? 'training' : m.step >= m.steps ? 'done' : 'paused'}: step ${m.step} of ${m.steps}${loss}${speed}${where}`;
    buttons();
  } else if (m.type === 'log') log(m.message, true);
};
worker.onerror = (e) => log(`worker error: ${e.message}`, true);

function buttons(): void {
  const has = run !== null;
  $<HTMLButtonElement>('pause').disabled = !has || !run!.canTrain || (!running && run!.step >= run!.steps);
  $<HTMLButtonElement>('pause').textContent = running ? 'Pause' : 'Resume';
  $<HTMLButtonElement>('reset').disabled = !has;
  $<HTMLButtonElement>('save').disabled = !has;
  $<HTMLButtonElement>('att-go').disabled = !has;
  $<HTMLButtonElement>('cls-go').disabled = !has || run!.labels === null;
  $<HTMLButtonElement>('start').textContent = has ? 'New run' : 'Start';
}

/** What the classifier panel says until a classifier is loaded (index.html's text). */
const classifierHint = $('cls-out').innerHTML;

/** "2 threads" (the training Worker and the Web Workers that came up), or "1 thread". */
function threadsText(i: RunInfo): string {
  if (i.threads === 1) return '1 thread';
  const up = i.backend === 'wasm' ? Math.min(i.cpuWorkers, i.wasmWorkers) : i.cpuWorkers;
  return `${i.threads} threads${up < i.threads - 1 ? ` (${up} of ${i.threads - 1} Web Workers came up)` : ''}`;
}

/** The thread count asked for in the controls. */
function threadsWanted(): number {
  return Math.max(1, Math.floor(Number($<HTMLInputElement>('threads').value) || 1));
}

function showInfo(i: RunInfo): void {
  run = i;
  if (!i.labels) $('cls-out').innerHTML = classifierHint;
  if (i.fallback) log(i.fallback, true);
  const what = i.canTrain ? `${i.documents} documents, ${i.instances} training pairs, ` : 'loaded model, ';
  log(
    `${what}${i.vocabSize} tokens in the vocabulary, ${i.parameters.toLocaleString('en')} parameters, ${i.backend} kernels on ${threadsText(i)} (set up in ${Math.round(i.setupMs)} ms)`,
  );
  buttons();
}

async function start(): Promise<void> {
  $<HTMLButtonElement>('start').disabled = true;
  $('status').textContent = 'making the corpus, the vocabulary and the model...';
  try {
    const corpus = $<HTMLTextAreaElement>('corpus').value.trim();
    const options = {
      seed: Number($<HTMLInputElement>('seed').value) || 0,
      steps: Math.max(1, Number($<HTMLInputElement>('steps').value) || 1500),
      backend: $<HTMLSelectElement>('backend').value as 'wasm' | 'cpu',
      threads: threadsWanted(),
      corpus: corpus === '' ? null : corpus,
    };
    showInfo((await request({ type: 'start', options })) as RunInfo);
    await request({ type: 'resume' });
    running = true;
    refreshPieces();
  } catch (e) {
    log((e as Error).message, true);
    $('status').textContent = `could not start: ${(e as Error).message}`;
  } finally {
    $<HTMLButtonElement>('start').disabled = false;
  }
}

function candidatesTable(predictions: MaskPrediction[]): string {
  return predictions
    .map((p, k) => {
      const rows = p.candidates.map(
        (c) =>
          `<tr><td>${escapeHtml(c.token)}</td><td><span class="bar" style="width:${Math.round(120 * c.probability)}px"></span></td><td>${(100 * c.probability).toFixed(1)}%</td></tr>`,
      );
      return `${predictions.length > 1 ? `<div>[MASK] ${k + 1}</div>` : ''}<table>${rows.join('')}</table>`;
    })
    .join('');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

let filling = false;
async function refreshFill(): Promise<void> {
  if (!run || filling) return;
  filling = true;
  try {
    $('fill-out').innerHTML = candidatesTable((await request({ type: 'fill', text: $<HTMLInputElement>('fill-text').value })) as MaskPrediction[]);
  } catch (e) {
    $('fill-out').innerHTML = `<span class="error">${escapeHtml((e as Error).message)}</span>`;
  } finally {
    filling = false;
  }
}

async function refreshPieces(): Promise<void> {
  if (!run) return;
  try {
    const pieces = (await request({ type: 'pieces', text: $<HTMLInputElement>('pieces-text').value })) as string[];
    $('pieces-out').innerHTML = pieces
      .map((p) => `<span class="${/^\[.*\]$/.test(p) ? 'special' : p.startsWith('##') ? 'cont' : ''}">${escapeHtml(p)}</span>`)
      .join('');
  } catch (e) {
    $('pieces-out').innerHTML = `<span class="error">${escapeHtml((e as Error).message)}</span>`;
  }
}

/** The classifier's answer as rows of label, bar and probability (the score, for a regression head). */
function labelsTable(c: Classification): string {
  const rows = c.labels.map((l) =>
    c.problem === 'regression'
      ? `<tr><td>${escapeHtml(l.label)}</td><td></td><td>score ${l.probability.toFixed(4)}</td></tr>`
      : `<tr><td>${escapeHtml(l.label)}</td><td><span class="bar" style="width:${Math.round(120 * l.probability)}px"></span></td><td>${(100 * l.probability).toFixed(1)}%</td><td class="hint">logit ${l.logit.toFixed(3)}</td></tr>`,
  );
  const how = { single_label_classification: 'softmax over the labels', multi_label_classification: 'a sigmoid per label', regression: 'regression' }[
    c.problem
  ];
  return `<table>${rows.join('')}</table><div class="hint">${how}; read as ${c.tokens.map(escapeHtml).join(' ')}</div>`;
}

async function showClassification(): Promise<void> {
  if (!run?.labels) return;
  try {
    const pair = $<HTMLInputElement>('cls-pair').value.trim();
    const c = (await request({ type: 'classify', text: $<HTMLInputElement>('cls-text').value, pair: pair === '' ? null : pair })) as Classification;
    $('cls-out').innerHTML = labelsTable(c);
  } catch (e) {
    $('cls-out').innerHTML = `<span class="error">${escapeHtml((e as Error).message)}</span>`;
  }
}

async function showAttention(): Promise<void> {
  try {
    $('att-out').innerHTML = (await request({ type: 'attention', text: $<HTMLInputElement>('att-text').value })) as string;
  } catch (e) {
    $('att-out').innerHTML = `<span class="error">${escapeHtml((e as Error).message)}</span>`;
  }
}

function download(name: string, data: string | Uint8Array): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([data as BlobPart]));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

async function save(): Promise<void> {
  try {
    const files = (await request({ type: 'save' })) as ModelFiles;
    for (const [name, data] of Object.entries(files)) download(name, data);
  } catch (e) {
    log(`save failed: ${(e as Error).message}`, true);
  }
}

async function load(list: FileList | File[]): Promise<void> {
  const byName = new Map([...list].map((f) => [f.name, f]));
  const missing = ['config.json', 'model.safetensors', 'vocab.txt'].filter((n) => !byName.has(n));
  if (missing.length) {
    log(
      `load: expected config.json, model.safetensors and vocab.txt; missing ${missing.join(', ')} (found ${[...byName.keys()].join(', ') || 'no files'})`,
      true,
    );
    return;
  }
  try {
    const weights = new Uint8Array(await byName.get('model.safetensors')!.arrayBuffer());
    const req: Request = {
      type: 'load',
      weights,
      backend: $<HTMLSelectElement>('backend').value as 'wasm' | 'cpu',
      threads: threadsWanted(),
      config: await byName.get('config.json')!.text(),
      vocab: await byName.get('vocab.txt')!.text(),
      lowercase: await lowercaseOf(byName.get('tokenizer_config.json')),
    };
    showInfo((await request(req, [weights.buffer])) as RunInfo);
    running = false;
    const uses = run!.labels ? `the classifier (labels ${run!.labels.join(', ')})` : 'fill-mask';
    $('status').textContent = `loaded a ${run!.architecture} (${run!.parameters.toLocaleString('en')} parameters): ${uses} and attention use it`;
    if (!run!.labels) {
      $('cls-out').innerHTML = `<span class="hint">This is a ${run!.architecture}: the classifier needs a model made by <code>bert finetune</code>.</span>`;
    }
    await Promise.all([run!.labels ? showClassification() : refreshFill(), refreshPieces(), showAttention()]);
  } catch (e) {
    log(`load failed: ${(e as Error).message}`, true);
  }
}

/** do_lower_case of a dropped tokenizer_config.json (bert finetune writes one), or undefined without one. */
async function lowercaseOf(file: File | undefined): Promise<boolean | undefined> {
  if (!file) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(await file.text()).do_lower_case;
  } catch (e) {
    throw new Error(`tokenizer_config.json is not JSON: ${(e as Error).message}`);
  }
  return typeof v === 'boolean' ? v : undefined;
}

$('start').onclick = () => void start();
$('cls-go').onclick = () => void showClassification();
$('pause').onclick = async () => {
  await request({ type: running ? 'pause' : 'resume' });
  running = !running;
  buttons();
};
$('reset').onclick = async () => {
  showInfo((await request({ type: 'reset' })) as RunInfo);
  running = false;
  buttons();
};
$('att-go').onclick = () => void showAttention();
$('save').onclick = () => void save();
$('fill-text').oninput = () => void refreshFill();
$('pieces-text').oninput = () => void refreshPieces();
$<HTMLInputElement>('load').onchange = (e) => void load((e.target as HTMLInputElement).files ?? []);
const drop = $('drop');
drop.ondragover = (e) => {
  e.preventDefault();
  drop.classList.add('over');
};
drop.ondragleave = () => drop.classList.remove('over');
drop.ondrop = (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  void load(e.dataTransfer?.files ?? []);
};
const corpusBox = $<HTMLTextAreaElement>('corpus');
corpusBox.ondragover = (e) => e.preventDefault();
corpusBox.ondrop = async (e) => {
  e.preventDefault();
  const f = e.dataTransfer?.files[0];
  if (f) corpusBox.value = await f.text();
};
setInterval(() => {
  if (running) void refreshFill();
}, 2000);
// Threads need SharedArrayBuffer, which only a cross-origin isolated page has (COOP/COEP headers).
const threadsBox = $<HTMLInputElement>('threads');
if (crossOriginIsolated) threadsBox.value = String(navigator.hardwareConcurrency || 1);
else {
  threadsBox.value = '1';
  threadsBox.disabled = true;
  log(
    'This page is not cross-origin isolated (no COOP/COEP headers): the kernels run on one thread, and where the browser refuses shared WebAssembly memory, the wasm kernels fall back to cpu. See docs/browser.md.',
  );
}

/** For the browser test and the console: the worker's request channel. */
(window as unknown as { playground: unknown }).playground = {
  request: (type: Request['type'], fields: object = {}) => request({ type, ...fields } as Request),
  steps: async (n: number) => (await request({ type: 'steps', steps: n })) as StepRecord[],
};
