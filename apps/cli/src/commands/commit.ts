import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { GenerateOptions } from '@gitfleet/ai-diff';
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { parseOptions, type RunContext } from '../context.js';
import { UsageError } from '../errors.js';
import { AiCommandError } from '../hook/errors.js';
import { generateMessage, preloadAiDiff, releaseAiDiff, resultNotes } from '../hook/generate-message.js';
import { gitLine } from '../hook/git-command.js';
import { allChangesDiff, assertStaged } from '../hook/staged-changes.js';
import { note } from '../output.js';
import { commitMsgCommand, generateOptions, generationSchema, SECRET_HINT } from './commit-msg.js';
import { addHookCommand } from './hook.js';

const schema = generationSchema.extend({
  all: z.boolean().default(false),
  yes: z.boolean().default(false),
  edit: z.boolean().default(false),
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

/** y/e/n on the terminal; end of input means no. */
async function ask(message: string): Promise<'yes' | 'edit' | 'no'> {
  const prompt = 'Commit with this message? [y]es / [e]dit / [n]o: ';
  process.stderr.write(`\n${message.trim()}\n\n${prompt}`);
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: false });
  try {
    // The line iterator buffers input typed ahead of the prompt.
    for await (const line of rl) {
      const answer = line.trim().toLowerCase();
      if (answer === 'y' || answer === 'yes' || answer === '') return 'yes';
      if (answer === 'e' || answer === 'edit') return 'edit';
      if (answer === 'n' || answer === 'no') return 'no';
      process.stderr.write(prompt);
    }
    return 'no';
  } finally {
    rl.close();
  }
}

/** `gitfleet commit`: generate, confirm or edit, then `git commit -F`. */
export async function commitCommand(gitArgs: string[], raw: unknown, ctx: RunContext): Promise<void> {
  const opts = parseOptions(schema, raw);
  const interactiveTerminal = process.stdin.isTTY && process.stderr.isTTY;
  if (!opts.yes && !opts.edit && !interactiveTerminal) {
    throw new UsageError('not on a terminal: pass --yes to commit the generated message, or --edit to open the editor');
  }
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

  const result = await generateMessage(options);
  for (const n of resultNotes(result, SECRET_HINT)) note(n);

  const choice = opts.yes ? 'yes' : opts.edit ? 'edit' : await ask(result.message);
  if (choice === 'no') throw new AiCommandError('GITFLEET_CLI_COMMIT_ABORTED', 'commit aborted; nothing was committed');

  const file = await gitLine(['rev-parse', '--path-format=absolute', '--git-path', 'GITFLEET_EDITMSG'], { cwd: root });
  await writeFile(file, choice === 'edit' ? `${result.message.trim()}\n${EDIT_HELP}` : `${result.message.trim()}\n`);
  if (choice === 'edit') await editFile(root, file);
  const cleanup = choice === 'edit' ? ['--cleanup=strip'] : [];
  const code = await interactive('git', ['commit', '-F', file, ...cleanup, ...(opts.all ? ['--all'] : []), ...gitArgs], root);
  if (code !== 0) {
    const kept = (await readFile(file, 'utf8').catch(() => '')) === '' ? '' : ` (the message is kept in ${file})`;
    throw new AiCommandError('GITFLEET_CLI_COMMIT_ABORTED', `git commit exited with code ${code}${kept}`);
  }
  await rm(file, { force: true });
}

/** Registers `commit-msg`, `commit` and `hook`. */
export function registerAiCommands(program: Command, ctx: RunContext): void {
  const generation = (cmd: Command): Command =>
    cmd
      .option('--repo <path>', 'repository (default: the current directory)')
      .option('--conventional', 'Conventional Commits: type(scope): subject')
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
    .option('-y, --yes', 'commit without asking')
    .option('-e, --edit', 'open the git editor on the message before committing')
    .addHelpText(
      'after',
      `
On a terminal it asks: [y]es commits, [e]dit opens $GIT_EDITOR / core.editor, [n]o aborts.
Elsewhere pass --yes or --edit. Nothing staged (and no --all): exit 1.
Files that look like secrets are never sent to the model (see commit-msg --help); stderr names
each one, and --include-secret <path> sends one anyway.`,
    )
    .action(async (gitArgs: string[], raw: unknown) => commitCommand(gitArgs, raw, ctx));

  addHookCommand(program);
}
