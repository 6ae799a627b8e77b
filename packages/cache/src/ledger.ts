import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './entry-writer.js';

/**
 * The running total of the cache's size, so a run knows when to evict without walking the whole
 * cache. Writers add what they wrote (under the cache lock); a full scan resets it.
 */
export interface Ledger {
  bytes: number;
  /** When a full scan last set `bytes` (epoch ms); files of killed runs are counted again after a day. */
  scannedAt: number;
}

const FORMAT = 'gitfleet-cache-usage';

export const ledgerPath = (dir: string): string => join(dir, 'usage.json');

/** The ledger, or undefined when missing or damaged (the caller then scans). */
export async function readLedger(dir: string): Promise<Ledger | undefined> {
  try {
    const v = JSON.parse(await readFile(ledgerPath(dir), 'utf8')) as Record<string, unknown>;
    const ok = v['format'] === FORMAT && v['version'] === 1 && Number.isSafeInteger(v['bytes']) && Number.isSafeInteger(v['scannedAt']);
    return ok && (v['bytes'] as number) >= 0 ? { bytes: v['bytes'] as number, scannedAt: v['scannedAt'] as number } : undefined;
  } catch {
    return undefined;
  }
}

export async function writeLedger(dir: string, ledger: Ledger): Promise<void> {
  await writeFileAtomic(ledgerPath(dir), Buffer.from(`${JSON.stringify({ format: FORMAT, version: 1, ...ledger })}\n`));
}
