import { pathKey } from './analyze-history.js';
import type { RepoConventions } from './types.js';

const pct = (share: number): string => `${String(Math.round(share * 100))}%`;

/** Scopes (or areas) the history uses for these paths, most votes first. */
export function scopesFor(conventions: RepoConventions, paths: readonly string[]): string[] {
  const votes = new Map<string, number>();
  const keys = paths.map(pathKey);
  for (const scope of conventions.scopes) {
    const hits = keys.filter((key) => scope.paths.includes(key)).length;
    if (hits > 0) votes.set(scope.name, hits * 1000 + scope.commits);
  }
  return [...votes.entries()].sort((a, b) => b[1] - a[1]).map(([name]) => name);
}

/**
 * The conventions as prompt lines: style and its share, types by use, the scopes the history
 * uses for the staged paths (and the common ones), subject case and length. '' when the history
 * is too short to say anything.
 */
export function describeConventions(conventions: RepoConventions, paths: readonly string[]): string {
  if (conventions.commits < 5) return '';
  const lines: string[] = [];
  const of = `of the last ${String(conventions.commits)} commits`;
  if (conventions.style === 'conventional') {
    const types = conventions.types.slice(0, 6).map((t) => `${t.name} ${pct(t.share)}`).join(', ');
    lines.push(`- Conventional Commits in ${pct(conventions.shares.conventional)} ${of}; types by use: ${types}.`);
  } else if (conventions.style === 'gitmoji') {
    lines.push(`- Subjects start with a gitmoji (${pct(conventions.shares.gitmoji)} ${of}).`);
  } else if (conventions.areaPrefix) {
    lines.push(`- Subjects start with the area they change, "area: description" (${pct(conventions.shares.areaPrefix)} ${of}); no Conventional Commits type.`);
  } else {
    lines.push(`- Plain subjects, without a type prefix or emoji (${of}).`);
  }
  const label = conventions.style === 'conventional' ? 'scope' : 'area';
  if (conventions.style === 'conventional' || conventions.areaPrefix) {
    const matching = scopesFor(conventions, paths).slice(0, 3);
    if (matching.length > 0) {
      const where = matching.map((name) => {
        const scope = conventions.scopes.find((s) => s.name === name)!;
        return `${name} (${scope.paths.join(', ')})`;
      });
      lines.push(`- The history uses the ${label}${matching.length === 1 ? '' : 's'} ${where.join(', ')} for the paths of this change: use ${matching.length === 1 ? 'it' : 'the one that fits best'}.`);
    }
    const common = conventions.scopes.slice(0, 8).map((s) => s.name);
    if (common.length > 0) lines.push(`- Common ${label}s: ${common.join(', ')}.`);
  }
  if (conventions.subjectCase !== 'mixed') {
    lines.push(`- The description starts with a${conventions.subjectCase === 'lower' ? ' lower' : 'n upper'}-case letter${conventions.style === 'plain' && !conventions.areaPrefix ? '' : ' after the prefix'}.`);
  }
  lines.push(`- Subjects are about ${String(conventions.subjectLength.median)} characters long (90% at most ${String(conventions.subjectLength.p90)}).`);
  return lines.join('\n');
}
