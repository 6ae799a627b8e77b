/** After a line break, leading blanks then a line break or the end: the break may join the next piece. */
const JOINS_PREVIOUS = /^[^\S\r\n]*(?:[\r\n]|$)/;

/**
 * True when a text ending with `\n` followed by `piece` is counted exactly as the sum of the two
 * counts. The split regexes of cl100k_base and o200k_base (no lookbehind) put a line break in a
 * pre-token together with what follows only when that is another line break (after optional
 * blanks) or, after punctuation, a `/`. So the split is certain when `piece` starts with a
 * non-blank character other than `/`, or with blanks and then a character that is not a line break.
 */
export function startsSafely(piece: string): boolean {
  const first = piece.charCodeAt(0);
  if (first > 32 && first < 127 && first !== 47) return true;
  return first !== 47 && piece.length > 0 && !JOINS_PREVIOUS.test(piece);
}

/**
 * The exact token count of a text built piece by piece (lines with their `\n`, the last one
 * without), from counts of the pieces: tokens are additive across a line break followed by a
 * piece that {@link startsSafely}. A piece that does not is counted together with the pieces
 * before it, back to the last safe split. Lets every request be counted exactly while each line
 * is tokenized once.
 *
 * @example
 * const tally = new TokenTally((t) => countTokens(t, 'o200k_base'));
 * tally.add('+const a = 1;\n', lineCount); tally.add('</diff>');
 * tally.tokens; // === countTokens('+const a = 1;\n</diff>', 'o200k_base')
 */
export class TokenTally {
  private closed = 0;
  private open: string[] = [];
  private openTokens = 0;
  private afterBreak = true;

  constructor(private readonly count: (text: string) => number) {}

  /** Appends `piece`; `tokens` is its own count when the caller already has it. */
  add(piece: string, tokens?: number): void {
    if (this.open.length > 0 && !(this.afterBreak && startsSafely(piece))) {
      this.open.push(piece);
      this.openTokens = this.count(this.open.join(''));
    } else {
      this.closed += this.openTokens;
      this.open = [piece];
      this.openTokens = tokens ?? this.count(piece);
    }
    this.afterBreak = piece.endsWith('\n');
  }

  /** Tokens of everything added so far. */
  get tokens(): number {
    return this.closed + this.openTokens;
  }
}
