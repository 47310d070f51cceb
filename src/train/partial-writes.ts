/**
 * What a killed run leaves half-written in its output directory, and its removal on the run's next start.
 *
 * Files and checkpoints are written under a temporary name and renamed into place (src/io/atomic.ts), so a
 * process killed while saving never damages what was there, but it leaves the temporary copy behind: a
 * checkpoint folder `checkpoints/step-0000012.tmp-<pid>-<n>` (the whole model and optimizer state: about
 * 1.3 GB for BERT-Base) or a hidden file `.model.safetensors.tmp-<pid>-<n>`. A process killed between the
 * two renames of a directory swap leaves the previous version complete at `<name>.old-<pid>-<n>`.
 *
 * The pid in the name says who was writing. Only leftovers of processes that are no longer running are
 * touched: a temporary copy is deleted; an `.old` copy is deleted when its directory exists, and otherwise
 * renamed back, since it is then the only complete version.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINT_DIR } from './checkpoint.ts';

/** `name.tmp-PID-N`, `.name.tmp-PID-N` (a hidden temporary file) or `name.old-PID-N`, as atomic.ts makes them. */
const LEFTOVER = /^(\.?)(.+)\.(tmp|old)-(\d+)-(\d+)$/;

/** Whether process `pid` is running (a zombie, dead but not yet reaped, is not). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // it exists, owned by someone else
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // no /proc to ask: kill(pid, 0) said it exists
  }
}

/**
 * Remove the leftovers of killed writers in `outDir` and `outDir/checkpoints` (see the file comment).
 * @returns one line per leftover handled, e.g. "removed checkpoints/step-0000012.tmp-4242-7 (process 4242 is gone)"
 */
export function cleanPartialWrites(outDir: string): string[] {
  const done: string[] = [];
  for (const sub of ['', CHECKPOINT_DIR]) {
    const dir = join(outDir, sub);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue; // no such folder yet
    }
    for (const name of names) {
      const m = LEFTOVER.exec(name);
      if (!m) continue;
      const [, hidden, target, kind, pidText] = m;
      const pid = Number(pidText);
      if (processAlive(pid)) continue;
      const path = join(dir, name);
      const shown = sub ? `${sub}/${name}` : name;
      if (kind === 'old' && !hidden && !existsSync(join(dir, target))) {
        renameSync(path, join(dir, target));
        done.push(`restored ${sub ? `${sub}/` : ''}${target} from ${shown} (process ${pid} was killed while replacing it)`);
      } else {
        rmSync(path, { recursive: true, force: true });
        done.push(`removed ${shown} (left by process ${pid}, which is gone)`);
      }
    }
  }
  return done;
}
