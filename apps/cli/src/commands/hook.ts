import { realpathSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { parseOptions } from '../context.js';
import { describeError } from '../errors.js';
import { generateMessage, resultNotes } from '../hook/generate-message.js';
import { hookStatus, installHook, uninstallHook, type HookStatus } from '../hook/install-hook.js';
import { locateHook } from '../hook/locate-hook.js';
import { hookDeadline, runHook } from '../hook/run-hook.js';
import { note, write } from '../output.js';


/** The node binary and bundle the hook will run: this very process. */
function selfPaths(): { node: string; cli: string } {
  return { node: process.execPath, cli: realpathSync(fileURLToPath(import.meta.url)) };
}

const repoSchema = z.object({ repo: z.string().default('.') });
const installSchema = repoSchema.extend({
  conventional: z.boolean().default(false),
  body: z.boolean().default(false),
  style: z.enum(['plain', 'conventional', 'gitmoji']).optional(),
  lang: z.string().regex(/^[a-z]{2,3}([-_][a-z0-9]{2,8})*$/i, 'expected a language code such as fr, de, pt-BR').optional(),
});
const statusSchema = repoSchema.extend({ format: z.enum(['text', 'json']).default('text') });

async function install(raw: unknown): Promise<void> {
  const opts = parseOptions(installSchema, raw);
  const location = await locateHook(opts.repo);
  const flags = [
    ...(opts.conventional ? ['--conventional'] : []),
    ...(opts.body ? ['--body'] : []),
    ...(opts.style ? ['--style', opts.style] : []),
    ...(opts.lang ? ['--lang', opts.lang] : []),
  ];
  const result = await installHook(location, { ...selfPaths(), flags });
  await write(`${result.action} ${result.file}\n`);
  if (result.chained) await write(`chained: ${result.chained} runs first\n`);
  if (location.husky === 'v9') {
    // The file is usually committed: on other machines the recorded paths may not exist.
    await write("husky v9: husky's .husky/_/prepare-commit-msg runs it; it records this machine's paths (elsewhere it runs `gitfleet` from PATH)\n");
  }
}

async function uninstall(raw: unknown): Promise<void> {
  const opts = parseOptions(repoSchema, raw);
  const result = await uninstallHook(await locateHook(opts.repo));
  await write(result.action === 'removed' ? `removed ${result.file}\n` : `not installed: ${result.file} is not gitfleet's hook\n`);
  if (result.restored) await write(`restored the chained hook to ${result.restored}\n`);
}

function statusText(s: HookStatus, root: string): string {
  const rel = (p: string): string => relative(root, p) || '.';
  const lines = [
    `hook:      ${s.installed ? 'installed' : s.foreignHook ? 'not installed (another hook is there)' : 'not installed'}`,
    `file:      ${s.file}`,
    `hooks dir: ${s.hooksDir}${s.hooksPath === null ? '' : ` (core.hooksPath=${s.hooksPath})`}`,
    `husky:     ${s.husky ?? 'no'}`,
    `worktree:  ${s.linkedWorktree ? 'linked (hooks shared with the main work tree)' : 'main'}`,
    `chained:   ${s.chained ? rel(s.chained) : 'none'}`,
  ];
  if (s.installed) lines.push(`runs:      ${s.node ?? '?'} ${s.cli ?? '?'}${s.runnable ? '' : ' (MISSING: run gitfleet hook install again)'}`);
  return `${lines.join('\n')}\n`;
}

async function status(raw: unknown): Promise<void> {
  const opts = parseOptions(statusSchema, raw);
  const location = await locateHook(opts.repo);
  const s = await hookStatus(location);
  await write(opts.format === 'json' ? `${JSON.stringify(s, null, 2)}\n` : statusText(s, location.root));
}

/** `gitfleet hook run <msgfile> [source] [sha]`: what the hook script calls. Never fails the commit. */
interface RunFlags {
  conventional?: boolean;
  body?: boolean;
  style?: string;
  lang?: string;
}

async function run(msgFile: string, source: string | undefined, raw: RunFlags): Promise<void> {
  // Tinypool workers or keep-alive sockets must not hold the commit up once we're done.
  const exitSoon = (): void => void setTimeout(() => process.exit(0), 1_000).unref();
  try {
    if (process.env['GITFLEET_HOOK'] === '0') return;
    const outcome = await runHook({
      msgFile,
      source,
      deadlineMs: hookDeadline(process.env, note),
      conventional: raw.conventional === true,
      ...(raw.style === 'plain' || raw.style === 'conventional' || raw.style === 'gitmoji' ? { style: raw.style } : {}),
      ...(raw.lang ? { language: raw.lang } : {}),
      body: raw.body === true,
      generate: generateMessage,
    });
    if (outcome.action === 'filled') {
      for (const n of resultNotes(outcome.result, 'files that look like secrets are never sent to the model; gitfleet commit --include-secret <path> sends one anyway')) note(n);
      if (!outcome.result.fallback) note(`commit message written (${outcome.result.calls} model call${outcome.result.calls === 1 ? '' : 's'})`);
    }
  } catch (error) {
    note(`hook: ${describeError(error)} (commit message left as it was)`);
  } finally {
    process.exitCode = 0;
    exitSoon();
  }
}

/** `gitfleet hook install | uninstall | status` (+ the hidden `hook run`), added to `program`. */
export function addHookCommand(program: Command): void {
  // Created through program.command() so it inherits exitOverride (usage errors exit 2).
  const hook = program.command('hook').description('manage the prepare-commit-msg hook that writes commit messages');
  const repo = (): Option => new Option('--repo <path>', 'repository (any directory inside its work tree)').default('.');
  hook
    .command('install')
    .description('install the hook (an existing prepare-commit-msg hook is kept and runs first)')
    .addOption(repo())
    .option('--conventional', 'Conventional Commits messages')
    .addOption(new Option('--style <style>', 'subject style (default: the history\'s, else GITFLEET_AI_STYLE)').choices(['plain', 'conventional', 'gitmoji']))
    .option('--lang <code>', 'message language, e.g. fr (default GITFLEET_AI_LANGUAGE)')
    .option('--body', 'messages with a body')
    .addHelpText(
      'after',
      `
Honours core.hooksPath, husky (v9: installs .husky/prepare-commit-msg) and linked worktrees.
The hook runs this node and this gitfleet bundle (absolute paths recorded now); if they are
gone it warns and lets the commit through. It acts on a plain \`git commit\`, \`commit -a\`,
\`commit <paths>\` and \`--no-edit\` when no message is written yet; -m/-F, templates, merges,
squashes and amends are left alone. Past GITFLEET_HOOK_DEADLINE_MS (default 10000) it uses a
locally built message. GITFLEET_HOOK=0 skips it. Files that look like secrets are never sent
to the model; the hook names them on stderr. It learns the repository's conventions from its
history (cached per HEAD) and reads .gitfleetignore, the user ignore file, GITFLEET_AI_EXCLUDE
and GITFLEET_AI_PROMPT_FILE, like gitfleet commit-msg.`,
    )
    .action(install);
  hook.command('uninstall').description('remove the hook and restore the one it chained to').addOption(repo()).action(uninstall);
  hook
    .command('status')
    .description('is the hook installed, where, what it chains to, hooksPath/husky/worktree detection')
    .addOption(repo())
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(status);
  hook
    .command('run', { hidden: true })
    .description('internal: called by the hook script with git\'s arguments')
    .argument('<msgfile>')
    .argument('[source]')
    .argument('[sha]')
    .option('--conventional')
    .option('--body')
    .option('--style <style>')
    .option('--lang <code>')
    .action(async (msgFile: string, source: string | undefined, _sha: string | undefined, raw: RunFlags) =>
      run(msgFile, source, raw),
    );
}
