/**
 * Progress display for long runs. On a terminal: one line redrawn in place with a bar, step/total, the
 * latest metrics, throughput and ETA. Elsewhere (a log file, CI): a plain line every `every` steps, so logs
 * stay readable.
 */

export interface ProgressOptions {
  total: number;
  /** Label in front of the bar, e.g. "pretrain". */
  label?: string;
  /** Stream to write to (default process.stderr). */
  stream?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean; columns?: number };
  /** Plain mode: print a line every this many steps (default: about 20 lines per run). */
  every?: number;
  /** Force plain lines even on a terminal. */
  plain?: boolean;
  /** Step the run starts from (a resumed run), so rates and ETA count only this session's steps. */
  startStep?: number;
}

/** Seconds as "1h02m", "3m05s" or "42s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(r).padStart(2, '0')}s`;
  return `${r}s`;
}

export class Progress {
  private readonly total: number;
  private readonly label: string;
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private readonly tty: boolean;
  private readonly every: number;
  private readonly startStep: number;
  private readonly startTime = performance.now();
  private lastDraw = 0;

  constructor(opts: ProgressOptions) {
    this.total = opts.total;
    this.label = opts.label ?? '';
    this.stream = opts.stream ?? process.stderr;
    this.tty = !opts.plain && Boolean(this.stream.isTTY);
    this.every = opts.every ?? Math.max(1, Math.round(opts.total / 20));
    this.startStep = opts.startStep ?? 0;
  }

  /**
   * Report that `step` steps are done.
   * @param metrics shown as `name value` pairs (numbers to 4 significant digits)
   * @param tokens tokens processed since the start of this session, for tokens/s
   */
  update(step: number, metrics: Record<string, number | string>, tokens?: number): void {
    const elapsed = (performance.now() - this.startTime) / 1000;
    const done = step - this.startStep;
    const rate = done > 0 ? elapsed / done : NaN;
    const eta = formatDuration(rate * (this.total - step));
    const parts = Object.entries(metrics).map(([k, v]) => `${k} ${typeof v === 'number' ? fmt(v) : v}`);
    if (tokens !== undefined && elapsed > 0) parts.push(`${Math.round(tokens / elapsed)} tok/s`);
    const status = `${step}/${this.total} ${parts.join(' | ')} | ETA ${eta}`;
    if (this.tty) {
      const now = performance.now();
      if (now - this.lastDraw < 100 && step < this.total) return;
      this.lastDraw = now;
      const width = 24;
      const filled = Math.round((width * step) / Math.max(1, this.total));
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
      let line = `${this.label ? this.label + ' ' : ''}[${bar}] ${status}`;
      const cols = (this.stream as { columns?: number }).columns;
      if (cols && line.length > cols - 1) line = line.slice(0, cols - 1);
      this.stream.write(`\r\x1b[2K${line}`);
    } else if (step % this.every === 0 || step === this.total) {
      this.stream.write(`${this.label ? this.label + ' ' : ''}step ${status}\n`);
    }
  }

  /** A message on its own line (an evaluation result, a checkpoint), without breaking the bar. */
  log(message: string): void {
    this.stream.write(this.tty ? `\r\x1b[2K${message}\n` : `${message}\n`);
  }

  /** End the bar's line. */
  finish(): void {
    if (this.tty) this.stream.write('\n');
  }
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(4);
}
