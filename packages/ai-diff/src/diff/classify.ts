import ignore from 'ignore';
import picomatch from 'picomatch';
import type { CollapsedFile, DiffFile, DiffLines, OmitReason, ParsedFile } from './types.js';

/** Default name rules; `exclude` adds globs, `include` globs win over every name rule. */
export const DEFAULT_OMIT_GLOBS: Readonly<Record<Exclude<OmitReason, 'binary' | 'excluded by config' | 'secret'>, readonly string[]>> = {
  'lock file': [
    '**/package-lock.json',
    '**/npm-shrinkwrap.json',
    '**/pnpm-lock.yaml',
    '**/yarn.lock',
    '**/bun.lock',
    '**/bun.lockb',
    '**/deno.lock',
    '**/Cargo.lock',
    '**/Gemfile.lock',
    '**/poetry.lock',
    '**/Pipfile.lock',
    '**/uv.lock',
    '**/composer.lock',
    '**/go.sum',
    '**/flake.lock',
    '**/Podfile.lock',
    '**/pubspec.lock',
    '**/mix.lock',
    '**/packages.lock.json',
    '**/*.lock',
  ],
  vendored: ['**/node_modules/**', '**/vendor/**', '**/third_party/**', '**/third-party/**', '**/bower_components/**'],
  generated: ['**/*.pb.go', '**/*_pb2.py', '**/*_pb2_grpc.py', '**/*.generated.*', '**/*.g.dart', '**/*.designer.cs', '**/*.map'],
  minified: ['**/*.min.js', '**/*.min.mjs', '**/*.min.css', '**/*-min.js'],
};

export interface ClassifyRules {
  /** Extra globs to omit ("excluded by config"). */
  exclude?: readonly string[];
  /** Globs that are never omitted by name or content (binaries still are). */
  include?: readonly string[];
  /** gitignore-syntax rule files; a match is "excluded by config" with the file as `detail`. */
  ignore?: readonly IgnoreRules[];
}

/** The text of an ignore file (gitignore syntax) and where it came from (`.gitfleetignore`, a path). */
export interface IgnoreRules {
  source: string;
  patterns: string;
}

/** A path (relative, as in the diff) an ignore file matches, by the `ignore` package's gitignore rules. */
function ignoreMatcher(rules: readonly IgnoreRules[]): (path: string) => string | null {
  const compiled = rules.map((r) => ({ source: r.source, ig: ignore({ allowRelativePaths: true }).add(r.patterns) }));
  return (path) => {
    for (const { source, ig } of compiled) {
      try {
        if (ig.ignores(path)) return source;
      } catch {
        // A path the ignore package refuses (absolute, `..`) cannot match a rule of the repository.
      }
    }
    return null;
  };
}

/** Markers of generated code in the first lines of a file (Go's convention, `@generated`, ...). */
export const GENERATED_MARKER = /@generated\b|\bDO NOT EDIT\b|\bauto-?generated (file|code)\b|\bThis file (is|was) (automatically )?generated\b/i;
/** The same alternatives as a POSIX extended expression for `git grep -E -i` (no `\b`): lines it finds are checked with {@link GENERATED_MARKER}. */
export const GENERATED_MARKER_ERE = '@generated|DO NOT EDIT|auto-?generated (file|code)|This file (is|was) (automatically )?generated';
/** A line this long with few spaces (prose has 15 %+) is minified code or an encoded blob. */
const MINIFIED_LINE = 1000;
/** A line this long is never hand-written source. */
const HUGE_LINE = 5000;

const PLUS = 43;
const MINUS = 45;
const NUL = /\0/;

/** Diff texts that hold a NUL character somewhere (looked up once per text). */
const hasNul = new WeakMap<DiffLines, boolean>();

/**
 * What the content says about a file: a generated-code marker in its first lines, a NUL byte, or
 * minified code (one huge line, long lines with few spaces, or a high average line length).
 * Looks at the added lines, or the removed ones when nothing was added, without copying them.
 */
