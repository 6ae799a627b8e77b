import type { FileFact, OmittedFile } from './diff/types.js';
import { truncateWords } from './output/normalize-message.js';
import { gitmojiForType, renderGitmoji, type GitmojiFormat } from './style/gitmoji.js';
import { localWords, type LocalWords } from './style/local-words.js';

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
  /** `gitmoji` puts the gitmoji of the guessed type first; wins over `conventional`. */
  style?: 'plain' | 'conventional' | 'gitmoji';
  /** Default `emoji`. */
  gitmojiFormat?: GitmojiFormat;
  /** A language code: the fixed words ("Update", "files in", "added"...) in that language where we have them. */
  language?: string;
  /** A scope the repository's history uses for these paths; wins over the directory guess. */
  scope?: string;
  /** The repository's subject case after a type prefix or gitmoji. */
  subjectCase?: 'lower' | 'upper';
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

function verbFor(facts: readonly FileFact[], words: LocalWords): string {
  if (facts.every((f) => f.status === 'added' || f.status === 'copied')) return words.add;
  if (facts.every((f) => f.status === 'deleted')) return words.remove;
  if (facts.every((f) => f.status === 'renamed')) return facts.length === 1 ? words.rename : words.move;
  return words.update;
}

function statusWord(fact: FileFact, words: LocalWords): string {
  if (fact.status === 'renamed') return words.renamedFrom(fact.oldPath ?? '?');
  if (fact.status === 'copied') return words.copiedFrom(fact.oldPath ?? '?');
  return words[fact.status];
}

const lowerFirst = (text: string): string => (text ? text[0]!.toLowerCase() + text.slice(1) : text);

/**
 * A commit message from the diff analysis alone, for when no model answers in time:
 * "Update 3 files in src/parser" plus a body listing each change. Never empty.
 *
 * @example
 * buildLocalMessage([{ path: 'src/a.ts', oldPath: null, status: 'added', additions: 10, deletions: 0, binary: false }], { maxLength: 72, conventional: false });
 * // { subject: 'Add src/a.ts', body: '- src/a.ts: added (+10 -0)' }
 */
export function buildLocalMessage(facts: readonly FileFact[], options: LocalMessageOptions): LocalMessage {
  const words = localWords(options.language);
  if (facts.length === 0) return { subject: words.empty, body: '' };
  const verb = verbFor(facts, words);
  let what: string;
  if (facts.length === 1) {
    const fact = facts[0]!;
    what = fact.status === 'renamed' ? words.renamed(fact.oldPath ?? '?', fact.path) : fact.path;
    if (what.length > options.maxLength - 12) what = basename(fact.path);
  } else {
    what = words.files(facts.length, commonDir(facts.map((f) => f.path)));
  }
  let subject = words.subject(verb, what);
  const style = options.style ?? (options.conventional ? 'conventional' : 'plain');
  if (style !== 'plain') {
    const guessed = guessTypeAndScope(facts);
    const scope = options.scope ?? guessed.scope;
    const head = style === 'gitmoji' ? `${renderGitmoji(gitmojiForType(guessed.type), options.gitmojiFormat ?? 'emoji')!} ` : `${guessed.type}${scope ? `(${scope})` : ''}: `;
    const text = style === 'conventional' && options.subjectCase !== 'upper' ? lowerFirst(subject) : options.subjectCase === 'lower' ? lowerFirst(subject) : subject;
    subject = head + truncateWords(text, options.maxLength - head.length);
  } else if (options.subjectCase === 'lower') {
    subject = lowerFirst(subject);
  }
  subject = truncateWords(subject, options.maxLength);
  const maxLines = options.maxBodyLines ?? 20;
  const omitted = new Map((options.omitted ?? []).map((o) => [o.path, o.reason]));
  const ranked = [...facts].sort((a, b) => b.additions + b.deletions - (a.additions + a.deletions) || a.path.localeCompare(b.path));
  const lines = ranked.slice(0, maxLines).map((f) => {
    const note = omitted.get(f.path);
    const counts = f.binary ? words.binary : `+${String(f.additions)} -${String(f.deletions)}`;
    return `- ${f.path}: ${statusWord(f, words)} (${counts}${note ? `, ${note}` : ''})`;
  });
  if (ranked.length > maxLines) lines.push(`- ${words.more(ranked.length - maxLines)}`);
  return { subject, body: lines.join('\n') };
}
