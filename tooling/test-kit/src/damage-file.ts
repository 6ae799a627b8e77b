import { readFile, writeFile } from 'node:fs/promises';
import { mulberry32 } from './mulberry32.js';

/** The ways a cache file gets damaged in the wild (crashes, full disks, bit rot, other versions). */
export const DAMAGE_KINDS = [
  'truncated at a line boundary',
  'last line missing',
  'truncated mid-line',
  'empty',
  'garbage',
  'another format version',
  'a changed digit (same size)',
  "another key's entry",
] as const;
export type DamageKind = (typeof DAMAGE_KINDS)[number];

/**
 * Damages a file in place. `foreign` is the content used for "another key's entry" (a valid entry
 * of a different key, e.g. copied there by a user or a bug).
 *
 * @example
 * await damageFile(entryPath, 'truncated at a line boundary');
 */
export async function damageFile(path: string, kind: DamageKind, foreign?: Buffer): Promise<void> {
  await writeFile(path, damage(await readFile(path), kind, foreign));
}

/** The damaged bytes (pure; see {@link damageFile}). */
export function damage(bytes: Buffer, kind: DamageKind, foreign?: Buffer): Buffer {
  // Positions right after an inner newline: cutting there leaves whole lines.
  const cuts: number[] = [];
  for (let i = bytes.indexOf(10); i !== -1 && i < bytes.length - 1; i = bytes.indexOf(10, i + 1)) cuts.push(i + 1);
  const half = Math.floor(bytes.length / 2);
  switch (kind) {
    case 'truncated at a line boundary': {
      const third = bytes.length / 3;
      const cut = cuts.reduce((best, c) => (Math.abs(c - third) < Math.abs(best - third) ? c : best), cuts[0] ?? half);
      return bytes.subarray(0, cut);
    }
    case 'last line missing':
      return bytes.subarray(0, cuts.at(-1) ?? half);
    case 'truncated mid-line': {
      let cut = Math.floor(bytes.length * 0.6);
      while (cut > 1 && (bytes[cut - 1] === 10 || bytes[cut] === 10)) cut--;
      return bytes.subarray(0, cut);
    }
    case 'empty':
      return Buffer.alloc(0);
    case 'garbage': {
      const random = mulberry32(bytes.length);
      return Buffer.from(Array.from({ length: Math.max(bytes.length, 64) }, () => Math.floor(random() * 256)));
    }
    case 'another format version': {
      const text = bytes.toString('utf8');
      const firstLine = text.slice(0, text.indexOf('\n') + 1);
      // A versioned file gets the next version; an unversioned one gets a header of a future version.
      if (/"version":\s*\d+/.test(firstLine)) return Buffer.from(firstLine.replace(/"version":\s*\d+/, '"version":999') + text.slice(firstLine.length));
      return Buffer.concat([Buffer.from('{"format":"gitfleet-cache","version":999}\n'), bytes]);
    }
    case 'a changed digit (same size)': {
      // Still valid JSON, so only a checksum can tell: the digit nearest the middle goes up by one (9 -> 0).
      for (let d = 0; d < bytes.length; d++) {
        for (const i of [half + d, half - d]) {
          const c = bytes[i];
          if (c !== undefined && c >= 48 && c <= 57) {
            const out = Buffer.from(bytes);
            out[i] = c === 57 ? 48 : c + 1;
            return out;
          }
        }
      }
      throw new Error('no digit to change');
    }
    case "another key's entry":
      if (!foreign) throw new Error("another key's entry needs the foreign entry's bytes");
      return Buffer.from(foreign);
  }
}
