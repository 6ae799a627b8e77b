import type { FileFact, OmittedFile } from './diff/types.js';
import { truncateWords } from './output/normalize-message.js';

export interface LocalMessage {
  subject: string;
  body: string;
}

export interface LocalMessageOptions {
  maxLength: number;
  conventional: boolean;
  /** Body lines at most (the rest is counted). Default 20. */
  maxBodyLines?: number;
  omitted?: readonly OmittedFile[];
}

const DOCS = /(^|\/)(docs?|documentation)\/|\.(md|mdx|rst|txt|adoc)$/i;
const TESTS = /(^|\/)(__tests__|tests?|spec|e2e)\/|[._-](test|spec)\.[a-z0-9]+$|(^|\/)test_[^/]+\.py$|_test\.(go|rs|py)$/i;
const CI = /^\.(github|gitlab|circleci)\/|^\.gitlab-ci\.yml$|^\.travis\.yml$|^azure-pipelines\.yml$/;
const BUILD = /(^|\/)(package\.json|pnpm-lock\.yaml|package-lock\.json|yarn\.lock|Cargo\.(toml|lock)|go\.(mod|sum)|pyproject\.toml|requirements[^/]*\.txt|Gemfile(\.lock)?|Dockerfile|Makefile|[^/]*\.gradle(\.kts)?|pom\.xml|tsconfig[^/]*\.json|turbo\.json|pnpm-workspace\.yaml)$/;

/** The directory all paths share (`src/parser`), or '' when they share none. */
export function commonDir(paths: readonly string[]): string {
  if (paths.length === 0) return '';
  const split = paths.map((p) => p.split('/').slice(0, -1));
  const first = split[0]!;
  let n = 0;
  while (n < first.length && split.every((parts) => parts[n] === first[n])) n++;
  return first.slice(0, n).join('/');
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Conventional type and scope guessed from paths alone. */
export function guessTypeAndScope(facts: readonly FileFact[]): { type: string; scope: string } {
  const paths = facts.map((f) => f.path);
  const every = (re: RegExp): boolean => paths.length > 0 && paths.every((p) => re.test(p));
  let type = 'chore';
  if (every(DOCS)) type = 'docs';
  else if (every(TESTS)) type = 'test';
  else if (every(CI)) type = 'ci';
  else if (every(BUILD)) type = 'build';
  else if (facts.every((f) => f.status === 'renamed' && f.additions === 0 && f.deletions === 0)) type = 'refactor';
  else if (facts.some((f) => f.status === 'added' && !TESTS.test(f.path) && !DOCS.test(f.path))) type = 'feat';
  const dir = commonDir(paths);
  const parts = dir.split('/').filter(Boolean);
  // `packages/git/src` -> `git`; `src/parser` -> `parser`; `docs` -> `docs`.
  const scope = (['packages', 'apps', 'libs', 'crates', 'modules'].includes(parts[0] ?? '') ? parts[1] : parts.filter((p) => p !== 'src').at(-1)) ?? '';
  return { type, scope: type === 'docs' && scope === 'docs' ? '' : scope };
}

function verbFor(facts: readonly FileFact[]): string {
  if (facts.every((f) => f.status === 'added' || f.status === 'copied')) return 'Add';
  if (facts.every((f) => f.status === 'deleted')) return 'Remove';
  if (facts.every((f) => f.status === 'renamed')) return facts.length === 1 ? 'Rename' : 'Move';
  return 'Update';
}

function statusWord(fact: FileFact): string {
  if (fact.status === 'renamed') return `renamed from ${fact.oldPath ?? '?'}`;
  if (fact.status === 'copied') return `copied from ${fact.oldPath ?? '?'}`;
  return fact.status;
}

/**
 * A commit message from the diff analysis alone, for when no model answers in time:
 * "Update 3 files in src/parser" plus a body listing each change. Never empty.
 *
 * @example
 * buildLocalMessage([{ path: 'src/a.ts', oldPath: null, status: 'added', additions: 10, deletions: 0, binary: false }], { maxLength: 72, conventional: false });
 * // { subject: 'Add src/a.ts', body: '- src/a.ts: added (+10 -0)' }
 */
export function buildLocalMessage(facts: readonly FileFact[], options: LocalMessageOptions): LocalMessage {
  if (facts.length === 0) return { subject: 'Empty commit', body: '' };
  const verb = verbFor(facts);
  let what: string;
  if (facts.length === 1) {
    const fact = facts[0]!;
    what = fact.status === 'renamed' ? `${fact.oldPath ?? '?'} to ${fact.path}` : fact.path;
    if (what.length > options.maxLength - 12) what = basename(fact.path);
  } else {
    const dir = commonDir(facts.map((f) => f.path));
    what = `${String(facts.length)} files${dir ? ` in ${dir}` : ''}`;
  }
  let subject = `${verb} ${what}`;
  if (options.conventional) {
    const { type, scope } = guessTypeAndScope(facts);
    const head = `${type}${scope ? `(${scope})` : ''}: `;
    subject = head + truncateWords(subject[0]!.toLowerCase() + subject.slice(1), options.maxLength - head.length);
  }
  subject = truncateWords(subject, options.maxLength);
  const maxLines = options.maxBodyLines ?? 20;
  const omitted = new Map((options.omitted ?? []).map((o) => [o.path, o.reason]));
  const ranked = [...facts].sort((a, b) => b.additions + b.deletions - (a.additions + a.deletions) || a.path.localeCompare(b.path));
  const lines = ranked.slice(0, maxLines).map((f) => {
    const note = omitted.get(f.path);
    const counts = f.binary ? 'binary' : `+${String(f.additions)} -${String(f.deletions)}`;
    return `- ${f.path}: ${statusWord(f)} (${counts}${note ? `, ${note}` : ''})`;
  });
  if (ranked.length > maxLines) lines.push(`- ... and ${String(ranked.length - maxLines)} more files`);
  return { subject, body: lines.join('\n') };
}
