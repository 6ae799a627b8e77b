import type { BlameLine } from '../../types.js';
import { decode, parseTz, unquoteCPath } from './parse-util.js';

/** `git blame --porcelain` argv. git applies .mailmap to blame authors by default. */
export function blameArgs(commit: string, path: string): string[] {
  return ['blame', '--porcelain', '--no-progress', commit, '--', path];
}

/** A commit's details, printed once, plus the path of its last `filename` line. */
interface CommitInfo {
  commit: string;
  authorName: string;
  authorEmail: string;
  authorTime: number;
  authorTzOffset: number;
  filename: string;
}

const HEADER = /^([0-9a-f]{40,64}) (\d+) (\d+)(?: (\d+))?$/;

/** git's buffer_is_binary: a NUL byte within the first 8000 bytes. */
const BINARY_PROBE = 8000;

/**
 * Parses `git blame --porcelain` as it streams in: `push()` each chunk of output and get back
 * the lines it completed, so a file's output is never held whole.
 *
 * A group of lines starts with `<sha> <orig> <final> <count>`, its other lines with
 * `<sha> <orig> <final>`. A commit's details (author, author-mail, ..., filename) follow only its
 * first group; later groups repeat `filename` only when the commit's lines come from more than
 * one path. So a group's path is its own `filename` line, else the commit's last one.
 */
export class BlamePorcelainParser {
  /** True once a NUL was seen within the first 8000 bytes of the file. */
  binary = false;
  private readonly commits = new Map<string, CommitInfo>();
  private info: CommitInfo | undefined;
  private groupPath: string | undefined;
  private origLine = 0;
  private finalLine = 0;
  private probed = 0;
  private rest: Buffer | undefined;

  /** Whether enough content was seen to decide `binary` (at end of output it is decided anyway). */
  get probeDone(): boolean {
    return this.binary || this.probed >= BINARY_PROBE;
  }

  /** Parses the complete lines of `chunk` (plus what was left over from the previous one). */
  push(chunk: Buffer): BlameLine[] {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    const lines: BlameLine[] = [];
    let pos = 0;
    for (let end = buf.indexOf(0x0a, pos); end !== -1; end = buf.indexOf(0x0a, pos)) {
      this.record(buf.subarray(pos, end), lines);
      pos = end + 1;
    }
    this.rest = pos < buf.length ? Buffer.from(buf.subarray(pos)) : undefined;
    return lines;
  }

  /** Parses what is left (output that does not end in a newline). */
  end(): BlameLine[] {
    const lines: BlameLine[] = [];
    if (this.rest) this.record(this.rest, lines);
    this.rest = undefined;
    return lines;
  }

  private record(line: Buffer, out: BlameLine[]): void {
    if (line[0] === 0x09) {
      const content = line.subarray(1);
      if (this.probed < BINARY_PROBE) {
        const zero = content.indexOf(0);
        if (zero !== -1 && this.probed + zero < BINARY_PROBE) this.binary = true;
        this.probed += content.length + 1;
      }
      const info = this.info;
      if (!info) return;
      out.push({
        line: this.finalLine,
        commit: info.commit,
        origLine: this.origLine,
        origPath: this.groupPath ?? info.filename,
        authorName: info.authorName,
        authorEmail: info.authorEmail,
        authorTime: info.authorTime,
        authorTzOffset: info.authorTzOffset,
        content: decode(content),
      });
      return;
    }
    const text = line.toString('latin1');
    const header = HEADER.exec(text);
    if (header) {
      const sha = header[1]!;
      let info = this.commits.get(sha);
      if (!info) {
        info = { commit: sha, authorName: '', authorEmail: '', authorTime: 0, authorTzOffset: 0, filename: '' };
        this.commits.set(sha, info);
      }
      this.info = info;
      this.origLine = Number(header[2]);
      this.finalLine = Number(header[3]);
      if (header[4] !== undefined) this.groupPath = undefined; // a new group
      return;
    }
    const info = this.info;
    if (!info) return;
    const space = text.indexOf(' ');
    const key = space === -1 ? text : text.slice(0, space);
    const value = line.subarray(space + 1);
    switch (key) {
      case 'author':
        info.authorName = decode(value);
        break;
      case 'author-mail':
        info.authorEmail = decode(value).replace(/^<|>$/g, '');
        break;
      case 'author-time':
        info.authorTime = Number(value.toString('latin1'));
        break;
      case 'author-tz':
        info.authorTzOffset = parseTz(value.toString('latin1'));
        break;
      case 'filename':
        this.groupPath = info.filename = unquoteCPath(decode(value));
        break;
    }
  }
}
