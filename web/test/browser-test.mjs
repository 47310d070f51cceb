#!/usr/bin/env node
/**
 * The playground in a real browser (npm run test:browser): build the page, serve it on 127.0.0.1 with
 * COOP/COEP, start headless Chromium (the system's `chromium`, or $CHROMIUM), drive it over the DevTools
 * protocol (Node's WebSocket client: run with --experimental-websocket on Node 20) and check that
 *   - a few training steps give the same MLM and NSP losses as Node for the same seed, bit for bit, on the
 *     cpu and the wasm kernels, and fill-mask gives the same probabilities afterwards; on 2 threads (nested
 *     Web Workers) the losses are the 1-thread losses bit for bit, and the Web Workers computed chunks;
 *   - the model saved as config.json / model.safetensors / vocab.txt loads back and answers the same;
 *   - model folders made in Node with the project's API (a pretrained BertForPreTraining, and `bert
 *     finetune`'s output for a sentence-pair classifier: web/scripts/node-checkpoints.ts), loaded through the
 *     page's file input, give Node's raw logits (masked-LM and classifier) bit for bit, and the classifier
 *     panel shows the labels' probabilities;
 *   - the attention heatmap renders (an <svg> in the page) and the WordPiece pieces show;
 *   - training started with the Start button runs, and nothing is written to the console as an error.
 * It saves screenshots (web/test-output/, or the folder given with --screenshots DIR).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWeb } from '../build.mjs';
import { serveStatic } from '../serve.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const SHOTS = resolve(args.includes('--screenshots') ? args[args.indexOf('--screenshots') + 1] : join(ROOT, 'web/test-output'));
const TRAIN_SECONDS = Number(args.includes('--train-seconds') ? args[args.indexOf('--train-seconds') + 1] : 12);
const STEPS = 3;
/** With --speed-steps N: also time N wasm steps in the page and in Node (docs/performance.md). */
const SPEED_STEPS = args.includes('--speed-steps') ? Number(args[args.indexOf('--speed-steps') + 1]) : 0;
const SPEED_ROUNDS = args.includes('--speed-rounds') ? Number(args[args.indexOf('--speed-rounds') + 1]) : 3;
const SEED = 0;
const PROMPT = 'the cow likes to eat [MASK] .';
const t0 = Date.now();
const say = (m) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${m}`);
const failures = [];
const check = (ok, what) => {
  if (ok) say(`ok   ${what}`);
  else {
    failures.push(what);
    say(`FAIL ${what}`);
  }
};

function withTimeout(promise, seconds, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, fail) => (timer = setTimeout(() => fail(new Error(`timed out after ${seconds} s: ${what}`)), seconds * 1000))),
  ]).finally(() => clearTimeout(timer));
}

/** Run a command, collect stdout. */
function output(cmd, argv, seconds, what) {
  return withTimeout(
    new Promise((done, fail) => {
      const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '',
        err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('error', fail);
      child.on('close', (code) => (code === 0 ? done(out) : fail(new Error(`${what} exited with ${code}: ${err.trim().slice(-2000)}`))));
    }),
    seconds,
    what,
  );
}

/** Start Chromium with remote debugging on a free port; resolve with the process and its browser WebSocket URL. */
function startChromium(profile) {
  const bin = process.env.CHROMIUM ?? 'chromium';
  const flags = [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--no-first-run',
    '--no-default-browser-check',
    '--remote-debugging-port=0',
    `--user-data-dir=${profile}`,
    '--window-size=1200,1800',
    'about:blank',
  ];
  const child = spawn(bin, flags, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  return withTimeout(
    new Promise((done, fail) => {
      let err = '';
      child.on('error', (e) =>
        fail(new Error(e.code === 'ENOENT' ? `${bin} not found: install it (apt-get install -y chromium) or set CHROMIUM=/path/to/chrome` : e.message)),
      );
      child.stderr.on('data', (d) => {
        err += d;
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
        if (m) done({ child, url: m[1] });
      });
      child.on('exit', (code) => fail(new Error(`chromium exited with ${code} before listening: ${err.trim().slice(-1500)}`)));
    }),
    30,
    'chromium to start',
  );
}

/** A DevTools protocol connection: send(method, params, sessionId) and events by name. */
async function connect(url) {
  if (typeof WebSocket === 'undefined') throw new Error('no WebSocket in this Node: run with node --experimental-websocket (Node 20.10+) or Node 22+');
  const ws = new WebSocket(url);
  await withTimeout(
    new Promise((done, fail) => {
      ws.onopen = done;
      ws.onerror = () => fail(new Error(`could not connect to ${url}`));
    }),
    10,
    'the DevTools connection',
  );
  let id = 0;
  const pending = new Map();
  const listeners = [];
  ws.onmessage = (event) => {
    const m = JSON.parse(event.data);
    if (m.id !== undefined) {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error) p?.fail(new Error(`${p.method}: ${m.error.message}`));
      else p?.done(m.result);
    } else for (const l of listeners) l(m);
  };
  return {
    send(method, params = {}, sessionId, seconds = 30) {
      const msg = { id: ++id, method, params, ...(sessionId ? { sessionId } : {}) };
      return withTimeout(
        new Promise((done, fail) => {
          pending.set(msg.id, { done, fail, method });
          ws.send(JSON.stringify(msg));
        }),
        seconds,
        method,
      );
    },
    on(listener) {
      listeners.push(listener);
    },
    close() {
      ws.close();
    },
  };
}

let chromium = null,
  server = null,
  plainServer = null,
  cdp = null;
const profile = mkdtempSync(join(tmpdir(), 'bert-chromium-'));
const checkpoints = mkdtempSync(join(tmpdir(), 'bert-checkpoints-'));
try {
  const out = await buildWeb(undefined, { quiet: true });
  say(`built the page (${out})`);
  const nodeRun = output(
    process.execPath,
    ['--import', 'tsx', 'web/scripts/node-losses.ts', String(STEPS), String(SEED)],
    120,
    'the Node run (web/scripts/node-losses.ts)',
  );
  // The checkpoints to load, made after the losses' run so that the two do not share the cores.
  const nodeCheckpoints = nodeRun.then(() =>
    output(
      process.execPath,
      ['--import', 'tsx', 'web/scripts/node-checkpoints.ts', checkpoints],
      120,
      'the Node checkpoints (web/scripts/node-checkpoints.ts)',
    ),
  );
  nodeCheckpoints.catch(() => {}); // awaited below; a failure is reported there
  ({ server } = await serveStatic(out, 0)
    .then((r) => ((server = r.server), r))
    .then((r) => (say(`serving ${r.url}`), r)));
  const pageUrl = `http://127.0.0.1:${server.address().port}/`;
  chromium = await startChromium(profile);
  say('chromium started');
  cdp = await connect(chromium.url);
  const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
  const send = (method, params, seconds) => cdp.send(method, params, sessionId, seconds);
  const consoleErrors = [];
  cdp.on((m) => {
    if (m.sessionId !== sessionId && m.method !== 'Target.attachedToTarget') return;
    if (m.method === 'Runtime.consoleAPICalled' && (m.params.type === 'error' || m.params.type === 'assert')) {
      consoleErrors.push(m.params.args.map((a) => a.value ?? a.description).join(' '));
    } else if (m.method === 'Runtime.exceptionThrown') {
      consoleErrors.push(m.params.exceptionDetails.exception?.description ?? m.params.exceptionDetails.text);
    } else if (m.method === 'Log.entryAdded' && m.params.entry.level === 'error') {
      consoleErrors.push(`${m.params.entry.text} ${m.params.entry.url ?? ''}`);
    } else if (m.method === 'Target.attachedToTarget' && m.params.targetInfo.type === 'worker') {
      // The worker's own console and uncaught errors.
      const ws = m.params.sessionId;
      cdp.send('Runtime.enable', {}, ws).catch(() => {});
      cdp.send('Runtime.runIfWaitingForDebugger', {}, ws).catch(() => {});
      cdp.on((e) => {
        if (e.sessionId !== ws) return;
        if (e.method === 'Runtime.exceptionThrown')
          consoleErrors.push(`worker: ${e.params.exceptionDetails.exception?.description ?? e.params.exceptionDetails.text}`);
        if (e.method === 'Runtime.consoleAPICalled' && e.params.type === 'error')
          consoleErrors.push(`worker: ${e.params.args.map((a) => a.value ?? a.description).join(' ')}`);
      });
    }
  });
  await send('Runtime.enable');
  await send('Log.enable');
  await send('Page.enable');
  await send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true });
  await send('Emulation.setDeviceMetricsOverride', { width: 1200, height: 1800, deviceScaleFactor: 1, mobile: false });
  await send('Page.navigate', { url: pageUrl });

  /** Evaluate an expression in the page (awaiting a promise); throws the page's error message. */
  const evaluate = async (expression, seconds = 60) => {
    const r = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, seconds);
    if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value;
  };
  /** Save a screenshot of the element with id `id` as SHOTS/`file`. */
  const shootElement = async (id, file) => {
    const box = await evaluate(
      `(() => { const r = document.getElementById('${id}').getBoundingClientRect(); return { x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height }; })()`,
    );
    const shot = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true, clip: { ...box, scale: 1 } }, 60);
    writeFileSync(join(SHOTS, file), Buffer.from(shot.data, 'base64'));
  };
  const waitFor = async (expression, seconds, what) => {
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      if (await evaluate(expression).catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out after ${seconds} s waiting for ${what}`);
  };
  await waitFor('typeof window.playground === "object"', 30, 'the page to load (window.playground)');
  check(await evaluate('crossOriginIsolated'), 'the page is cross-origin isolated (COOP/COEP headers)');

  const node = JSON.parse(await nodeRun);
  say(`Node: ${STEPS} steps per backend, wasm ${Math.round(node.wasm.tokensPerSecond)} tokens/s, cpu ${Math.round(node.cpu.tokensPerSecond)} tokens/s`);
  for (const backend of ['cpu', 'wasm']) {
    const info = await evaluate(`playground.request('start', { options: { seed: ${SEED}, backend: '${backend}', threads: 1 } })`, 120);
    check(
      info.backend === backend && info.fallback === null,
      `${backend}: the run uses the ${backend} kernels (got ${info.backend}${info.fallback ? `, ${info.fallback}` : ''})`,
    );
    const records = await evaluate(`playground.steps(${STEPS})`, 120);
    const mlm = records.map((r) => r.mlmLoss),
      nsp = records.map((r) => r.nspLoss);
    const same = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
    check(same(mlm, node[backend].mlm), `${backend}: MLM losses equal Node's bit for bit (page ${mlm.join(', ')}; Node ${node[backend].mlm.join(', ')})`);
    check(same(nsp, node[backend].nsp), `${backend}: NSP losses equal Node's bit for bit (page ${nsp.join(', ')}; Node ${node[backend].nsp.join(', ')})`);
    const fill = (await evaluate(`playground.request('fill', { text: ${JSON.stringify(PROMPT)} })`))[0].candidates;
    const fillSame =
      fill.length === 5 && fill.every((c, i) => c.token === node[backend].fill[i].token && Object.is(c.probability, node[backend].fill[i].probability));
    check(
      fillSame,
      `${backend}: fill-mask answers "${PROMPT}" with Node's candidates and probabilities (${fill.map((c) => `${c.token} ${c.probability.toFixed(4)}`).join(', ')})`,
    );

    // The same run on 2 threads: the training Worker and one nested Web Worker per pool share the big kernel
    // calls (rows of a matmul, ranges of a gelu); each element is still computed by one thread with the same
    // loop, so the losses are the 1-thread losses bit for bit, and the Workers did compute chunks.
    const before = await evaluate(`playground.request('pool')`);
    const two = await evaluate(`playground.request('start', { options: { seed: ${SEED}, backend: '${backend}', threads: 2 } })`, 120);
    const twoRecords = await evaluate(`playground.steps(${STEPS})`, 120);
    const after = await evaluate(`playground.request('pool')`);
    const booted = two.threads === 2 && two.cpuWorkers === 1 && (backend === 'cpu' || two.wasmWorkers === 1);
    const shared = after.cpuChunksByWorkers - before.cpuChunksByWorkers;
    const sharedWasm = after.wasmChunksByWorkers - before.wasmChunksByWorkers;
    // Each kernel set shares its own work: the TypeScript kernels over the cpu pool, the wasm products over
    // the wasm workers (the float32 GELU is wasm there, so the cpu pool may have nothing to do).
    check(
      booted && (backend === 'cpu' ? shared > 0 : sharedWasm > 0),
      `${backend}: 2 threads: the Web Workers came up (cpu pool ${two.cpuWorkers}, wasm ${two.wasmWorkers}) and computed ${shared} cpu-kernel chunks and ${sharedWasm} wasm-matmul chunks`,
    );
    check(
      same(
        twoRecords.map((r) => r.mlmLoss),
        mlm,
      ) &&
        same(
          twoRecords.map((r) => r.nspLoss),
          nsp,
        ),
      `${backend}: 2 threads give the 1-thread losses bit for bit (MLM ${twoRecords.map((r) => r.mlmLoss).join(', ')})`,
    );
  }

  // The whole library as one module (bert.js, from src/index.ts) loads in a page: a tokenizer and a forward pass.
  const lib = await evaluate(`import('./bert.js').then((b) => {
    const vocab = new b.Vocab(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'cow', 'eats', 'grass', '##s', '.']);
    const enc = new b.BertTokenizer(vocab).encode('the cows eat grass .');
    const model = new b.BertModel(new b.BertConfig({ vocabSize: vocab.size, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 16 }), { seed: 1 });
    const out = model.forward({ inputIds: new b.Tensor(Int32Array.from(enc.inputIds), [1, enc.inputIds.length]) });
    return { tokens: enc.tokens, shape: out.lastHiddenState.shape, finite: out.lastHiddenState.data.every(Number.isFinite), backend: b.getBackend() };
  })`);
  check(
    lib.tokens.join(' ') === '[CLS] the cow ##s [UNK] grass . [SEP]' && lib.shape.join(',') === '1,8,8' && lib.finite,
    `bert.js (the library bundle) loads in the page: tokens ${lib.tokens.join(' ')}, hidden states [${lib.shape}] on the ${lib.backend} backend`,
  );

  // Save the model and load it back: the same answers.
  const saved = await evaluate(
    `playground.request('save').then((f) => ({ config: f['config.json'], vocab: f['vocab.txt'], weights: Array.from(f['model.safetensors']) }))`,
  );
  check(
    saved.weights.length > 100_000 && JSON.parse(saved.config).architectures[0] === 'BertForPreTraining',
    `save: config.json, vocab.txt and a ${saved.weights.length}-byte model.safetensors`,
  );
  const before = await evaluate(`playground.request('fill', { text: ${JSON.stringify(PROMPT)} })`);
  await evaluate(
    `playground.request('load', { config: ${JSON.stringify(saved.config)}, vocab: ${JSON.stringify(saved.vocab)}, weights: new Uint8Array(${JSON.stringify(saved.weights)}), backend: 'wasm' })`,
  );
  const after = await evaluate(`playground.request('fill', { text: ${JSON.stringify(PROMPT)} })`);
  check(JSON.stringify(after) === JSON.stringify(before), 'load: the saved files load back and fill-mask gives the same probabilities');

  // Model folders made in Node, dropped on the page through its file input: the page's raw logits equal
  // Node's (the CLI's loaders, loadMaskedLM and loadTaskModel) bit for bit, on both kernels.
  const ckpt = JSON.parse(await nodeCheckpoints);
  const { root } = await send('DOM.getDocument', { depth: 1 });
  const { nodeId: fileInput } = await send('DOM.querySelector', { nodeId: root.nodeId, selector: '#load' });
  const loadFolder = async (dir, names, backend, architecture) => {
    await evaluate(`document.getElementById('backend').value = '${backend}'; document.getElementById('status').textContent = ''`);
    await send('DOM.setFileInputFiles', { nodeId: fileInput, files: names.map((n) => join(dir, n)) });
    await waitFor(`document.getElementById('status').textContent.startsWith('loaded a ${architecture}')`, 60, `the page to load ${dir} (${architecture})`);
  };
  const sameValues = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
  const threeFiles = ['config.json', 'model.safetensors', 'vocab.txt'];
  for (const backend of ['cpu', 'wasm']) {
    const want = ckpt.logits[backend];
    await loadFolder(ckpt.pretrained, threeFiles, backend, 'BertForPreTraining');
    const mlm = await evaluate(`playground.request('logits', { text: ${JSON.stringify(ckpt.prompt)} })`);
    check(
      mlm.head === 'prediction_logits' && mlm.shape.join() === want.pretrained.shape.join() && sameValues(mlm.values, want.pretrained.values),
      `${backend}: a pretrained folder made in Node gives Node's masked-LM logits [${mlm.shape}] bit for bit (first ${mlm.values.slice(0, 2).join(', ')})`,
    );
    await loadFolder(ckpt.finetuned, [...threeFiles, 'tokenizer_config.json'], backend, 'BertForSequenceClassification');
    const cls = await evaluate(`playground.request('logits', { text: ${JSON.stringify(ckpt.pair[0])}, pair: ${JSON.stringify(ckpt.pair[1])} })`);
    check(
      cls.head === 'logits' && cls.tokens.join(' ') === want.finetuned.tokens.join(' ') && sameValues(cls.values, want.finetuned.values),
      `${backend}: bert finetune's folder gives Node's classifier logits for a pair bit for bit (page ${cls.values.join(', ')}; Node ${want.finetuned.values.join(', ')})`,
    );
  }
  // The panel as a learner sees it: the pair in the boxes, Classify, one row per label.
  await evaluate(`document.getElementById('cls-text').value = ${JSON.stringify(ckpt.pair[0])};
    document.getElementById('cls-pair').value = ${JSON.stringify(ckpt.pair[1])};
    document.getElementById('cls-out').innerHTML = '';
    document.getElementById('cls-go').click()`);
  await waitFor(`document.querySelectorAll('#cls-out tr').length === 2`, 20, 'the classifier panel to show two labels');
  const shown = await evaluate(`[...document.querySelectorAll('#cls-out tr')].map((r) => r.cells[0].textContent + ' ' + r.cells[2].textContent)`);
  check(
    shown.every((row) => ckpt.logits.cpu.labels.some((l) => row.startsWith(`${l} `))) && shown.every((row) => /\d%$/.test(row)),
    `the classifier panel shows each label's probability (${shown.join(', ')})`,
  );
  mkdirSync(SHOTS, { recursive: true });
  await shootElement('classifier', 'playground-classifier.png');

  if (SPEED_STEPS > 0) {
    // Rounds of Node then the page, one after the other so that they do not share the cores. On a shared
    // machine a step's wall time swings with the other tenants' load: the figure is the median over all
    // rounds of each step's own rate, and the spread is printed with it. Node runs as `bert` does, through
    // bin/run.mjs (its V8 and malloc settings).
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const nodeRates = [],
      pageRates = [];
    for (let round = 0; round < SPEED_ROUNDS; round++) {
      const n = JSON.parse(
        await output(process.execPath, ['bin/run.mjs', 'web/scripts/node-losses.ts', String(SPEED_STEPS), String(SEED), 'wasm'], 600, 'the Node speed run'),
      ).wasm;
      nodeRates.push(...n.stepTokensPerSecond);
      await evaluate(`playground.request('start', { options: { seed: ${SEED}, backend: 'wasm' } })`, 120);
      const recs = (await evaluate(`playground.steps(${SPEED_STEPS})`, 600)).slice(1);
      pageRates.push(...recs.map((r) => (r.tokens / r.ms) * 1000));
      say(
        `speed round ${round + 1}: page ${Math.round(median(pageRates.slice(-recs.length)))} tokens/s, Node ${Math.round(median(n.stepTokensPerSecond))} tokens/s (medians of ${recs.length} steps)`,
      );
    }
    const q = (xs, f) => Math.round([...xs].sort((a, b) => a - b)[Math.floor(f * (xs.length - 1))]);
    const page = median(pageRates),
      nodeMedian = median(nodeRates);
    say(
      `speed, wasm, one thread, ${SPEED_ROUNDS} x ${SPEED_STEPS} steps: page ${Math.round(page)} tokens/s (quartiles ${q(pageRates, 0.25)}-${q(pageRates, 0.75)}), ` +
        `Node ${Math.round(nodeMedian)} tokens/s (quartiles ${q(nodeRates, 0.25)}-${q(nodeRates, 0.75)}), page/Node ${(page / nodeMedian).toFixed(2)}`,
    );
  }

  // The page as a learner uses it: Start, train for a while, fill-mask, WordPiece, attention.
  await evaluate(`document.getElementById('start').click()`);
  await waitFor(`/training: step [1-9]/.test(document.getElementById('status').textContent)`, 60, 'training to start after clicking Start');
  await new Promise((r) => setTimeout(r, TRAIN_SECONDS * 1000));
  await waitFor(`document.querySelector('#curves svg') !== null`, 20, 'the learning curves (<svg> in #curves)');
  check(true, 'the learning curves render as <svg>');
  await waitFor(`document.querySelectorAll('#fill-out td').length >= 5`, 20, 'fill-mask candidates in #fill-out');
  check(true, 'fill-mask answers while it trains');
  await waitFor(`document.querySelectorAll('#pieces-out span').length > 2`, 20, 'the WordPiece pieces in #pieces-out');
  check(true, `WordPiece pieces show: ${await evaluate(`[...document.querySelectorAll('#pieces-out span')].map((s) => s.textContent).join(' ')`)}`);
  await evaluate(`document.getElementById('att-go').click()`);
  await waitFor(`document.querySelector('#att-out svg rect') !== null`, 30, 'the attention heatmap (<svg> in #att-out)');
  check(true, 'the attention heatmap renders as <svg>');
  const status = await evaluate(`document.getElementById('status').textContent`);
  say(`status: ${status}`);
  check(/tokens\/s/.test(status), 'the status line shows tokens/s');
  mkdirSync(SHOTS, { recursive: true });
  const shot = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true }, 60);
  writeFileSync(join(SHOTS, 'playground.png'), Buffer.from(shot.data, 'base64'));
  await shootElement('att-out', 'playground-attention.png');
  say(`screenshots: ${join(SHOTS, 'playground.png')}, ${join(SHOTS, 'playground-attention.png')}, ${join(SHOTS, 'playground-classifier.png')}`);
  await evaluate(`playground.request('pause')`);

  // Served without COOP/COEP (a static host left as it is): the page is not cross-origin isolated. The wasm
  // kernels run in one thread, so Chromium still runs them; a browser that refuses shared wasm memory there
  // gets the cpu kernels and a message. Either way the first step matches Node's.
  ({ server: plainServer } = await serveStatic(out, 0, { isolated: false }));
  await send('Page.navigate', { url: `http://127.0.0.1:${plainServer.address().port}/` });
  await waitFor('typeof window.playground === "object" && document.readyState === "complete"', 30, 'the page served without COOP/COEP');
  const plain = await evaluate(`playground.request('start', { options: { seed: ${SEED}, backend: 'wasm' } })`, 120);
  const plainFirst = (await evaluate('playground.steps(1)', 60))[0];
  const fellBack = plain.backend === 'cpu' && /wasm failed/.test(plain.fallback ?? '');
  check(
    !plain.crossOriginIsolated && plain.threads === 1 && (plain.backend === 'wasm' || fellBack) && Object.is(plainFirst.mlmLoss, node[plain.backend].mlm[0]),
    `without COOP/COEP: not isolated, 1 thread, ${fellBack ? `fell back to cpu (${plain.fallback})` : 'the wasm kernels still run'}, and the first step equals Node's`,
  );
  check(consoleErrors.length === 0, `no console errors${consoleErrors.length ? `: ${consoleErrors.join(' | ')}` : ''}`);
} catch (e) {
  failures.push(e.message);
  say(`FAIL ${e.message}`);
} finally {
  cdp?.close();
  if (chromium) {
    try {
      process.kill(-chromium.child.pid, 'SIGKILL'); // its whole process group: renderer, GPU and utility processes
    } catch {}
  }
  for (const s of [server, plainServer]) {
    s?.close();
    s?.closeAllConnections?.();
  }
  rmSync(profile, { recursive: true, force: true });
  rmSync(checkpoints, { recursive: true, force: true });
}
say(failures.length === 0 ? 'browser test passed' : `browser test failed: ${failures.length} problem(s)`);
process.exit(failures.length === 0 ? 0 : 1);
