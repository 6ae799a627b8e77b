import { countTokens as countCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';
import type { TokenEncoding } from '../config/models.js';

/** Text that may contain `<|endoftext|>` and friends is counted as plain text, never rejected. */
const PLAIN = { disallowedSpecial: new Set<string>() };

/** BPE merging is quadratic in the length of one pre-token; longer runs are counted in pieces. */
const LONG_RUN = /\S{256,}/g;
const PIECE = 256;

/**
 * Tokens of `text` in `encoding`. Exact except inside runs of 256+ non-space characters
 * (base64, minified code), which are counted in 256-character pieces: a slight over-count,
 * never an under-count in practice, and linear instead of quadratic time.
 * CPU-heavy: call it in the worker pool, not on the main thread.
 */
export function countTokens(text: string, encoding: TokenEncoding): number {
  const count = encoding === 'o200k_base' ? countO200k : countCl100k;
  let total = 0;
  let last = 0;
  for (const match of text.matchAll(LONG_RUN)) {
    if (match.index > last) total += count(text.slice(last, match.index), PLAIN);
    const run = match[0];
    for (let i = 0; i < run.length; i += PIECE) total += count(run.slice(i, i + PIECE), PLAIN);
    last = match.index + run.length;
  }
  if (last < text.length) total += count(last === 0 ? text : text.slice(last), PLAIN);
  return total;
}
