/**
 * Stopping a training run cleanly on request (Ctrl-C, SIGTERM, a button in a page): the caller passes an
 * AbortSignal; the loop looks at it between steps, and when it is aborted finishes what that step started
 * (its evaluation and checkpoint when they fall on it), saves a checkpoint of the step if it has none, and
 * returns saying where. The library installs no process-wide signal handler; the CLI does
 * (src/cli/interrupt.ts).
 *
 * A training step is one long synchronous computation, so nothing else runs while it does: not a signal
 * handler, not a timer, not the messages of whoever hosts the loop (a test runner's worker answering its
 * parent, a page's worker answering the page). So the loop yields to the event loop between steps, every
 * step, signal or not: a handler that aborts the signal gets to run, and the host never waits longer than
 * one step (a yield costs microseconds; a step, milliseconds or more).
 */

/** How a run ended early on request: the step it reached and the checkpoint holding it. */
export interface Interruption {
  step: number;
  /** The checkpoint of `step`, or null when the run was stopped before its first step (nothing to save). */
  checkpoint: string | null;
}

/** Let pending callbacks (a signal handler) run before the next step. */
export function yieldToEventLoop(): Promise<void> {
  // setImmediate in Node (runs after pending I/O); a page has only timers.
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}
