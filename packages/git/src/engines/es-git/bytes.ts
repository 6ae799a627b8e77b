/** Byte-level helpers shared by the worker modules (no es-git imports: pure functions). */

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Decodes UTF-8, replacing invalid sequences with U+FFFD (git prints the bytes; we must return text). */
export function decodeUtf8(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/** A byte string: one JS char per byte, so bytes survive string operations exactly. */
export function toByteString(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

export function fromByteString(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

/** UTF-8 text (e.g. a path from es-git) as a byte string. */
export function utf8ToByteString(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** Bytewise order of UTF-8 strings, as git sorts ref names and paths. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** git's binary heuristic (`buffer_is_binary`): a NUL byte within the first 8000 bytes. */
export function looksBinary(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, 8000);
  for (let i = 0; i < end; i++) if (bytes[i] === 0) return true;
  return false;
}

/**
 * Splits a byte string into lines that keep their `\n` (the last line may lack it),
 * which is how both git blame and xdiff see records.
 */
export function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl + 1;
    lines.push(text.slice(start, end));
    start = end;
  }
  return lines;
}

const NAMED_ESCAPES: Record<number, string> = { 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r', 34: '"', 92: '\\' };

function needsQuoting(code: number): boolean {
  return code < 0x20 || code === 0x22 || code === 0x5c || code === 0x7f;
}

/**
 * git's C-style path quoting with core.quotepath=off, on a byte string: only control
 * characters, `"` and `\` force quoting; bytes >= 0x80 stay as they are.
 * Returns `prefix + path`, quoted as a whole when needed (git's `quote_two`).
 */
export function quotePath(prefix: string, path: string): string {
  const whole = prefix + path;
  let mustQuote = false;
  for (let i = 0; i < whole.length && !mustQuote; i++) mustQuote = needsQuoting(whole.charCodeAt(i));
  if (!mustQuote) return whole;
  let out = '"';
  for (let i = 0; i < whole.length; i++) {
    const code = whole.charCodeAt(i);
    if (!needsQuoting(code)) out += whole[i];
    else out += '\\' + (NAMED_ESCAPES[code] ?? code.toString(8).padStart(3, '0'));
  }
  return out + '"';
}
