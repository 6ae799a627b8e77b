import { createRequire } from 'node:module';
import type { TokenEncoding } from '../config/models.js';
import { startsSafely } from './token-tally.js';

type Counter = (text: string, options: { disallowedSpecial: Set<string> }) => number;

/**
 * The encodings are loaded on first use, synchronously (CommonJS build): loading one costs
 * 0.1-0.8 s, which a small change never pays (see prepare.ts), and a bundle that keeps
 * gpt-tokenizer external never even parses its tables.
 */
const load = createRequire(import.meta.url);
const counters = new Map<TokenEncoding, Counter>();

function counter(encoding: TokenEncoding): Counter {
  let count = counters.get(encoding);
  if (!count) {
    const module = (encoding === 'o200k_base' ? load('gpt-tokenizer/encoding/o200k_base') : load('gpt-tokenizer/encoding/cl100k_base')) as { countTokens: Counter };
    count = module.countTokens;
    counters.set(encoding, count);
  }
  return count;
}

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
  const count = counter(encoding);
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
