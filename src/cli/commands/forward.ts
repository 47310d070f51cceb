/**
 * `bert forward --model DIR --inputs FILE.json --out FILE.safetensors [--grads]`: run a checkpoint on your
 * own inputs and save every intermediate result under Hugging Face's names (hidden_states.<i>,
 * attentions.<i>, the head's logits, loss, and with --grads d(loss)/d(parameter) as grad.<name>).
 * The model class comes from config.json `architectures`. This is also how the reference checks run.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, required } from '../args.ts';
import type { Command } from '../command.ts';
import { makeParentDirectory } from '../run-dir.ts';
import { loadPretrained } from '../../hf/pretrained.ts';
import { inputsFromJSON, runForward } from '../../hf/run-forward.ts';
import { saveSafetensors } from '../../io/safetensors-write.ts';

export const forwardCommand: Command = {
  name: 'forward',
  summary: 'run a checkpoint on JSON inputs; save hidden states, attentions, logits, loss (and gradients) as safetensors',
  usage: 'bert forward --model DIR --inputs FILE.json --out FILE.safetensors [--grads] [--architecture NAME]',
  flags: {
    model: { kind: 'string', path: 'dir', help: 'checkpoint directory (config.json + model.safetensors)' },
    inputs: { kind: 'string', path: 'file', help: 'JSON object of Hugging Face arguments: input_ids, token_type_ids, attention_mask, labels, ...' },
    out: { kind: 'string', path: 'out-file', help: 'safetensors file to write' },
    grads: { kind: 'boolean', help: 'also write grad.<parameter> = d(loss)/d(parameter) (needs labels)' },
    architecture: { kind: 'string', help: 'model class to build instead of config.json architectures[0]' },
  },
  async run(argv) {
    const { flags } = parseArgs(argv, forwardCommand.flags, { positionals: { max: 0 } });
    const dir = required<string>(flags, 'model');
    const inputsPath = required<string>(flags, 'inputs');
    const outPath = required<string>(flags, 'out');
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(inputsPath, 'utf8'));
    } catch (err) {
      throw new Error(`${inputsPath}: ${(err as Error).message}`);
    }
    const model = loadPretrained(dir, {
      architecture: flags.architecture as string | undefined,
      onWarning: (m) => console.error(`warning: ${m}`),
    });
    const inputs = inputsFromJSON(json, model, inputsPath);
    const result = runForward(model, inputs, { grads: flags.grads === true });
    makeParentDirectory(outPath, 'out');
    await saveSafetensors(outPath, result, { format: 'pt' });
    const names = Object.keys(result).filter((n) => !n.startsWith('grad.'));
    const grads = Object.keys(result).length - names.length;
    console.log(`${model.architecture} (${model.numParameters().toLocaleString('en-US')} parameters) on input_ids [${inputs.inputIds.shape.join(', ')}]`);
    for (const n of names) {
      const t = result[n];
      const value = n === 'loss' ? `  ${t.data[0]}` : '';
      console.log(`  ${n.padEnd(26)} [${t.shape.join(', ')}]${value}`);
    }
    if (grads) console.log(`  ${grads} gradients (grad.<parameter name>)`);
    console.log(`wrote ${outPath}`);
    return 0;
  },
};
