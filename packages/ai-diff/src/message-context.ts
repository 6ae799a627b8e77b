import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CacheStoreOptions } from '@gitfleet/cache';
import type { AiConfig } from './config/ai-config.js';
import { defaultConfigFile } from './config/load-ai-config.js';
import { applyTicket } from './conventions/branch-ticket.js';
import { describeConventions, scopesFor } from './conventions/describe.js';
import { learnConventions, type LearnedConventions } from './conventions/learn-conventions.js';
import type { RepoConventions, TicketPlacement } from './conventions/types.js';
import type { IgnoreRules } from './diff/classify.js';
import type { FileFact } from './diff/types.js';
import { AiDiffError } from './errors.js';
import { buildLocalMessage } from './fallback-message.js';
import { truncateWords } from './output/normalize-message.js';
import { loadPromptTemplate, renderPromptTemplate } from './prompt-template.js';
import { CONVENTIONAL_TYPES, type CommitStyle, type MessageShape } from './prompts.js';
import { resolveLanguage, type MessageLanguage } from './style/language.js';

/** Options about how a message reads (shared by generateCommitMessage, proposeSplit and prepareDiff). */
export interface MessageStyleOptions {
  /** `plain`, `conventional` (`type(scope): subject`) or `gitmoji`. Default: the history's style when `conventions` learned one, else config `GITFLEET_AI_STYLE`, else plain. */
  style?: CommitStyle;
  /** Conventional Commits `type(scope): subject` (the same as `style: 'conventional'`). */
  conventional?: boolean;
  /** The message language, a BCP 47 code (`fr`, `de`, `pt-BR`, `ja`); default config `GITFLEET_AI_LANGUAGE`, else English. */
  language?: string;
  /**
   * The repository's conventions, learned from its history (`true`, a `repo` source only) or
   * given (a `learnConventions()` result): style, scopes for the staged paths, subject case and
   * length go into the prompt, and a ticket id from the branch name into the message. Default false.
   */
  conventions?: boolean | RepoConventions | LearnedConventions;
  /** Where learned conventions are cached (see `learnConventions`). Default on. */
  cache?: boolean | string | CacheStoreOptions;
  /** A custom prompt file (see the README for its variables); default config `GITFLEET_AI_PROMPT_FILE`; `false` for ours. */
  promptFile?: string | false;
  /** Read `.gitfleetignore` (repository root) and the user's `ignore` file beside the config file. Default true. */
  ignoreFiles?: boolean;
  /** More globs (picomatch) of files whose content is never sent, on top of `GITFLEET_AI_EXCLUDE`. */
  exclude?: string[];
}

/** Checks the style options once, at the boundary. */
export function checkStyleOptions(options: MessageStyleOptions): MessageLanguage | null {
  const { style, conventional } = options;
  if (style !== undefined && !['plain', 'conventional', 'gitmoji'].includes(style)) {
    throw new AiDiffError('GITFLEET_AI_INVALID_OPTION', `style must be plain, conventional or gitmoji (got ${JSON.stringify(style)})`);
  }
  if (conventional === true && style !== undefined && style !== 'conventional') {
    throw new AiDiffError('GITFLEET_AI_INVALID_OPTION', `conventional: true conflicts with style: ${style}`);
  }
  if (options.exclude !== undefined && (!Array.isArray(options.exclude) || !options.exclude.every((g) => typeof g === 'string' && g !== ''))) {
    throw new AiDiffError('GITFLEET_AI_INVALID_OPTION', 'exclude must be a list of globs');
  }
  return resolveLanguage(options.language);
}

/** The custom prompt, from the option or the config (checked now: a broken file fails before any work). */
export async function loadTemplate(options: MessageStyleOptions, config: AiConfig, signal?: AbortSignal): Promise<string | null> {
  const path = options.promptFile === false ? undefined : (options.promptFile ?? config.promptFile);
  return path === undefined ? null : loadPromptTemplate(path, signal);
}

/**
 * `.gitfleetignore` at the repository root (the work tree's file) and `ignore` beside the user
 * config file, in gitignore syntax. Missing files are fine; unreadable ones are skipped.
 *
 * @example
 * const ignore = await readIgnoreRules('/path/to/repo', undefined, process.env);
 * const prepared = await prepareDiff({ repo: '/path/to/repo', ignore });
 */
export async function readIgnoreRules(root: string | null, configFile: string | false | undefined, env: NodeJS.ProcessEnv): Promise<IgnoreRules[]> {
  const sources: [string, string][] = [];
  if (root !== null) sources.push(['.gitfleetignore', join(root, '.gitfleetignore')]);
  if (configFile !== false) {
    const path = join(dirname(configFile ?? defaultConfigFile(env)), 'ignore');
    sources.push([path, path]);
  }
  const read = await Promise.all(sources.map(async ([source, path]) => ({ source, patterns: await readFile(path, 'utf8').catch(() => '') })));
  return read.filter((r) => r.patterns.trim() !== '');
}

/**
 * Learns the conventions when asked (a repository only), within `budgetMs`: past it, or on any
 * failure, the message is written without them (`onWarning` says why).
 */
