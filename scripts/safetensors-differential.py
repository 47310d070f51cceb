"""
Step 2 of the comparison with Hugging Face's reference reader (step 1: scripts/safetensors-differential.ts):
read every file in DIR with the `safetensors` package and compare with our verdicts in DIR/ours.jsonl.

    python3 scripts/safetensors-differential.py DIR
"""
import collections
import json
import os
import sys

from safetensors import __version__, deserialize

folder = sys.argv[1]
counts = collections.Counter()
differ = []
with open(os.path.join(folder, 'ours.jsonl')) as f:
    for line in f:
        ours = json.loads(line)
        with open(os.path.join(folder, ours['file']), 'rb') as g:
            data = g.read()
        try:
            ref = {'ok': True, 'tensors': len(deserialize(data))}
        except Exception as err:  # the reference raises SafetensorError (and, for bad UTF-8, others)
            ref = {'ok': False, 'error': str(err)}
        if ours['ok'] != ref['ok']:
            counts['we read, the reference refuses' if ours['ok'] else 'the reference reads, we refuse'] += 1
            differ.append((ours['file'], ours.get('error') or ref.get('error')))
        elif ours['ok'] and ours['tensors'] != ref['tensors']:
            counts['both read, different tensor counts'] += 1
            differ.append((ours['file'], f"{ours['tensors']} vs {ref['tensors']} tensors"))
        else:
            counts['both read' if ours['ok'] else 'both refuse'] += 1

print(f'safetensors {__version__}: ' + ', '.join(f'{k}: {v}' for k, v in sorted(counts.items())))
for file, why in differ[:50]:
    print(f'  {file}: {why[:200]}')
