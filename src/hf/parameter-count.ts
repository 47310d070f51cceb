/**
 * Parameter shapes and counts computed from a config alone, without allocating the model (BERT-Large's
 * 335M floats would take 1.3 GB). The tests check these shapes against real models, name by name.
 *
 * [docs: bert-parameter-count]
 * For hidden H, intermediate I, vocab V, positions P, token types T, L layers:
 *   embeddings  (V + P + T) H + 2H
 *   each layer  4 (H^2 + H) + 2H  (attention)  +  (H I + I) + (I H + H) + 2H  (feed-forward)
 *   pooler      H^2 + H
 *   MLM head    H^2 + H + 2H + V  (the decoder weight is the word embeddings: not counted again)
 *   NSP head    2H + 2
 */
import type { BertConfig } from '../bert/config.ts';

/** Hugging Face names and shapes of the parameters of `architecture` for `config`, tied weights once. */
export function bertParameterShapes(config: BertConfig, architecture: string): Map<string, number[]> {
  const { hiddenSize: H, intermediateSize: I, vocabSize: V, maxPositionEmbeddings: P, typeVocabSize: T } = config;
  const shapes = new Map<string, number[]>();
  const linear = (name: string, out: number, inp: number) => {
    shapes.set(`${name}.weight`, [out, inp]);
    shapes.set(`${name}.bias`, [out]);
  };
  const layerNorm = (name: string) => {
    shapes.set(`${name}.weight`, [H]);
    shapes.set(`${name}.bias`, [H]);
  };
  const bare = architecture === 'BertModel';
  const withPooler = ['BertModel', 'BertForPreTraining', 'BertForSequenceClassification', 'BertForMultipleChoice'].includes(architecture);
  const b = bare ? '' : 'bert.';
  shapes.set(`${b}embeddings.word_embeddings.weight`, [V, H]);
  shapes.set(`${b}embeddings.position_embeddings.weight`, [P, H]);
  shapes.set(`${b}embeddings.token_type_embeddings.weight`, [T, H]);
  layerNorm(`${b}embeddings.LayerNorm`);
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const l = `${b}encoder.layer.${i}`;
    for (const p of ['query', 'key', 'value']) linear(`${l}.attention.self.${p}`, H, H);
    linear(`${l}.attention.output.dense`, H, H);
    layerNorm(`${l}.attention.output.LayerNorm`);
    linear(`${l}.intermediate.dense`, I, H);
    linear(`${l}.output.dense`, H, I);
    layerNorm(`${l}.output.LayerNorm`);
  }
  if (withPooler) linear(`${b}pooler.dense`, H, H);
  switch (architecture) {
    case 'BertModel':
      break;
    case 'BertForPreTraining':
    case 'BertForMaskedLM':
      shapes.set('cls.predictions.bias', [V]);
      linear('cls.predictions.transform.dense', H, H);
      layerNorm('cls.predictions.transform.LayerNorm');
      if (architecture === 'BertForPreTraining') linear('cls.seq_relationship', 2, H);
      break;
    case 'BertForSequenceClassification':
    case 'BertForTokenClassification':
      linear('classifier', config.numLabels, H);
      break;
    case 'BertForMultipleChoice':
      linear('classifier', 1, H);
      break;
    case 'BertForQuestionAnswering':
      linear('qa_outputs', 2, H);
      break;
    default:
      throw new Error(`bertParameterShapes: unknown architecture "${architecture}"`);
  }
  return shapes;
}

/** Number of distinct parameters (tied weights once) of `architecture` for `config`. */
export function countBertParameters(config: BertConfig, architecture: string): number {
  let n = 0;
  for (const shape of bertParameterShapes(config, architecture).values()) n += shape.reduce((a, d) => a * d, 1);
  return n;
}
