// A TypeScript user of the installed package: test/package/package.test.ts runs `tsc --noEmit` on this file
// in a fresh project (strict, skipLibCheck off, so the package's .d.ts files are checked too). The lines
// marked as expected errors fail the check if the types resolve to `any`: then there is no error to expect.
import { BertConfig, BertForPreTraining, BertTokenizer, Vocab, loadPretrained, tensor, type BertInputs, type Encoding, type Tensor } from 'bert-ts';

const vocab = new Vocab(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'cat']);
const encoding: Encoding = new BertTokenizer(vocab).encode('the cat', 'the cat', { maxLength: 8, padding: 'max_length' });
const inputs: BertInputs = { inputIds: tensor([encoding.inputIds], { dtype: 'int32' }) };
const model = new BertForPreTraining(BertConfig.preset('tiny', { vocabSize: vocab.size }), { seed: 1 });
const logits: Tensor | undefined = model.forward(inputs).predictionLogits;
const count: number = model.numParameters();
const architecture: string = loadPretrained('some/dir').architecture;

// @ts-expect-error: hiddenSize is a number
BertConfig.preset('tiny', { hiddenSize: 'wide' });
// @ts-expect-error: there is no such preset
BertConfig.preset('enormous');
// @ts-expect-error: inputIds is required
model.forward({ tokenTypeIds: inputs.inputIds });

export { logits, count, architecture };
