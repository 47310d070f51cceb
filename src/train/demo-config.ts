/**
 * The demo's model, in a file of its own that imports nothing, so that the web playground (web/src) builds
 * the same model without loading the demo's file handling.
 */

/** The demo model: BERT-Tiny's depth with a narrower hidden size, so it trains in minutes on 2 cores. */
export const DEMO_CONFIG = {
  hidden_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 256,
  max_position_embeddings: 128,
  type_vocab_size: 2,
  vocab_size: 512,
  hidden_act: 'gelu',
  // No dropout: the demo trains for a few minutes on a generated corpus it never exhausts, so regularising
  // would only slow down what the reader is waiting to see. Real pretraining keeps BERT's 0.1.
  hidden_dropout_prob: 0,
  attention_probs_dropout_prob: 0,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  model_type: 'bert',
};
