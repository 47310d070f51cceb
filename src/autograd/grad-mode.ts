/**
 * Whether ops record the graph. Inside `noGrad(() => ...)` they don't: no gradFn, no saved buffers.
 * Evaluation, the optimizer step and the backward pass itself run without recording.
 */
let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

/** Run `fn` without recording the graph, and restore the previous mode afterwards (also on error). [docs: no-grad] */
export function noGrad<T>(fn: () => T): T {
  const previous = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = previous;
  }
}
