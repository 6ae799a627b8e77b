/** Worker side: object id abbreviations as git prints them in `index` lines. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Repository } from 'es-git';
import { commonDir } from './refs.js';

export interface Abbreviator {
  /** The minimum length (also the length of the printed null id). */
  length: number;
  abbrev(id: string): string;
}

const MIN_ABBREV = 7;

function packedObjectCount(objectsDir: string): number {
  let count = 0;
  let names: string[];
  try {
    names = readdirSync(join(objectsDir, 'pack'));
  } catch {
    return 0;
  }
  for (const name of names.filter((n) => n.endsWith('.idx'))) {
    // Version 2 index: 8-byte header, then 256 fanout entries; the last one is the object count.
    const idx = readFileSync(join(objectsDir, 'pack', name));
    if (idx.length >= 1032) count += idx.readUInt32BE(8 + 255 * 4);
  }
  return count;
}

function objectDirs(repo: Repository): string[] {
  const objects = join(commonDir(repo.path()), 'objects');
  let alternates: string[] = [];
  try {
    alternates = readFileSync(join(objects, 'info', 'alternates'), 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => resolve(objects, line));
  } catch {
    // no alternates
  }
  return [objects, ...alternates];
}

/**
 * The abbreviation length git uses by default: core.abbrev if numeric, else grown with the
 * number of packed objects (half the bits of the count, rounded up), at least 7.
 */
function defaultAbbrevLength(repo: Repository): number {
  const configured = repo.config().findString('core.abbrev');
  if (configured && /^\d+$/.test(configured)) return Math.min(Math.max(Number(configured), 4), 40);
  if (configured === 'no' || configured === 'false') return 40;
  const count = objectDirs(repo).reduce((sum, dir) => sum + packedObjectCount(dir), 0);
  const bits = count > 0 ? Math.floor(Math.log2(count)) + 1 : 1;
  return Math.max(Math.ceil(bits / 2), MIN_ABBREV);
}

/**
 * Shortest prefix of at least the default length that names no other object, as git's `index`
 * line shows it (the object itself may be absent, e.g. a submodule commit).
 */
export function makeAbbreviator(repo: Repository): Abbreviator {
  const length = defaultAbbrevLength(repo);
  const unique = (prefix: string, id: string): boolean => {
    try {
      return repo.revparseSingle(prefix) === id;
    } catch (error) {
      return !/ambiguous/i.test(error instanceof Error ? error.message : String(error));
    }
  };
  return {
    length,
    abbrev(id) {
      for (let n = length; n < id.length; n++) if (unique(id.slice(0, n), id)) return id.slice(0, n);
      return id;
    },
  };
}
