import { CHAINED_SUFFIX, HOOK_NAME } from './locate-hook.js';

/** First comment line of every hook gitfleet writes: how install, uninstall and status recognise it. */
export const HOOK_MARKER = `# gitfleet-hook: ${HOOK_NAME}`;

export interface HookScriptOptions {
  /** Absolute path of the node binary. */
  node: string;
  /** Absolute path of the gitfleet bundle (dist/gitfleet.js). */
  cli: string;
  /** Run a non-executable chained hook with `sh -e`, as husky v9 runs its user hooks. */
  shChained: boolean;
  /** Extra `hook run` flags, e.g. `--conventional`. */
  flags?: string[];
}

/** Single-quotes a value for POSIX sh. */
export function shQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The hook: runs the chained hook first (its failure aborts, as it would have without us), then
 * `gitfleet hook run` with git's arguments only (no secrets on the command line: the model key stays
 * in the environment). gitfleet's own trouble never fails the commit.
 */
export function hookScript(options: HookScriptOptions): string {
  const runChained = options.shChained
    ? `if [ -x "$chained" ]; then
  "$chained" "$@" || exit $?
elif [ -f "$chained" ]; then
  sh -e "$chained" "$@" || exit $?
fi`
    : `if [ -x "$chained" ]; then
  "$chained" "$@" || exit $?
fi`;
  const flags = (options.flags ?? []).map((f) => `${shQuote(f)} `).join('');
  return `#!/bin/sh
${HOOK_MARKER} (v1)
# Written by \`gitfleet hook install\`: fills an empty commit message with a generated one.
# \`gitfleet hook uninstall\` removes it and puts back the hook it chains to. Set GITFLEET_HOOK=0 to skip it.
gitfleet_node=${shQuote(options.node)}
gitfleet_cli=${shQuote(options.cli)}
chained="$(dirname -- "$0")/${HOOK_NAME}${CHAINED_SUFFIX}"

${runChained}

[ "\${GITFLEET_HOOK-}" = "0" ] && exit 0
if [ -x "$gitfleet_node" ] && [ -f "$gitfleet_cli" ]; then
  "$gitfleet_node" "$gitfleet_cli" hook run ${flags}-- "$@" || :
elif command -v gitfleet >/dev/null 2>&1; then
  gitfleet hook run ${flags}-- "$@" || :
else
  echo "gitfleet: hook skipped: $gitfleet_cli or $gitfleet_node is missing (run gitfleet hook install again)" >&2
fi
exit 0
`;
}

/** The node and bundle paths recorded in a gitfleet hook, or null when `text` isn't one. */
export function parseHookScript(text: string): { node: string; cli: string } | null {
  if (!text.split('\n', 3).some((line) => line.startsWith(HOOK_MARKER))) return null;
  const value = (name: string): string => {
    const m = new RegExp(`^${name}='((?:[^']|'\\\\'')*)'$`, 'm').exec(text);
    return m ? m[1]!.replaceAll(`'\\''`, "'") : '';
  };
  return { node: value('gitfleet_node'), cli: value('gitfleet_cli') };
}
