/**
 * BERT's input embeddings (docs/bert-embeddings.md):
 *
 *   e[b, s] = word[input_ids[b, s]] + position[s] + token_type[token_type_ids[b, s]]
 *   out     = Dropout(LayerNorm(e))
 *
 * Positions are learned (one vector per position 0..max_position_embeddings-1), not sinusoidal. The word
 * table's padding row (pad_token_id) gets no gradient, as nn.Embedding(padding_idx=...) in Hugging Face.
 */
import { Dropout, type RngSource } from '../nn/dropout.ts';
import { Embedding } from '../nn/embedding.ts';
import { LayerNorm } from '../nn/layer-norm.ts';
import { Module } from '../nn/module.ts';
import { add } from '../ops/elementwise.ts';
import { unsqueeze } from '../ops/shape.ts';
import { arange, zeros } from '../tensor/creation.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { BertConfig } from './config.ts';

export class BertEmbeddings extends Module {
  readonly wordEmbeddings: Embedding;
  readonly positionEmbeddings: Embedding;
  readonly tokenTypeEmbeddings: Embedding;
  readonly layerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(config: BertConfig, source: RngSource) {
    super();
    this.wordEmbeddings = this.registerModule('word_embeddings', new Embedding(config.vocabSize, config.hiddenSize, config.padTokenId));
    this.positionEmbeddings = this.registerModule('position_embeddings', new Embedding(config.maxPositionEmbeddings, config.hiddenSize));
    this.tokenTypeEmbeddings = this.registerModule('token_type_embeddings', new Embedding(config.typeVocabSize, config.hiddenSize));
    this.layerNorm = this.registerModule('LayerNorm', new LayerNorm(config.hiddenSize, config.layerNormEps));
    this.dropout = this.registerModule('dropout', new Dropout(config.hiddenDropoutProb, source));
  }

  /**
   * @param inputIds int32 [batch, seq] (validated by the caller: ids in the vocabulary, seq <= max positions)
   * @param tokenTypeIds int32 [batch, seq]; zeros when omitted
   * @returns [batch, seq, hidden]
   */
  forward(inputIds: Tensor, tokenTypeIds?: Tensor): Tensor {
    // [docs: embeddings-forward] e = word[input_ids] + position[s] + token_type[token_type_ids]; out = Dropout(LayerNorm(e))
    const [batch, seq] = inputIds.shape;
    const words = this.wordEmbeddings.forward(inputIds); // [B, S, H]
    const positions = this.positionEmbeddings.forward(unsqueeze(arange(seq, undefined, 1, { dtype: 'int32' }), 0)); // [1, S, H]
    const types = this.tokenTypeEmbeddings.forward(tokenTypeIds ?? zeros([batch, seq], { dtype: 'int32' })); // [B, S, H]
    const sum = add(add(words, types), positions);
    return this.dropout.forward(this.layerNorm.forward(sum));
  }
}
