import type { BlameLine } from '../../types.js';
import { decode, parseTz, unquoteCPath } from './parse-util.js';

/** `git blame --porcelain` argv. git applies .mailmap to blame authors by default. */
export function blameArgs(commit: string, path: string): string[] {
  return ['blame', '--porcelain', '--no-progress', commit, '--', path];
}

interface CommitInfo {
  authorName: string;
  authorEmail: string;
  authorTime: number;
  authorTzOffset: number;
}

const HEADER = /^([0-9a-f]{40,64}) (\d+) (\d+)(?: \d+)?$/;

/** Result of parsing porcelain output: lines, and whether git's binary heuristic says binary. */
export interface ParsedBlame {
  lines: BlameLine[];
  binary: boolean;
}

/** git's buffer_is_binary: a NUL byte within the first 8000 bytes. */
const BINARY_PROBE = 8000;

/**
 * Parses `git blame --porcelain`. Each line group starts with `<sha> <orig> <final> [<count>]`;
 * a commit's details (author, author-mail, ...) appear only the first time it shows up,
 * `filename` follows every group header, and the line's bytes follow a tab.
 */
export function parseBlamePorcelain(out: Buffer): ParsedBlame {
  const commits = new Map<string, CommitInfo>();
  const lines: BlameLine[] = [];
  let info: Partial<CommitInfo> = {};
  let sha = '';
  let origLine = 0;
  let finalLine = 0;
  let origPath = '';
  let probed = 0;
  let binary = false;
  let pos = 0;
  while (pos < out.length) {
    let end = out.indexOf(0x0a, pos);
    if (end === -1) end = out.length;
    const line = out.subarray(pos, end);
    pos = end + 1;
    if (line[0] === 0x09) {
      const content = line.subarray(1);
      if (probed < BINARY_PROBE) {
        const zero = content.indexOf(0);
        if (zero !== -1 && probed + zero < BINARY_PROBE) binary = true;
        probed += content.length + 1;
      }
      let known = commits.get(sha);
      if (!known) {
        known = {
          authorName: info.authorName ?? '',
          authorEmail: info.authorEmail ?? '',
          authorTime: info.authorTime ?? 0,
          authorTzOffset: info.authorTzOffset ?? 0,
        };
        commits.set(sha, known);
      }
      lines.push({ line: finalLine, commit: sha, origLine, origPath, ...known, content: decode(content) });
      continue;
    }
    const text = line.toString('latin1');
    const header = HEADER.exec(text);
    if (header) {
      sha = header[1]!;
      origLine = Number(header[2]);
      finalLine = Number(header[3]);
      if (!commits.has(sha)) info = {};
      continue;
    }
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
        origPath = unquoteCPath(decode(value));
        break;
    }
  }
  return { lines, binary };
}
