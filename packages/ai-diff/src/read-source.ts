import { readFile } from 'node:fs/promises';
import { openRepository } from '@gitfleet/git';
import type { DiffSource } from './diff/prepare.js';
import type { FileFact } from './diff/types.js';
import { AiDiffError } from './errors.js';
import { readStagedHints } from './staged-hints.js';

export interface SourceOptions {
  /**
   * A repository: its staged diff (`git diff --cached`, honouring GIT_INDEX_FILE), with what
   * `.gitattributes` and the staged files' first lines say about generated and vendored files.
   */
  repo?: string;
  /** A unified diff as text. */
  diff?: string;
  /** A file holding a unified diff. */
  diffFile?: string;
}

/** Exactly one of `repo`, `diff`, `diffFile`, or an AiDiffError. */
export function checkSource(options: SourceOptions): void {
  const given = (['repo', 'diff', 'diffFile'] as const).filter((key) => options[key] !== undefined);
  if (given.length !== 1) {
    throw new AiDiffError('GITFLEET_AI_INVALID_OPTION', `pass exactly one of repo, diff or diffFile (got ${given.length === 0 ? 'none' : given.join(', ')})`);
  }
}

/** Reads the diff input; repository and file problems are the caller's and throw. */
export async function readSource(options: SourceOptions, signal?: AbortSignal): Promise<DiffSource> {
  checkSource(options);
  if (options.diff !== undefined) return { kind: 'text', text: options.diff };
  if (options.diffFile !== undefined) {
    try {
      return { kind: 'text', text: await readFile(options.diffFile, { encoding: 'utf8', ...(signal ? { signal } : {}) }) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new AiDiffError('GITFLEET_AI_DIFF_UNREADABLE', `cannot read diff file ${options.diffFile} (${code})`, { cause: error, data: { path: options.diffFile } });
    }
  }
  let repo;
  try {
    repo = await openRepository(options.repo!, { engine: 'git', cache: false, ...(signal ? { signal } : {}) });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'GITFLEET_GIT_NOT_A_REPOSITORY') {
      throw new AiDiffError('GITFLEET_AI_NOT_A_REPOSITORY', `not a git repository: ${options.repo!}`, { cause: error, data: { path: options.repo } });
    }
    throw error;
  }
  try {
    const staged = await repo.stagedDiff(signal ? { signal } : {});
    const hints = await readStagedHints(repo.root, staged.files, signal);
    const files = staged.files.map((file) => {
      const fileHints = hints.get(file.path);
      return fileHints ? { ...file, hints: fileHints } : file;
    });
    return { kind: 'files', files, root: repo.root };
  } finally {
    await repo.close();
  }
}

/** Per-file facts without parsing content: enough for the fallback message if the worker is cut short. */
export function quickFacts(source: DiffSource): FileFact[] {
  if (source.kind === 'files') {
    return source.files.map(({ path, oldPath, status, additions, deletions, binary }) => ({ path, oldPath, status, additions, deletions, binary }));
  }
  // A scan for line starts rather than a regular expression: this runs on the caller's thread.
  const facts: FileFact[] = [];
  const { text } = source;
  const marker = 'diff --git a/';
  for (let at = text.startsWith(marker) ? 0 : text.indexOf(`\n${marker}`); at !== -1; at = text.indexOf(`\n${marker}`, at + 1)) {
    const start = text.startsWith(marker, at) ? at : at + 1;
    const newline = text.indexOf('\n', start);
    const line = text.slice(start + marker.length, newline === -1 ? text.length : newline).replace(/\r$/, '');
    const split = line.indexOf(' b/', 1);
    if (split > 0 && split + 3 < line.length) facts.push({ path: line.slice(split + 3), oldPath: null, status: 'modified', additions: 0, deletions: 0, binary: false });
  }
  return facts;
}
