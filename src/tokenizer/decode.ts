/**
 * Token ids back to text, the way Hugging Face's BERT tokenizer does it:
 *   1. join pieces: a `##` piece glues onto the previous one, any other piece is preceded by a space
 *      (the very first token is kept as is, even if it starts with `##`);
 *   2. the WordPiece decoder's own per-token cleanup (always on for BERT): " ." -> ".", " ?" -> "?",
 *      " !" -> "!", " ," -> ",", " ' " -> "'", " n't" -> "n't", " 'm" -> "'m", " do not" -> " don't",
 *      " 's" -> "'s", " 've" -> "'ve", " 're" -> "'re" (applied to each piece with its leading space, so in
 *      practice only the first four ever match);
 *   3. optionally (`cleanUpSpaces`, on by default) the same kind of cleanup on the whole string
 *      (transformers' clean_up_tokenization), which also turns "don ' t" into "don't".
 * Decoding is lossy: case, accents and the original spacing are gone.
 */

/** Per-piece cleanup of the WordPiece decoder. */
export function cleanupPiece(s: string): string {
  return s
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(' do not', " don't")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

/** Whole-string cleanup (transformers' `clean_up_tokenization`). */
export function cleanUpTokenization(s: string): string {
  return s
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

/** Join WordPiece tokens into text (steps 1 and 2 above). [docs: decode-join] */
export function joinWordPieces(tokens: readonly string[], prefix = '##'): string {
  let out = '';
  tokens.forEach((t, i) => {
    let piece = t;
    if (i > 0) piece = t.startsWith(prefix) ? t.slice(prefix.length) : ' ' + t;
    out += cleanupPiece(piece);
  });
  return out;
}
