/**
 * Ctrl-C and SIGTERM during `bert pretrain` and `bert finetune`: the first asks the run to stop after its
 * current step and save a checkpoint of it (the AbortSignal the trainers take, src/train/interrupt.ts); the
 * command then says where the checkpoint is and exits with 128 + the signal's number (130 for SIGINT, 143
 * for SIGTERM), as a process killed by it would. A second one quits at once, without saving.
 *
 * A Ctrl-C in a terminal goes to every process of the foreground group: the launcher (bin/run.mjs), which
 * may pass it on, and this process. The copies arrive within milliseconds, or, while a step is computing,
 * wait together and are handled at the same moment. So a second signal counts only when it comes
 * DUPLICATE_WINDOW_MS after the first was handled, that is after the "press Ctrl-C again" line was shown.
 * (A handler cannot run during a step, which is one synchronous computation: the first message appears, and
 * a second Ctrl-C takes effect, when the step in progress ends.)
 */
import { constants } from 'node:os';
import type { Interruption } from '../train/interrupt.ts';

/** Signals closer together than this are one (see the file comment). */
export const DUPLICATE_WINDOW_MS = 1000;

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export interface InterruptOptions {
  /** Ends the process (default process.exit); replaced in tests. */
  exit?: (code: number) => void;
  /** Writes a line for the user (default: to stderr). */
  write?: (line: string) => void;
  /** Milliseconds clock (default Date.now). */
  now?: () => number;
}

/** The handlers of one command run; `dispose` removes them. */
export interface InterruptHandlers {
  /** Aborted by the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** The first signal received, or null. */
  received(): NodeJS.Signals | null;
  dispose(): void;
}

/** 130 for SIGINT, 143 for SIGTERM: what a shell shows for a process ended by the signal. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}

/** Install SIGINT and SIGTERM handlers for `bert <command>` (see the file comment). */
export function installInterruptHandlers(command: string, opts: InterruptOptions = {}): InterruptHandlers {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const write = opts.write ?? ((line: string) => void process.stderr.write(line + '\n'));
  const now = opts.now ?? Date.now;
  const controller = new AbortController();
  let first: { signal: NodeJS.Signals; at: number } | null = null;
  const handler = (signal: NodeJS.Signals) => {
    const at = now();
    if (first === null) {
      first = { signal, at };
      const again = signal === 'SIGINT' ? 'press Ctrl-C' : 'send it';
      write(`bert ${command}: ${signal}: finishing the current step, then saving a checkpoint and stopping (${again} again to quit at once, without saving)`);
      controller.abort();
      return;
    }
    if (at - first.at < DUPLICATE_WINDOW_MS) return; // the same Ctrl-C, passed on by the launcher
    write(`bert ${command}: ${signal} again: quitting without saving the current step`);
    exit(signalExitCode(signal));
  };
  for (const s of SIGNALS) process.on(s, handler);
  return {
    signal: controller.signal,
    received: () => first?.signal ?? null,
    dispose: () => {
      for (const s of SIGNALS) process.removeListener(s, handler);
    },
  };
}

/** What ran until the signal: a single run, or a search (which names the run it stopped). */
interface MaybeInterrupted {
  interrupted?: Interruption & { run?: number };
}

/**
 * Run `body` (a training run given the AbortSignal) with the handlers installed. When the run was stopped by
 * a signal, print where its checkpoint is and how to continue; `exit` is then the exit code to return
 * (130, 143), otherwise null.
 */
export async function withInterrupts<T extends MaybeInterrupted>(
  command: string,
  body: (signal: AbortSignal) => Promise<T>,
  opts: InterruptOptions = {},
): Promise<{ result: T; exit: number | null }> {
  const handlers = installInterruptHandlers(command, opts);
  let result: T;
  try {
    result = await body(handlers.signal);
  } finally {
    handlers.dispose();
  }
  const stop = result.interrupted;
  const received = handlers.received();
  if (!stop || !received) return { result, exit: null };
  const write = opts.write ?? ((line: string) => void process.stderr.write(line + '\n'));
  const where = stop.run !== undefined ? ` in run ${stop.run} of the search` : '';
  write(
    stop.checkpoint
      ? `bert ${command}: stopped by ${received}${where} at step ${stop.step}; checkpoint: ${stop.checkpoint}. To continue, run the same command with --resume.`
      : `bert ${command}: stopped by ${received}${where} before the first step; nothing to save.`,
  );
  return { result, exit: signalExitCode(received) };
}
