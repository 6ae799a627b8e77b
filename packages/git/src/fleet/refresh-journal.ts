import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive } from './destination.js';
import { FleetError } from './errors.js';

/**
 * What a refresh is doing, in `<git dir>/gitfleet-refresh.json` while it runs. A file left behind
 * means the refresh was killed (or aborted): the next refresh repairs the clone before anything else.
 */
export type JournalEntry =
  | { pid: number; phase: 'fetch' }
  /** Fast-forwarding `branch` (and the work tree) from `from` to `to`. */
  | { pid: number; phase: 'checkout'; branch: string; from: string; to: string };

/** Git dirs this process is refreshing right now (its own pid is alive, so pid alone can't tell). */
const active = new Set<string>();

/** The journal of one clone's git dir. */
export class RefreshJournal {
  private readonly file: string;

  constructor(private readonly gitDir: string) {
    this.file = join(gitDir, 'gitfleet-refresh.json');
  }

  /** Claims the clone for this refresh: GITFLEET_GIT_BUSY while another live refresh holds it. */
  async begin(): Promise<JournalEntry | undefined> {
    const left = await this.read();
    if (active.has(this.gitDir) || (left && left.pid !== process.pid && isAlive(left.pid))) {
      throw new FleetError('GITFLEET_GIT_BUSY', `another process${left ? ` (pid ${String(left.pid)})` : ''} is refreshing ${this.gitDir}`);
    }
    active.add(this.gitDir);
    return left;
  }

  /** Releases the claim; `keep` leaves the file for the next refresh to repair from. */
  async end(keep: boolean): Promise<void> {
    active.delete(this.gitDir);
    if (!keep) await rm(this.file, { force: true });
  }

  /** Records the phase (written to a temp name, then renamed: never torn). */
  async write(entry: JournalEntry): Promise<void> {
    const temp = `${this.file}.${String(process.pid)}.tmp`;
    await writeFile(temp, `${JSON.stringify(entry)}\n`);
    await rename(temp, this.file);
  }

  /**
   * Removes lock files a killed git left in the git dir (`index.lock`, `shallow.lock`,
   * `packed-refs.lock`, `refs/**\/*.lock`...): they would make every later git command fail.
   * Only called when the journal shows that the refresh owning them is dead.
   */
  async removeStaleLocks(): Promise<void> {
    const top = await readdir(this.gitDir).catch(() => [] as string[]);
    const nested = await readdir(join(this.gitDir, 'refs'), { recursive: true }).catch(() => [] as string[]);
    const locks = [...top.map((n) => join(this.gitDir, n)), ...nested.map((n) => join(this.gitDir, 'refs', n))].filter((p) => p.endsWith('.lock'));
    await Promise.all(locks.map((p) => rm(p, { force: true })));
  }

  private async read(): Promise<JournalEntry | undefined> {
    const text = await readFile(this.file, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      const entry = JSON.parse(text) as Partial<JournalEntry> & Record<string, unknown>;
      if (typeof entry.pid !== 'number') throw new Error('no pid');
      if (entry.phase === 'checkout' && [entry['branch'], entry['from'], entry['to']].every((v) => typeof v === 'string')) return entry as JournalEntry;
      return { pid: entry.pid, phase: 'fetch' };
    } catch {
      // A journal we can't read is treated as a killed fetch: locks are cleared, nothing else.
      return { pid: -1, phase: 'fetch' };
    }
  }
}
