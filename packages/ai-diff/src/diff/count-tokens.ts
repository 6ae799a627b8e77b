import { countTokens as countCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';
import type { TokenEncoding } from '../config/models.js';
import { startsSafely } from './token-tally.js';

/** Text that may contain `<|endoftext|>` and friends is counted as plain text, never rejected. */
const PLAIN = { disallowedSpecial: new Set<string>() };

/** BPE merging is quadratic in the length of one pre-token: lines with such runs are bounded instead. */
const LONG_RUN_LENGTH = 256;
const LONG_RUN = /\S{256,}/;

/**
 * Tokens of `text` in `encoding`: the tokenizer's exact count, except for lines holding a run of
 * 256+ non-space characters (base64, minified code), which count as their UTF-8 bytes, an upper
 * bound (every token is at least one byte) found in linear time. So the result is never below
 * the real count. Lines are set apart only where counts add up (see TokenTally), so counting a
 * text in pieces split at such line breaks gives the same total.
 * CPU-heavy: call it in the worker pool, not on the main thread.
 */
export function countTokens(text: string, encoding: TokenEncoding): number {
  const count = encoding === 'o200k_base' ? countO200k : countCl100k;
  if (text.length < LONG_RUN_LENGTH || !LONG_RUN.test(text)) return count(text, PLAIN);
  let total = 0;
  for (let start = 0; start < text.length; ) {
    const end = chunkEnd(text, start);
    const chunk = text.slice(start, end);
    total += LONG_RUN.test(chunk) ? Buffer.byteLength(chunk, 'utf8') : count(chunk, PLAIN);
    start = end;
  }
  return total;
}

/** Where the chunk from `start` ends: after the next line break followed by a line that starts safely, or at the end. */
function chunkEnd(text: string, start: number): number {
  let newline = text.indexOf('\n', start);
  while (newline !== -1 && newline + 1 < text.length) {
    const next = text.indexOf('\n', newline + 1);
    if (startsSafely(text.slice(newline + 1, next === -1 ? text.length : next + 1))) return newline + 1;
    newline = next;
  }
  return text.length;
}