function contentReason(file: ParsedFile, markers: boolean): 'generated' | 'binary' | 'minified' | null {
  const { lines, hunks } = file;
  const { text, starts, ends } = lines;
  let sign = MINUS;
  search: for (const hunk of hunks) {
    for (let i = hunk.from; i < hunk.to; i++) {
      if (text.charCodeAt(starts[i]!) === PLUS && ends[i]! > starts[i]!) {
        sign = PLUS;
        break search;
      }
    }
  }
  let nul = hasNul.get(lines);
  if (nul === undefined) hasNul.set(lines, (nul = NUL.test(text)));
  let count = 0;
  let chars = 0;
  let generated = false;
  let binary = false;
  let minified = false;
  for (const hunk of hunks) {
    for (let i = hunk.from; i < hunk.to; i++) {
      const start = starts[i]! + 1;
      const end = ends[i]!;
      if (end < start || text.charCodeAt(start - 1) !== sign) continue;
      if (markers && count < 5 && GENERATED_MARKER.test(text.slice(start, end))) generated = true;
      if (nul && !binary) {
        const at = text.indexOf('\0', start);
        binary = at !== -1 && at < end;
      }
      const length = end - start;
      count++;
      chars += length;
      if (length >= HUGE_LINE) minified = true;
      else if (length >= MINIFIED_LINE && !minified) {
        let spaces = 0;
        for (let c = start; c < end; c++) if (text.charCodeAt(c) === 32) spaces++;
        if (spaces / length < 0.12) minified = true;
      }
    }
  }
  if (generated) return 'generated';
  if (binary) return 'binary';
  return minified || (count >= 3 && chars / count > 400) ? 'minified' : null;
}

const GLOB_OPTIONS = { dot: true };

/** The longest run of plain characters a path must contain to match `glob` (`**\/*.lock` -> `.lock`). */
export function globLiteral(glob: string): string {
  const core = glob.replace(/^\*\*\//, '').replace(/\/\*\*$/, '');
  return core.split('*').reduce((best, piece) => (piece.length > best.length ? piece : best), '');
}

/**
 * The default name rules, compiled once, on first use. picomatch's expressions are slow on long paths, so a
 * path is tested only when it contains the plain text one of the globs requires.
 */
let byName: (readonly [OmitReason, (path: string) => boolean])[] | undefined;

function nameRules(): (readonly [OmitReason, (path: string) => boolean])[] {
  byName ??= Object.entries(DEFAULT_OMIT_GLOBS).map(([reason, globs]) => {
    const match = picomatch([...globs], GLOB_OPTIONS);
    const literals = globs.map(globLiteral);
    return [reason as OmitReason, (path: string) => literals.some((literal) => path.includes(literal)) && match(path)] as const;
  });
  return byName;
}

/**
 * Builds the classifier once per diff (picomatch compiles the configured globs). The repository's
 * word wins over our guesses: `linguist-generated` / `linguist-vendored` set omit a file, and set
 * to false keep it from our generated / vendored rules; `-diff` makes it binary, as git shows it.
 */
export function createClassifier(rules: ClassifyRules = {}): (file: ParsedFile) => OmitReason | { reason: OmitReason; detail: string } | null {
  const include = rules.include?.length ? picomatch([...rules.include], GLOB_OPTIONS) : () => false;
  const exclude = rules.exclude?.length ? picomatch([...rules.exclude], GLOB_OPTIONS) : () => false;
  const ignored = rules.ignore?.length ? ignoreMatcher(rules.ignore) : () => null;
  const names = nameRules();
  return (file) => {
    const hints = file.hints ?? {};
    if (file.binary || hints.diff === false) return 'binary';
    if (include(file.path)) return null;
    if (exclude(file.path)) return 'excluded by config';
    const source = ignored(file.path) ?? (file.oldPath === null ? null : ignored(file.oldPath));
    if (source) return { reason: 'excluded by config', detail: source };
    if (hints.generated === true) return 'generated';
    if (hints.vendored === true) return 'vendored';
    for (const [reason, match] of names) {
      if ((reason === 'generated' && hints.generated === false) || (reason === 'vendored' && hints.vendored === false)) continue;
      if (match(file.path)) return reason;
    }
    if (hints.generatedHeader && hints.generated !== false) return 'generated';
    return contentReason(file, hints.generated !== false);
  };
}

/** One line for a change without content (pure rename, mode change, empty file), else null. */
export function collapse(file: Omit<DiffFile, 'hunks'> & { hunks: readonly unknown[] }): CollapsedFile | null {
  if (file.hunks.length > 0 || file.binary) return null;
  const mode = file.modeChange ? `mode ${file.modeChange.from} -> ${file.modeChange.to}` : '';
  let description: string;
  if (file.status === 'renamed' || file.status === 'copied') {
    const verb = file.status === 'renamed' ? 'Renamed' : 'Copied';
    description = `${verb} ${file.oldPath ?? '?'} -> ${file.path}${mode ? ` (${mode})` : ''}`;
  } else if (file.modeChange) {
    description = `Changed ${mode} of ${file.path}`;
  } else if (file.status === 'added') {
    description = `Added empty file ${file.path}`;
  } else if (file.status === 'deleted') {
    description = `Deleted empty file ${file.path}`;
  } else {
    description = `Changed ${file.path} (no content change)`;
  }
  return { path: file.path, description };
}
