import { mkdir, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DatasetIOError } from './errors.js';
import { fsyncPath, isErrno, writeFileAtomic } from './fs-atomic.js';
import type { Layout } from './layout.js';

/**
 * Multi-file atomic publish. A transaction first writes every new file under its staging folder;
 * then one journal file lists the renames (and deletions) that publish it. Writing the journal
 * (temp file, fsync, rename) is the commit point: before it the old files stand untouched, after
 * it the publish is rolled forward, now or by the next writer to open the dataset. Every
 * operation is idempotent: a rename whose source is gone was already done.
 */
export type JournalOp = { op: 'rename'; from: string; to: string } | { op: 'delete'; path: string };

export interface Journal {
  version: 1;
  id: string;
  /** Repositories (or `_fleet`) whose files this publish replaces. */
  repositories: string[];
  /** Paths relative to the dataset directory, applied in order. */
  ops: JournalOp[];
  /** Folders (relative) removed once the ops are applied. */
  cleanup: string[];
}

/** Progress of a publish, for callers that report it (and for the crash tests). */
export type PublishStep =
  | { phase: 'staged'; repositories: readonly string[] }
  | { phase: 'journaled'; repositories: readonly string[] }
  | { phase: 'applied'; repositories: readonly string[]; index: number; of: number }
  | { phase: 'published'; repositories: readonly string[] };

export type PublishStepListener = (step: PublishStep) => void | Promise<void>;

/** Record `journal` (the commit point), then apply it. */
export async function commitJournal(layout: Layout, journal: Journal, onStep?: PublishStepListener): Promise<void> {
  await mkdir(layout.journalDir, { recursive: true });
  await writeFileAtomic(join(layout.journalDir, `${journal.id}.json`), `${JSON.stringify(journal)}\n`);
  await onStep?.({ phase: 'journaled', repositories: journal.repositories });
  await applyJournal(layout, journal, onStep);
}

/** Apply a recorded journal (idempotent), then forget it. */
export async function applyJournal(layout: Layout, journal: Journal, onStep?: PublishStepListener): Promise<void> {
  const touched = new Set<string>();
  let index = 0;
  for (const op of journal.ops) {
    if (op.op === 'rename') {
      const to = layout.abs(op.to);
      await mkdir(dirname(to), { recursive: true });
      try {
        await rename(layout.abs(op.from), to);
      } catch (error) {
        if (!isErrno(error, 'ENOENT')) throw new DatasetIOError(`publish: cannot rename ${op.from} to ${op.to}`, { cause: error });
      }
      touched.add(dirname(to));
    } else {
      await rm(layout.abs(op.path), { force: true });
      touched.add(dirname(layout.abs(op.path)));
    }
    await onStep?.({ phase: 'applied', repositories: journal.repositories, index: ++index, of: journal.ops.length });
  }
  for (const dir of touched) await fsyncPath(dir).catch(() => undefined);
  await unlink(join(layout.journalDir, `${journal.id}.json`)).catch((error: unknown) => {
    if (!isErrno(error, 'ENOENT')) throw error;
  });
  await fsyncPath(layout.journalDir).catch(() => undefined);
  for (const folder of journal.cleanup) await rm(layout.abs(folder), { recursive: true, force: true });
  await onStep?.({ phase: 'published', repositories: journal.repositories });
}

/** Journals recorded and not yet fully applied (a temp file is not a journal: its publish never happened). */
export async function pendingJournals(layout: Layout): Promise<Journal[]> {
  let names: string[];
  try {
    names = await readdir(layout.journalDir);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return [];
    throw error;
  }
  const journals: Journal[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const path = join(layout.journalDir, name);
    try {
      journals.push(JSON.parse(await readFile(path, 'utf8')) as Journal);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) continue; // applied meanwhile by the live writer
      throw new DatasetIOError(`unreadable journal ${path}`, { cause: error });
    }
  }
  return journals;
}

/**
 * Bring a dataset back to a consistent state after a crash: roll every recorded publish forward,
 * then drop what no journal names (staging of transactions that never committed, temp files).
 * Only the holder of the writer lock may call it. Returns the repositories whose publish was completed.
 */
export async function recover(layout: Layout): Promise<string[]> {
  const repaired: string[] = [];
  for (const journal of await pendingJournals(layout)) {
    await applyJournal(layout, journal);
    repaired.push(...journal.repositories);
  }
  await rm(layout.stagingDir, { recursive: true, force: true });
  await rm(layout.tmpDir, { recursive: true, force: true });
  for (const name of await readdir(layout.journalDir).catch(() => [] as string[])) {
    if (name.endsWith('.tmp')) await rm(join(layout.journalDir, name), { force: true });
  }
  return repaired;
}
