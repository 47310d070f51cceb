/**
 * The CLI's SIGINT / SIGTERM handlers (src/cli/interrupt.ts), driven with emitted signals and a fake clock:
 * the first asks the run to stop, a copy of the same Ctrl-C (the launcher passes it on) is not a second, a
 * real second one quits at once with 130 or 143, and the handlers are gone afterwards.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DUPLICATE_WINDOW_MS, installInterruptHandlers, withInterrupts, type InterruptHandlers } from '../../src/cli/interrupt.ts';

let handlers: InterruptHandlers | null = null;
afterEach(() => handlers?.dispose());

function setup() {
  const lines: string[] = [];
  const exits: number[] = [];
  let now = 1000;
  handlers = installInterruptHandlers('pretrain', { write: (l) => lines.push(l), exit: (c) => exits.push(c), now: () => now });
  return { lines, exits, h: handlers, advance: (ms: number) => (now += ms) };
}

describe('the CLI interrupt handlers', () => {
  it('the first SIGINT aborts the signal and says what happens; its copy is ignored; a second one exits 130 at once', () => {
    const { lines, exits, h, advance } = setup();
    expect(h.signal.aborted).toBe(false);
    process.emit('SIGINT', 'SIGINT');
    expect(h.signal.aborted).toBe(true);
    expect(h.received()).toBe('SIGINT');
    expect(lines).toEqual([
      'bert pretrain: SIGINT: finishing the current step, then saving a checkpoint and stopping (press Ctrl-C again to quit at once, without saving)',
    ]);
    advance(5);
    process.emit('SIGINT', 'SIGINT'); // the launcher's copy of the same Ctrl-C
    expect(exits).toEqual([]);
    advance(DUPLICATE_WINDOW_MS);
    process.emit('SIGINT', 'SIGINT');
    expect(exits).toEqual([130]);
    expect(lines[1]).toBe('bert pretrain: SIGINT again: quitting without saving the current step');
  });

  it('SIGTERM then SIGTERM exits 143; dispose removes the handlers', () => {
    const before = process.listenerCount('SIGTERM');
    const beforeInt = process.listenerCount('SIGINT');
    const { exits, h, advance } = setup();
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    process.emit('SIGTERM', 'SIGTERM');
    advance(DUPLICATE_WINDOW_MS + 1);
    process.emit('SIGTERM', 'SIGTERM');
    expect(exits).toEqual([143]);
    h.dispose();
    expect(process.listenerCount('SIGTERM')).toBe(before);
    expect(process.listenerCount('SIGINT')).toBe(beforeInt);
  });

  it('withInterrupts reports a run the signal stopped, with its checkpoint, and returns 130', async () => {
    const lines: string[] = [];
    const { exit } = await withInterrupts(
      'finetune',
      async (signal) => {
        process.emit('SIGINT', 'SIGINT');
        expect(signal.aborted).toBe(true);
        return { interrupted: { step: 12, checkpoint: 'runs/x/checkpoints/step-0000012' } };
      },
      { write: (l) => lines.push(l), exit: () => {} },
    );
    expect(exit).toBe(130);
    expect(lines.at(-1)).toBe(
      'bert finetune: stopped by SIGINT at step 12; checkpoint: runs/x/checkpoints/step-0000012. To continue, run the same command with --resume.',
    );
    const finished = await withInterrupts('finetune', async () => ({}), { write: (l) => lines.push(l) });
    expect(finished.exit).toBeNull();
  });
});
