/**
 * Lesson 1: reverse-mode automatic differentiation, from one multiplication to a small neural network.
 *
 *   npx tsx examples/01-autograd.ts
 *
 * What you will see:
 *   1. a tiny computational graph, its gradients by backward(), and the same numbers worked out by hand;
 *   2. why gradients add up (accumulate) when a value is used twice, or when backward() runs twice;
 *   3. a 2-layer-hidden MLP, built from raw ops (matmul, add, tanh), whose gradients are first checked
 *      against finite differences in float64 (gradcheck);
 *   4. the same MLP learning to tell apart the three arms of a 2-D spiral by plain gradient descent:
 *      the loss goes down, the accuracy goes up, and a text picture shows what it learned.
 *
 * Read alongside: docs/autodiff.md, src/autograd/backward.ts (the engine, ~100 lines), src/autograd/record.ts.
 */
import { add, argmax, crossEntropy, gradcheck, matmul, mul, noGrad, randn, Rng, scalar, type Tensor, tanh, tensor, zeros, type DType } from '../src/index.ts';

// ---------------------------------------------------------------------------------------------------------
// 1. A computational graph.
//
// Every op (mul, add, tanh, matmul, ...) computes its result right away, and - when one of its inputs has
// requiresGrad - also records on the result *where it came from*: its inputs and a small backward function
// (see record() in src/autograd/record.ts). Chaining ops therefore builds a graph behind the scenes:
//
//     a ──┐
//         mul ── e ──┐
//     b ──┘          add ── d ── mul(d, d) ── L
//     c ─────────────┘
//
// L = (a*b + c)^2. backward() walks this graph from L back to the leaves a, b, c applying the chain rule:
// dL/da = dL/dd * dd/de * de/da. Each op only knows its own local derivative (mul: d(x*y)/dx = y), and
// backward multiplies them along the way. That is reverse-mode autodiff: one backward pass gives the
// derivative of one output with respect to *every* input, which is exactly what training needs
// (one loss, millions of weights).
// ---------------------------------------------------------------------------------------------------------
console.log('1. A computational graph: L = (a*b + c)^2 with a = 2, b = -3, c = 10');
{
  const a = scalar(2, { requiresGrad: true });
  const b = scalar(-3, { requiresGrad: true });
  const c = scalar(10, { requiresGrad: true });
  const e = mul(a, b); // -6; e.gradFn remembers (a, b) and how to send a gradient back to them
  const d = add(e, c); // 4
  const L = mul(d, d); // 16
  console.log(`   L = ${L.item()}   (L was made by "${L.gradFn?.name}", whose inputs were made by "${d.gradFn?.name}")`);
  L.backward(); // fills a.grad, b.grad, c.grad
  // By hand: dL/dd = 2d = 8;  dL/dc = dL/dd * 1 = 8;  dL/da = dL/dd * b = -24;  dL/db = dL/dd * a = 16.
  console.log(`   backward(): dL/da = ${a.grad?.item()}, dL/db = ${b.grad?.item()}, dL/dc = ${c.grad?.item()}`);
  console.log('   by hand:    dL/da = 2(ab+c)*b = -24, dL/db = 2(ab+c)*a = 16, dL/dc = 2(ab+c) = 8\n');
}

// ---------------------------------------------------------------------------------------------------------
// 2. Why gradients accumulate, and why the order matters.
//
// If a value feeds two ops, a small change in it moves the output along both paths, so its gradient is the
// SUM of the gradients arriving along each path (the multivariable chain rule). In y = x*x + x, x is used
// three times: dy/dx = x + x + 1 = 2x + 1.
//
// That is why backward() visits the graph in reverse *topological order* (every tensor after all the
// tensors computed from it): by the time it reaches x, every path's contribution has arrived and dy/dx is
// complete, so it can be passed on to x's own inputs exactly once. (topologicalOrder in
// src/autograd/backward.ts is a depth-first search that produces this order.)
//
// Leaves also accumulate ACROSS backward() calls: .grad += new gradient. That lets you split a big batch
// into micro-batches and sum their gradients, but it means a training loop must clear .grad before each step.
// ---------------------------------------------------------------------------------------------------------
console.log('2. Gradients accumulate: y = x*x + x at x = 3');
{
  const x = scalar(3, { requiresGrad: true });
  add(mul(x, x), x).backward();
  console.log(`   dy/dx = ${x.grad?.item()}   (2x + 1 = 7: the three uses of x each send their part, and they add up)`);
  add(mul(x, x), x).backward(); // a second, fresh graph: its gradient is ADDED to x.grad
  console.log(`   after a second backward() without clearing: x.grad = ${x.grad?.item()} (7 + 7)`);
  x.grad = null; // what a training loop does before each step ("zero_grad")
  console.log('   so a training loop sets .grad = null before every step\n');
}

