import type { LineTokens } from './line-tokens.js';
import { TokenTally } from './token-tally.js';
import type { DiffLines } from './types.js';

/** Lines of a message body, each with its line break, and their token counts when known (-1 if not). */
export class Body {
  readonly pieces: string[] = [];
  readonly tokens: number[] = [];

  constructor(private readonly lineTokens: LineTokens) {}

  text(line: string, tokens = -1): void {
    this.pieces.push(`${line}\n`);
    this.tokens.push(tokens);
  }

  /** Line `i` of a diff text, counted (once) by the shared line counter. */
  diffLine(lines: DiffLines, i: number): void {
    this.pieces.push(this.lineTokens.piece(lines, i));
    this.tokens.push(this.lineTokens.tokens(lines, i));
  }

  /** Lines `from` to `to` (exclusive) of a diff text. */
  diffLines(lines: DiffLines, from: number, to: number): void {
    for (let i = from; i < to; i++) this.diffLine(lines, i);
  }
}

/**
 * A request's user message, `head lines + body + closing line`, rendered with its exact token
 * count: every line is tokenized once (see TokenTally), never the whole message again.
 * `bodyLines` keeps only the first lines of the body, and `tail` lines follow them (a message cut to fit).
 */
export function renderMessage(
  head: readonly string[],
  body: Body,
  closing: string,
  count: (text: string) => number,
  bodyLines = body.pieces.length,
  tail: readonly string[] = [],
): { user: string; tokens: number } {
  const tally = new TokenTally(count);
  const pieces: string[] = [];
  const text = (line: string): void => {
    const piece = `${line}\n`;
    pieces.push(piece);
    tally.add(piece);
  };
  head.forEach(text);
  for (let i = 0; i < bodyLines; i++) {
    const piece = body.pieces[i]!;
    const tokens = body.tokens[i]!;
    pieces.push(piece);
    tally.add(piece, tokens < 0 ? undefined : tokens);
  }
  tail.forEach(text);
  pieces.push(closing);
  tally.add(closing);
  return { user: pieces.join(''), tokens: tally.tokens };
}
