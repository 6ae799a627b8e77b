import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

// An entry is framed lines:
//   {"format":"gitfleet-cache","version":1,"kind":"history","key":"<hex>"}   header: what and which key
//   <payload: one JSON value per line>
//   {"count":165,"bytes":140233,"sha256":"<hex>"}                             trailer: the payload's line count, size and hash
// A reader accepts an entry only when the header is exactly the one it expects and the trailer
// matches the payload, so truncated, empty, garbage, foreign and other-version files are all misses.

export const FORMAT = 'gitfleet-cache';
export const VERSION = 1;
const TRAILER_MAX = 256;

interface Trailer {
  count: number;
  bytes: number;
  sha256: string;
}

/** The payload's place in a verified entry. */
export interface Payload {
  start: number;
  end: number;
  count: number;
}

export function headerLine(kind: string, key: string): string {
  return `${JSON.stringify({ format: FORMAT, version: VERSION, kind, key })}\n`;
}

export function trailerLine(count: number, bytes: number, sha256: string): string {
  return `${JSON.stringify({ count, bytes, sha256 } satisfies Trailer)}\n`;
}

/** A whole entry holding one JSON text. */
export function encodeEntry(kind: string, key: string, json: string): Buffer {
  const payload = Buffer.from(`${json}\n`, 'utf8');
  const sha = createHash('sha256').update(payload).digest('hex');
  return Buffer.concat([Buffer.from(headerLine(kind, key)), payload, Buffer.from(trailerLine(1, payload.length, sha))]);
}

/** The payload of a whole entry in memory, or undefined when anything is off. */
export function decodeEntry(data: Buffer, kind: string, key: string): Buffer | undefined {
  const header = Buffer.from(headerLine(kind, key));
  if (data.length < header.length || !data.subarray(0, header.length).equals(header)) return undefined;
  const frame = locateTrailer(data.subarray(header.length - 1), header.length - 1, header.length, data.length);
  if (!frame) return undefined;
  const payload = data.subarray(frame.start, frame.end);
  return createHash('sha256').update(payload).digest('hex') === frame.trailer.sha256 ? payload : undefined;
}

/**
 * Checks an entry on disk without loading it: header, trailer, size, then the payload's hash,
 * streamed. Returns where the payload is, or undefined when anything is off.
 */
export async function verifyEntryFile(handle: FileHandle, kind: string, key: string): Promise<Payload | undefined> {
  const header = Buffer.from(headerLine(kind, key));
  const { size } = await handle.stat();
  if (size < header.length + 2) return undefined;
  if (!(await readAt(handle, 0, header.length)).equals(header)) return undefined;
  // The tail starts at the header's newline at the latest, so an empty payload is found too.
  const tailStart = Math.max(header.length - 1, size - TRAILER_MAX);
  const frame = locateTrailer(await readAt(handle, tailStart, size - tailStart), tailStart, header.length, size);
  if (!frame) return undefined;
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafe(1 << 20);
  for (let position = frame.start; position < frame.end; ) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, frame.end - position), position);
    if (bytesRead === 0) return undefined;
    hash.update(chunk.subarray(0, bytesRead));
    position += bytesRead;
  }
  if (hash.digest('hex') !== frame.trailer.sha256) return undefined;
  return { start: frame.start, end: frame.end, count: frame.trailer.count };
}

/** Finds and parses the trailer in `tail` (which starts at file offset `tailStart`). */
function locateTrailer(
  tail: Buffer,
  tailStart: number,
  payloadStart: number,
  size: number,
): { start: number; end: number; trailer: Trailer } | undefined {
  if (tail.length < 2 || tail[tail.length - 1] !== 10) return undefined;
  const newline = tail.lastIndexOf(10, tail.length - 2);
  if (newline === -1) return undefined;
  const end = tailStart + newline + 1;
  const trailer = parseTrailer(tail.subarray(newline + 1, tail.length - 1));
  if (!trailer || payloadStart + trailer.bytes !== end || end > size) return undefined;
  return { start: payloadStart, end, trailer };
}

function parseTrailer(text: Buffer): Trailer | undefined {
  try {
    const t = JSON.parse(text.toString('utf8')) as Partial<Trailer> | null;
    const count = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
    if (count(t?.count) && count(t.bytes) && typeof t.sha256 === 'string' && /^[0-9a-f]{64}$/.test(t.sha256)) return t as Trailer;
  } catch {
    // not JSON: no trailer
  }
  return undefined;
}

/** Up to `length` bytes at `position` (fewer at the end of the file). */
export async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buffer.subarray(0, done);
}