// ---------------------------------------------------------------------------------------------------------
// 3. A small MLP from raw ops.
//
// A Linear layer maps x [N, in] to x @ W^T + b: W is stored [out, in] (the PyTorch / Hugging Face layout),
// b is [out] and is added to every row (broadcasting; its gradient is the sum over rows). matmul's
// transposeB flag uses W as W^T without copying it.
// ---------------------------------------------------------------------------------------------------------

/** The weights and biases of a 2 -> H -> H -> 3 network with tanh between layers. */
interface Mlp {
  w1: Tensor; // [H, 2]
  b1: Tensor; // [H]
  w2: Tensor; // [H, H]
  b2: Tensor; // [H]
  w3: Tensor; // [3, H]
  b3: Tensor; // [3]
}

/** y = x @ W^T + b.  x [N, in], w [out, in], b [out] -> [N, out]. */
function linear(x: Tensor, w: Tensor, b: Tensor): Tensor {
  return add(matmul(x, w, { transposeB: true }), b);
}

/** Class scores (logits) [N, 3] for points x [N, 2]. */
function forward(net: Mlp, x: Tensor): Tensor {
  const h1 = tanh(linear(x, net.w1, net.b1));
  const h2 = tanh(linear(h1, net.w2, net.b2));
  return linear(h2, net.w3, net.b3);
}

function parameters(net: Mlp): Tensor[] {
  return [net.w1, net.b1, net.w2, net.b2, net.w3, net.b3];
}

/**
 * Random weights with std 1/sqrt(fan_in), so each layer's outputs start with roughly unit variance and tanh
 * is neither saturated nor linear; biases start at zero.
 */
function initMlp(hidden: number, classes: number, rng: Rng): Mlp {
  const layer = (out: number, inp: number): [Tensor, Tensor] => [
    randn([out, inp], rng, { std: 1 / Math.sqrt(inp), requiresGrad: true }),
    zeros([out], { requiresGrad: true }),
  ];
  const [w1, b1] = layer(hidden, 2);
  const [w2, b2] = layer(hidden, hidden);
  const [w3, b3] = layer(classes, hidden);
  return { w1, b1, w2, b2, w3, b3 };
}

/** A copy of every parameter in another dtype, as fresh leaves that require a gradient. */
function mlpAs(net: Mlp, dtype: DType): Mlp {
  const c = (t: Tensor): Tensor => {
    const copy = t.toDType(dtype);
    copy.requiresGrad = true;
    return copy;
  };
  return { w1: c(net.w1), b1: c(net.b1), w2: c(net.w2), b2: c(net.b2), w3: c(net.w3), b3: c(net.b3) };
}

/**
 * The spiral data set (three interleaved arms, one per class): for class c and r from 0 to 1,
 * the point is r * (sin t, cos t) with angle t = 4c + 4r + noise. Not separable by any straight line.
 * @returns points [N, 2] float32 and labels [N] int32, N = classes * perClass
 */
function spiral(perClass: number, classes: number, rng: Rng): { x: Tensor; y: Tensor } {
  const n = perClass * classes;
  const x = zeros([n, 2]);
  const y = zeros([n], { dtype: 'int32' });
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < perClass; i++) {
      const r = i / (perClass - 1);
      const t = 4 * c + 4 * r + rng.normal(0, 0.2);
      const row = c * perClass + i;
      x.data[2 * row] = r * Math.sin(t);
      x.data[2 * row + 1] = r * Math.cos(t);
      y.data[row] = c;
    }
  }
  return { x, y };
}

/** Fraction of rows whose highest logit is the label. logits [N, C], labels int32 [N]. */
function accuracy(logits: Tensor, labels: Tensor): number {
  const predicted = argmax(logits, 1);
  let right = 0;
  for (let i = 0; i < labels.size; i++) if (predicted.data[i] === labels.data[i]) right++;
  return right / labels.size;
}

const rng = new Rng(1); // the only source of randomness: the same seed gives the same run
const CLASSES = 3;
const HIDDEN = 32;
const data = spiral(100, CLASSES, rng);
const net = initMlp(HIDDEN, CLASSES, rng);

