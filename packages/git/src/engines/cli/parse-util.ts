import type { FileStatus } from '../../types.js';

// ignoreBOM: keep a leading U+FEFF, as git prints the bytes (the default would drop it).
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** UTF-8 decode; invalid bytes become U+FFFD, as everywhere in @gitfleet/git. A byte-order mark is kept. */
export function decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** `+0530` -> 330, `-0800` -> -480. */
export function parseTz(tz: string): number {
  const m = /^([+-])(\d\d)(\d\d)$/.exec(tz.trim());
  if (!m) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

const STATUS: Record<string, FileStatus> = {
  A: 'added',
  M: 'modified',
  D: 'deleted',
  R: 'renamed',
  C: 'copied',
  T: 'typechange',
};

/** Status letter of a `--raw` line (`R086` -> renamed). */
export function parseStatus(letter: string): FileStatus {
  return STATUS[letter.charAt(0)] ?? 'modified';
}

const C_ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/**
 * Undoes git's C-style path quoting (`"a\tb\303\251"`) into the path's bytes, decoded as UTF-8.
 * Unquoted input is returned as is.
 */
export function unquoteCPath(text: string): string {
  if (!(text.length >= 2 && text.startsWith('"') && text.endsWith('"'))) return text;
  const bytes: number[] = [];
  const body = Buffer.from(text.slice(1, -1), 'utf8');
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (b !== 92) {
      bytes.push(b);
      continue;
    }
    const next = String.fromCharCode(body[i + 1] ?? 0);
    if (next >= '0' && next <= '7') {
      bytes.push(parseInt(body.subarray(i + 1, i + 4).toString('latin1'), 8));
      i += 3;
    } else {
      bytes.push(C_ESCAPES[next] ?? body[i + 1]!);
      i += 1;
    }
  }
  return decode(Uint8Array.from(bytes));
}
