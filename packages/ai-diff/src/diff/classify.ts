import picomatch from 'picomatch';
import type { CollapsedFile, DiffFile, OmitReason } from './types.js';

/** Default name rules; `exclude` adds globs, `include` globs win over every name rule. */
export const DEFAULT_OMIT_GLOBS: Readonly<Record<Exclude<OmitReason, 'binary' | 'excluded by config'>, readonly string[]>> = {
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
}

/** Markers of generated code in the first lines of a file (Go's convention, `@generated`, ...). */
const GENERATED_MARKER = /@generated\b|\bDO NOT EDIT\b|\bauto-?generated (file|code)\b|\bThis file (is|was) (automatically )?generated\b/i;
/** A line this long with few spaces (prose has 15 %+) is minified code or an encoded blob. */
const MINIFIED_LINE = 1000;
/** A line this long is never hand-written source. */
const HUGE_LINE = 5000;

function contentLines(file: DiffFile): string[] {
  const added: string[] = [];
  const removed: string[] = [];
  for (const hunk of file.hunks) {
    for (const line of hunk.split('\n')) {
      if (line.startsWith('+')) added.push(line.slice(1));
      else if (line.startsWith('-')) removed.push(line.slice(1));
    }
  }
  return added.length > 0 ? added : removed;
}

function looksMinified(lines: readonly string[]): boolean {
  let chars = 0;
  for (const line of lines) {
    chars += line.length;
    if (line.length >= HUGE_LINE) return true;
    if (line.length >= MINIFIED_LINE) {
      let spaces = 0;
      for (let i = 0; i < line.length; i++) if (line.charCodeAt(i) === 32) spaces++;
      if (spaces / line.length < 0.12) return true;
    }
  }
  return lines.length >= 3 && chars / lines.length > 400;
}

/** Builds the classifier once per diff (picomatch compiles globs). */
export function createClassifier(rules: ClassifyRules = {}): (file: DiffFile) => OmitReason | null {
  const options = { dot: true };
  const include = rules.include?.length ? picomatch([...rules.include], options) : () => false;
  const exclude = rules.exclude?.length ? picomatch([...rules.exclude], options) : () => false;
  const byName = Object.entries(DEFAULT_OMIT_GLOBS).map(
    ([reason, globs]) => [reason as OmitReason, picomatch([...globs], options)] as const,
  );
  return (file) => {
    if (file.binary) return 'binary';
    if (include(file.path)) return null;
    if (exclude(file.path)) return 'excluded by config';
    for (const [reason, match] of byName) if (match(file.path)) return reason;
    const lines = contentLines(file);
    if (lines.slice(0, 5).some((line) => GENERATED_MARKER.test(line))) return 'generated';
    if (lines.some((line) => line.includes('\0'))) return 'binary';
    if (looksMinified(lines)) return 'minified';
    return null;
  };
}

/** One line for a change without content (pure rename, mode change, empty file), else null. */
export function collapse(file: DiffFile): CollapsedFile | null {
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
