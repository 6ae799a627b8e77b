import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { GenerateOptions } from '@gitfleet/ai-diff';
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { parseOptions, type RunContext } from '../context.js';
import { UsageError } from '../errors.js';
import { AiCommandError } from '../hook/errors.js';
import { chooseMessage, confirmOnTerminal } from '../hook/choose-message.js';
import { generateMessage, preloadAiDiff, releaseAiDiff, resultNotes, splitMessage } from '../hook/generate-message.js';
import { commitSplit } from '../hook/split-commits.js';
import { gitLine } from '../hook/git-command.js';
import { allChangesDiff, assertStaged } from '../hook/staged-changes.js';
import { note } from '../output.js';
import { commitMsgCommand, generateOptions, generationSchema, SECRET_HINT } from './commit-msg.js';
import { addHookCommand } from './hook.js';

const schema = generationSchema.extend({
  all: z.boolean().default(false),
  yes: z.boolean().default(false),
  edit: z.boolean().default(false),
  split: z.boolean().default(false),
});

const EDIT_HELP = `
# Edit the generated commit message. Lines starting with '#' are ignored;
# an empty message aborts the commit.
`;

/** Runs a command with the terminal attached; resolves with its exit code. */
function interactive(command: string, args: string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/** Opens the user's git editor on `file`, as git does: `git var GIT_EDITOR`, run through the shell. */
async function editFile(root: string, file: string): Promise<void> {
  const editor = await gitLine(['var', 'GIT_EDITOR'], { cwd: root });
  const code = await interactive('sh', ['-c', `${editor} "$@"`, editor, file], root);
  if (code !== 0) throw new AiCommandError('GITFLEET_CLI_EDITOR_FAILED', `the editor (${editor}) exited with code ${code}; nothing was committed`);
}

/** `gitfleet commit`: generate, choose (candidates, edit, regenerate) or confirm, then `git commit -F`. */
export async function commitCommand(gitArgs: string[], raw: unknown, ctx: RunContext): Promise<void> {
  const opts = parseOptions(schema, raw);
  const interactiveTerminal = process.stdin.isTTY && process.stderr.isTTY;
  if (!opts.yes && !opts.edit && !interactiveTerminal) {
    throw new UsageError('not on a terminal: pass --yes to commit the generated message, or --edit to open the editor');
  }
  if (opts.split) return splitCommand(opts, gitArgs, ctx);
  preloadAiDiff();
  let root: string;
  let source: { repo: string } | { diff: string };
  let options: GenerateOptions;
  try {
    root = await gitLine(['rev-parse', '--show-toplevel'], { cwd: resolve(opts.repo) });
    source = { repo: root };
    if (opts.all) source = { diff: await allChangesDiff(root) };
    else await assertStaged(root, process.env, 'stage changes with git add, or use --all');
    options = generateOptions(opts, source, ctx, root);
  } catch (error) {
    await releaseAiDiff();
    throw error;
  }

  let result = await generateMessage(options);
  for (const n of resultNotes(result, SECRET_HINT)) note(n);
  let choice: { action: 'commit' | 'edit'; message: string };
  if (opts.yes || opts.edit) choice = { action: opts.yes ? 'commit' : 'edit', message: result.message };
  else {
    for (;;) {
      const picked = await chooseMessage(result, ctx.signal);
      if (picked.action === 'cancel') throw new AiCommandError('GITFLEET_CLI_COMMIT_ABORTED', 'commit aborted; nothing was committed');
      if (picked.action !== 'regenerate') {
        choice = picked;
        break;
      }
      note('regenerating...');
      result = await generateMessage(options);
      for (const n of resultNotes(result, SECRET_HINT)) note(n);
    }
  }

  const file = await gitLine(['rev-parse', '--path-format=absolute', '--git-path', 'GITFLEET_EDITMSG'], { cwd: root });
  await writeFile(file, choice.action === 'edit' ? `${choice.message.trim()}\n${EDIT_HELP}` : `${choice.message.trim()}\n`);
  if (choice.action === 'edit') await editFile(root, file);
  const cleanup = choice.action === 'edit' ? ['--cleanup=strip'] : [];
  const code = await interactive('git', ['commit', '-F', file, ...cleanup, ...(opts.all ? ['--all'] : []), ...gitArgs], root);
  if (code !== 0) {
    const kept = (await readFile(file, 'utf8').catch(() => '')) === '' ? '' : ` (the message is kept in ${file})`;
    throw new AiCommandError('GITFLEET_CLI_COMMIT_ABORTED', `git commit exited with code ${code}${kept}`);
  }
  await rm(file, { force: true });
}

/** The plan as the user reads it, line by line (each goes through note(), which makes it safe): each commit's subject, then its files. */
function planLines(groups: { subject: string; files: string[] }[], renamedFrom: Map<string, string>): string[] {
  const lines = [`split into ${String(groups.length)} commit${groups.length === 1 ? '' : 's'}:`];
  groups.forEach((g, i) => {
    lines.push(`  ${String(i + 1)}. ${g.subject}`);
    for (const path of g.files) lines.push(`       ${path}${renamedFrom.has(path) ? ` (renamed from ${renamedFrom.get(path)!})` : ''}`);
  });
  return lines;
}

/** `gitfleet commit --split`: the model groups the staged files by concern; on confirmation, one commit per group. */
async function splitCommand(opts: ReturnType<typeof schema.parse>, gitArgs: string[], ctx: RunContext): Promise<void> {
  if (opts.all) throw new UsageError('--split works on the staged changes: stage them with git add (not --all)');
  if (opts.edit) throw new UsageError('--split does not take --edit');
  if (opts.candidates !== undefined) throw new UsageError('--split does not take --candidates');
  preloadAiDiff();
  let root: string;
  try {
    root = await gitLine(['rev-parse', '--show-toplevel'], { cwd: resolve(opts.repo) });
    await assertStaged(root, process.env, 'stage changes with git add');
  } catch (error) {
    await releaseAiDiff();
    throw error;
  }
  const { candidates: _none, ...options } = generateOptions(opts, { repo: root }, ctx, root);
  // Each commit of a split says why in its body (the model leaves it empty when the subject says it all).
  const proposal = await splitMessage({ ...options, body: true });
  for (const n of resultNotes(proposal, SECRET_HINT)) note(n);
  const renamedFrom = new Map(proposal.facts.filter((f) => f.oldPath !== null && f.status === 'renamed').map((f) => [f.path, f.oldPath!]));
  for (const line of planLines(proposal.groups, renamedFrom)) note(line);
  const go = opts.yes || (await confirmOnTerminal(`Make ${proposal.groups.length === 1 ? 'this commit' : `these ${String(proposal.groups.length)} commits`}?`, ctx.signal));
  if (!go) throw new AiCommandError('GITFLEET_CLI_COMMIT_ABORTED', 'split declined; nothing was committed, the index is unchanged');
  const commits = proposal.groups.map((g) => ({ paths: g.files.flatMap((p) => (renamedFrom.has(p) ? [p, renamedFrom.get(p)!] : [p])), message: g.message }));
  const made = await commitSplit(root, commits, gitArgs);
  note(`made ${String(made.length)} commit${made.length === 1 ? '' : 's'}`);
}

/** Registers `commit-msg`, `commit` and `hook`. */
export function registerAiCommands(program: Command, ctx: RunContext): void {
  const generation = (cmd: Command): Command =>
    cmd
      .option('--repo <path>', 'repository (default: the current directory)')
      .option('--conventional', 'Conventional Commits: type(scope): subject (short for --style conventional)')
      .addOption(new Option('--style <style>', "subject style (default: the repository history's, else GITFLEET_AI_STYLE, else plain)").choices(['plain', 'conventional', 'gitmoji']))
      .option('--lang <code>', 'message language, e.g. fr, de, pt-BR, ja (default GITFLEET_AI_LANGUAGE, else English)')
      .option('--exclude <glob>', 'leave this file content out of the prompts (repeatable; also .gitfleetignore)', (value: string, previous: string[] = []) => [...previous, value])
      .option('--no-conventions', "don't learn the repository's conventions from its history")
      .option('--prompt-file <path>', 'a custom prompt template with {{plan}} {{files}} {{conventions}} {{language}} {{max_subject_length}} {{style}} (default GITFLEET_AI_PROMPT_FILE)')
      .option('--body', 'add a body explaining what and why')
      .option('--candidates <n>', 'generate n candidates and keep the best (1-5)')
      .option('--deadline <ms>', 'give up on the model after this long and use a locally built message')
      .option(
        '--include-secret <path>',
        'send this file to the model even though it looks like a secret (repeatable; path relative to the current directory)',
        (value: string, previous: string[] = []) => [...previous, value],
      );

  generation(
    program
      .command('commit-msg')
      .description('write a commit message for the staged changes (or a diff) and print it'),
  )
    .option('--diff <file>', "use this unified diff instead of the staged changes ('-' for stdin)")
    .option('--dry-run', 'show what would be sent (files, omitted files, token budget, model calls) without calling the model')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      `
stdout carries only the message; omitted files and fallback notes go to stderr, so
  git commit -F <(gitfleet commit-msg)   works.
Files that look like secrets are never sent to the model: by path (env files, private keys,
certificates and keystores, cloud and package-manager credentials, kubeconfigs, secrets.yml...)
and by content (private-key blocks, cloud keys, GitHub/GitLab/Slack/npm tokens, JWTs...). stderr
names each one; --include-secret <path> sends one anyway. Lock, generated (also by
.gitattributes linguist-generated or a generated-code header), vendored, minified and binary
files are named but their content is not sent either.
--format json has fallback: true and fallbackReason when the message was built locally (no
provider, provider down or too slow, deadline passed).
The repository's conventions (Conventional Commits or gitmoji, scopes by path, subject case and
length, the branch's ticket id) are learned from its last 500 commits and cached per HEAD;
--no-conventions turns that off. Content is also left out by .gitfleetignore (repository root),
the ignore file beside the user config file (gitignore syntax) and GITFLEET_AI_EXCLUDE.
The model is configured with GITFLEET_AI_* variables or the user config file (see @gitfleet/ai-diff).`,
    )
    .action(async (raw: Record<string, unknown>) => commitMsgCommand(raw, ctx));

  generation(
    program
      .command('commit')
      .description('generate a message, confirm or edit it, then git commit')
      .argument('[git-args...]', 'after --: more git commit arguments, e.g. -- --signoff --no-verify'),
  )
    .option('-a, --all', 'commit all tracked changes, like git commit -a')
    .option('-y, --yes', 'commit without asking (with --split: make the commits without asking)')
    .option('-e, --edit', 'open the git editor on the message before committing')
    .option('--split', 'split the staged change into several commits by concern (file level), each with its own message')
    .addHelpText(
      'after',
      `
On a terminal it shows the message (or, with --candidates, each candidate) to commit, then
"Edit a message first" ($GIT_EDITOR / core.editor), "Regenerate" and "Cancel".
Elsewhere pass --yes or --edit. Nothing staged (and no --all): exit 1.
--split: the model groups the staged files by concern (every file in exactly one group) and
writes each commit's message; the plan is shown and, once confirmed (--yes: at once), the
commits are made in order from the staged content. If the user declines nothing changes; if a
commit fails (e.g. a pre-commit hook), HEAD and the index are restored exactly.
Files that look like secrets are never sent to the model (see commit-msg --help); stderr names
each one, and --include-secret <path> sends one anyway.`,
    )
    .action(async (gitArgs: string[], raw: unknown) => commitCommand(gitArgs, raw, ctx));

  addHookCommand(program);
}
