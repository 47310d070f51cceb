/**
 * The reverse-mode engine.
 *
 * Forward ops built a DAG: each non-leaf tensor's `gradFn` lists its inputs. For a scalar loss L,
 * backward() visits the tensors in reverse topological order (every tensor after all tensors computed from
 * it), so that when we reach tensor t, dL/dt is complete: the sum over every use of t (the chain rule's
 * sum over paths). The tensor's gradFn turns dL/dt into dL/d(input) for each input, which is added to the
 * input's running total. Leaves keep their total in `.grad`.
 *
 * Memory: once a tensor's gradient has been passed on, its gradient and its gradFn (and with it every
 * buffer the backward closure saved) are dropped, so activations are freed as the backward pass goes.
 * A second backward() through the same graph is therefore an error, as in PyTorch.
 */
import { onesLike } from '../tensor/creation.ts';
import { sameShape, shapeToString } from '../tensor/shape.ts';
import { setBackwardImplementation, Tensor } from '../tensor/tensor.ts';
import { dispatch } from './dispatch.ts';
import { noGrad } from './grad-mode.ts';

/** Tensors reachable from `root` through gradFn inputs, each after all of its inputs (iterative DFS). [docs: backward-order] */
export function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Stack of [tensor, index of next input to visit].
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, next] = top;
    const inputs = t.gradFn?.inputs ?? [];
    if (next < inputs.length) {
      top[1] = next + 1;
      const child = inputs[next];
      if (child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

/** Elementwise a + b for same-shape tensors, into a new tensor (gradients are never changed in place). */
function addGrads(a: Tensor, b: Tensor): Tensor {
  return dispatch('addGradients', { a, b }, null, addGradientsReference);
}

/** The reference of 'addGradients': out = a + b, a and b of one shape. */
export function addGradientsReference({ a, b }: { a: Tensor; b: Tensor }): Tensor {
  const out = a.data.slice();
  const bd = b.data;
  for (let i = 0; i < out.length; i++) out[i] += bd[i];
  return new Tensor(out, a.shape);
}

/**
 * Compute d(root)/d(leaf) for every leaf with requiresGrad, adding it to `leaf.grad`.
 * @param gradOutput d(loss)/d(root); defaults to 1 for a one-element root.
 */
export function backward(root: Tensor, gradOutput?: Tensor): void {
  if (root.graphReleased) {
    throw new Error('backward: this graph was already used by a backward pass and its buffers are freed; run the forward pass again');
  }
  if (!root.requiresGrad) {
    throw new Error('backward: the tensor does not require a gradient (no input had requiresGrad, or it was computed under noGrad)');
  }
  if (gradOutput === undefined) {
    if (root.size !== 1) {
      throw new Error(`backward: gradOutput may only be omitted for a one-element tensor, got shape ${shapeToString(root.shape)}`);
    }
    gradOutput = onesLike(root);
  } else if (!sameShape(gradOutput.shape, root.shape)) {
    throw new Error(`backward: gradOutput shape ${shapeToString(gradOutput.shape)} differs from the tensor's ${shapeToString(root.shape)}`);
  } else if (gradOutput.dtype !== root.dtype) {
    throw new Error(`backward: gradOutput dtype ${gradOutput.dtype} differs from the tensor's ${root.dtype} (convert it with cast())`);
  }

  // [docs: backward-sweep] Reverse topological order: t's gradient is complete (every use summed) when t is reached.
  const order = topologicalOrder(root);
  const grads = new Map<Tensor, Tensor>([[root, gradOutput]]);
  // Sums made here by addGrads: new tensors that nothing else holds.
  const summed = new Set<Tensor>();
  noGrad(() => {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      grads.delete(t);
      if (g === undefined) continue;
      const ownSum = summed.delete(g);
      const fn = t.gradFn;
      if (fn === null) {
        if (t.graphReleased) {
          throw new Error('backward: part of this graph was already freed by an earlier backward pass; run the forward pass again');
        }
        // [docs: backward-leaf-accumulate]
        // A leaf: accumulate across backward calls (gradient accumulation over micro-batches).
        // The first gradient is copied: op backward functions may hand out tensors that share storage.
        // A sum made here is new and held by nothing else, so it is kept as it is; so is a gradient held
        // only elsewhere (the speed layer never writes a buffer twice).
        if (t.grad !== null) t.grad = addGrads(t.grad, g);
        else t.grad = ownSum ? g : g.isOnHost ? new Tensor(g.data.slice(), g.shape) : g.detach();
        continue;
      }
      const inputGrads = fn.backward(g);
      fn.inputs.forEach((input, k) => {
        const gi = inputGrads[k];
        if (!input.requiresGrad || gi === null || gi === undefined) return;
        if (!sameShape(gi.shape, input.shape)) {
          throw new Error(`backward of ${fn.name}: gradient for input ${k} has shape ${shapeToString(gi.shape)}, the input has ${shapeToString(input.shape)}`);
        }
        const prev = grads.get(input);
        if (prev === undefined) grads.set(input, gi);
        else {
          const total = addGrads(prev, gi);
          summed.delete(prev);
          summed.add(total);
          grads.set(input, total);
        }
      });
      // [docs: backward-free] Release the closure and everything it saved.
      t.gradFn = null;
      t.graphReleased = true;
    }
  });
}

setBackwardImplementation(backward);

export { Tensor };
