/**
 * Entry point of the `bert` command: `bert <command> [flags]`. See `bert --help`.
 */
import { pathToFileURL } from 'node:url';
import { formatFlags, UsageError } from './args.ts';
import { commands } from './commands/index.ts';
import '../accel/select.ts'; // BERT_BACKEND=gpujs|gpujs-webgpu|wasm selects the backend at load time (after the cpu kernels are registered)

function overview(): string {
  const width = Math.max(8, ...commands.map((c) => c.name.length)) + 2;
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`);
  return [
    'bert: BERT built from scratch in TypeScript',
    '',
    'Usage: bert <command> [flags]     (bert <command> --help for its flags)',
    '',
    'Commands:',
    ...(lines.length ? lines : ['  (none yet)']),
  ].join('\n');
}

/** Run the CLI with `argv` (without node and script path); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(overview());
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`bert: unknown command "${name}"\n\n${overview()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`${command.summary}\n\nUsage: ${command.usage}\n\nFlags:\n${formatFlags(command.flags)}`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`bert ${name}: ${err.message}\n\nUsage: ${command.usage}  (bert ${name} --help)`);
      return 2;
    }
    console.error(`bert ${name}: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.BERT_DEBUG && err instanceof Error) console.error(err.stack);
    return 1;
  }
}

// Run directly: `tsx src/cli/main.ts ...` (what `npm run demo` does), or `node dist/cli/main.js ...` once built.
// pathToFileURL, not 'file://' + path: a path with a space or a '#' in it is escaped in import.meta.url.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