export async function conventionsFor(
  options: MessageStyleOptions & { repo?: string },
  budgetMs: number,
  signal: AbortSignal,
  onWarning: (message: string) => void,
): Promise<RepoConventions | LearnedConventions | null> {
  const given = options.conventions;
  if (given === undefined || given === false) return null;
  if (given !== true) return given;
  if (options.repo === undefined) return null;
  const limit = AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, budgetMs))]);
  try {
    return await learnConventions({ repo: options.repo, signal: limit, ...(options.cache === undefined ? {} : { cache: options.cache }) });
  } catch (error) {
    if (signal.aborted) throw error;
    onWarning(`repository conventions not used: ${limit.aborted ? `not learned within ${String(budgetMs)} ms` : error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

/** Below this many commits a history says nothing about its conventions (only the branch's ticket counts). */
const MIN_COMMITS = 5;

/** The conventions when the history is long enough to show any, else null. */
function trusted<T extends RepoConventions>(conventions: T | null): T | null {
  return conventions && conventions.commits >= MIN_COMMITS ? conventions : null;
}

/** The style: the caller's, else the history's (when it shows one), else the config's, else plain. */
export function resolveStyle(options: MessageStyleOptions, config: AiConfig, learned: RepoConventions | null): CommitStyle {
  if (options.style) return options.style;
  if (options.conventional) return 'conventional';
  const conventions = trusted(learned);
  if (conventions && conventions.style !== 'plain') return conventions.style;
  return config.style ?? 'plain';
}

/** Everything about the message's shape, its prompt and its finishing touches for one run. */
export interface MessagePlan {
  shape: MessageShape;
  conventions: RepoConventions | LearnedConventions | null;
  language: MessageLanguage | null;
  /** The ticket from the branch name, added to each message. */
  ticket: string | null;
  /** Where the history puts tickets in subjects; null: in a `Refs:` trailer. */
  placement: TicketPlacement | null;
  /** Options for normalizeSubject beyond length and style. */
  normalize: { types?: readonly string[]; gitmojiFormat: 'emoji' | 'code'; imperative: boolean; subjectCase?: 'lower' | 'upper'; areaPrefix: boolean };
}

export function planMessage(input: {
  base: { subjectMaxLength: number; body: boolean; candidates: number; task: 'message' | 'split' };
  style: CommitStyle;
  language: MessageLanguage | null;
  conventions: RepoConventions | LearnedConventions | null;
  template: string | null;
  facts: readonly FileFact[];
}): MessagePlan {
  const { language, style } = input;
  const ticket = input.conventions && 'branchTicket' in input.conventions ? input.conventions.branchTicket : null;
  const conventions = trusted(input.conventions);
  const placement = conventions?.ticket?.placement ?? null;
  // A ticket that goes into the subject takes its room from the model's limit.
  const reserve = ticket && placement ? ticket.length + 3 : 0;
  const text = conventions ? describeConventions(conventions, input.facts.map((f) => f.path)) : '';
  const shape: MessageShape = {
    subjectMaxLength: Math.max(20, input.base.subjectMaxLength - reserve),
    conventional: style === 'conventional',
    style,
    body: input.base.body,
    candidates: input.base.candidates,
    task: input.base.task,
    types: CONVENTIONAL_TYPES,
    ...(language ? { language } : {}),
    ...(text ? { conventions: text } : {}),
  };
  if (input.template !== null) shape.template = renderPromptTemplate(input.template, shape, input.facts);
  // The case the history shows after its own prefix: it says nothing about another style's.
  const subjectCase = conventions && conventions.subjectCase !== 'mixed' && conventions.style === style ? conventions.subjectCase : undefined;
  return {
    shape,
    conventions,
    language,
    ticket,
    placement,
    normalize: {
      gitmojiFormat: conventions?.gitmojiFormat ?? 'emoji',
      imperative: language === null,
      ...(subjectCase ? { subjectCase } : {}),
      areaPrefix: style === 'plain' && (conventions?.areaPrefix ?? false),
    },
  };
}

/** The ticket (when the branch has one) where the history puts tickets. */
export function finishMessage(plan: MessagePlan, message: { subject: string; body: string }, maxLength: number): { subject: string; body: string } {
  if (!plan.ticket) return message;
  return applyTicket(message, plan.ticket, plan.placement, maxLength, truncateWords);
}

/** The local message for some files, in the run's style, language and conventions. */
export function localMessage(
  plan: MessagePlan,
  facts: readonly FileFact[],
  omitted: Parameters<typeof buildLocalMessage>[1]['omitted'],
  maxLength: number,
): { subject: string; body: string } {
  const scope = plan.conventions && plan.shape.style === 'conventional' ? scopesFor(plan.conventions, facts.map((f) => f.path))[0] : undefined;
  const message = buildLocalMessage(facts, {
    maxLength: plan.shape.subjectMaxLength,
    conventional: plan.shape.style === 'conventional',
    style: plan.shape.style,
    gitmojiFormat: plan.normalize.gitmojiFormat,
    ...(plan.language ? { language: plan.language.code } : {}),
    ...(scope ? { scope } : {}),
    ...(plan.normalize.subjectCase ? { subjectCase: plan.normalize.subjectCase } : {}),
    ...(omitted ? { omitted } : {}),
  });
  return finishMessage(plan, message, maxLength);
}