// ---------------------------------------------------------------------------------------------------------
// Before trusting backward(), check it. For each weight w_i, a central difference
//     (loss(w_i + h) - loss(w_i - h)) / 2h
// approximates dloss/dw_i with error O(h^2). In float32 the rounding error of the two losses swamps that,
// so the check runs on float64 copies of the network (and 8 of the points), where backward() and the
// finite differences must agree to about 1e-6 relative. gradcheck does this for every element of every
// input with requiresGrad (src/autograd/gradcheck.ts).
// ---------------------------------------------------------------------------------------------------------
console.log(`3. gradcheck of the MLP (2 -> ${HIDDEN} -> ${HIDDEN} -> ${CLASSES}, tanh) in float64, on 8 points`);
{
  const net64 = mlpAs(net, 'float64');
  const rows = [0, 40, 99, 100, 150, 210, 250, 299];
  const x64 = tensor(
    rows.flatMap((r) => [data.x.data[2 * r], data.x.data[2 * r + 1]]),
    { shape: [rows.length, 2], dtype: 'float64' },
  );
  const y = tensor(Int32Array.from(rows, (r) => data.y.data[r]));
  const params64 = parameters(net64);
  // gradcheck calls this with the tensors in `inputs`, nudging one element at a time.
  const loss = (...p: Tensor[]): Tensor => crossEntropy(forward({ w1: p[0], b1: p[1], w2: p[2], b2: p[3], w3: p[4], b3: p[5] }, x64), y);
  const result = gradcheck(loss, params64);
  const count = params64.reduce((n, p) => n + p.size, 0);
  console.log(
    `   ${count} weights checked: ${result.ok ? 'backward() agrees with finite differences' : 'MISMATCH'} (worst error / tolerance = ${result.worstRatio.toExponential(2)})\n`,
  );
  if (!result.ok) throw new Error(`gradcheck failed: ${result.worst}`);
}

// ---------------------------------------------------------------------------------------------------------
// 4. Training by plain gradient descent (float32, all 300 points each step):
//      forward -> loss -> clear old gradients -> backward -> w := w - lr * dloss/dw
// The update changes the weights' data in place and must not itself be recorded as part of a graph, so it
// runs inside noGrad(). Each step builds a new graph; backward() frees it as it goes.
// ---------------------------------------------------------------------------------------------------------
const STEPS = 600;
const LR = 0.3;
console.log(`4. Training on the spiral (${data.y.size} points, ${CLASSES} classes): ${STEPS} steps of gradient descent, lr ${LR}`);
const started = performance.now();
for (let step = 0; step <= STEPS; step++) {
  const logits = forward(net, data.x);
  const loss = crossEntropy(logits, data.y); // mean over points of -log softmax(logits)[label]
  if (step % 60 === 0) {
    console.log(`   step ${String(step).padStart(4)}  loss ${loss.item().toFixed(4)}  accuracy ${(100 * accuracy(logits, data.y)).toFixed(1)}%`);
  }
  if (step === STEPS) break;
  for (const p of parameters(net)) p.grad = null;
  loss.backward();
  noGrad(() => {
    for (const p of parameters(net)) {
      const g = p.grad!.data;
      for (let i = 0; i < p.size; i++) p.data[i] -= LR * g[i];
    }
  });
}
const finalLogits = noGrad(() => forward(net, data.x));
const finalAccuracy = accuracy(finalLogits, data.y);
console.log(`   final training accuracy ${(100 * finalAccuracy).toFixed(1)}% (chance: 33.3%), ${((performance.now() - started) / 1000).toFixed(1)} s\n`);

// What the network learned: the predicted class over the square [-1, 1]^2 (a, b, c), with the training
// points on top (A, B, C: capital when the network classifies that point correctly, '?' when not).
console.log('   Predicted class over [-1, 1]^2, training points in capitals:');
{
  const W = 56;
  const H = 24;
  const grid: number[] = [];
  for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) grid.push(-1 + (2 * c + 1) / W, 1 - (2 * r + 1) / H);
  const gridClass = argmax(
    noGrad(() => forward(net, tensor(Float32Array.from(grid), { shape: [W * H, 2] }))),
    1,
  );
  const picture = Array.from({ length: H }, (_, r) => Array.from({ length: W }, (_, c) => 'abc'[gridClass.data[r * W + c]]));
  const predicted = argmax(finalLogits, 1);
  for (let i = 0; i < data.y.size; i++) {
    const c = Math.min(W - 1, Math.floor(((data.x.data[2 * i] + 1) / 2) * W));
    const r = Math.min(H - 1, Math.floor(((1 - data.x.data[2 * i + 1]) / 2) * H));
    picture[r][c] = predicted.data[i] === data.y.data[i] ? 'ABC'[data.y.data[i]] : '?';
  }
  for (const line of picture) console.log(`   ${line.join('')}`);
}
if (finalAccuracy < 0.9) throw new Error(`expected the MLP to fit the spiral (accuracy >= 90%), got ${(100 * finalAccuracy).toFixed(1)}%`);
