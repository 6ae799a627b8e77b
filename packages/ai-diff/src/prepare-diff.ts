import { MessageChannel } from 'node:worker_threads';
import type { AiConfig } from './config/ai-config.js';
import { modelInfo, type ModelInfo } from './config/models.js';
import type { DiffSource, PrepareSettings, PreparedDiff } from './diff/prepare.js';
import { createControl, stopHelper } from './diff/shared-counts.js';
import { AiDiffError } from './errors.js';
import { getAiDiffPool, poolThreads, runInProcess, runTask, type AiDiffPoolOptions } from './pool.js';
import type { IgnoreRules } from './diff/classify.js';
import { frameText, requestFrame, type CommitStyle, type MessageShape, type Stage } from './prompts.js';
import { resolveLanguage } from './style/language.js';
import { readSource, type SourceOptions } from './read-source.js';

export interface PrepareDiffOptions extends SourceOptions, AiDiffPoolOptions {
  /** Picks the tokenizer and the default budget. Default `gpt-4.1-mini`. */
  model?: string;
  provider?: AiConfig['provider'];
  maxInputTokens?: number;
  concurrency?: number;
  maxMapCalls?: number;
  exclude?: string[];
  include?: string[];
  /** Paths (as in the diff) whose content is used even though they look like secrets. */
  includeSecrets?: string[];
  subjectMaxLength?: number;
  conventional?: boolean;
  /** The subject style the prompts ask for (they are counted in the budget). Default from `conventional`. */
  style?: CommitStyle;
  /** The message language (BCP 47), as in `generateCommitMessage`. */
  language?: string;
  body?: boolean;
  candidates?: number;
  /** `split` plans the request of `proposeSplit`. */
  task?: 'message' | 'split';
  /** gitignore-syntax rules whose matches are left out ("excluded by config", `detail` = `source`). */
  ignore?: IgnoreRules[];
  signal?: AbortSignal;
}

/** Output tokens kept free when the input budget comes from a context window. */
const OUTPUT_RESERVE = 4096;
/** Sending more than this by default costs more than it helps a commit message. */
const DEFAULT_INPUT_CAP = 128_000;
/** Ollama allocates memory for its whole context: stay modest unless told otherwise. */
const OLLAMA_DEFAULT_INPUT = 8_192;
/** Planning margin for models counted with the cl100k approximation. */
const APPROXIMATION_FACTOR = 0.85;

/**
 * Input tokens per request: GITFLEET_AI_MAX_INPUT_TOKENS when set, else the model's context
 * window minus an output reserve (capped at 128k; 8k for Ollama). Models without an exact
 * tokenizer plan with 85 % of it.
 */
export function resolveMaxInputTokens(config: Pick<AiConfig, 'provider' | 'maxInputTokens'>, info: ModelInfo): number {
  let tokens = config.maxInputTokens ?? Math.min(info.contextWindow - OUTPUT_RESERVE, DEFAULT_INPUT_CAP);
  if (config.maxInputTokens === undefined && config.provider === 'ollama') tokens = Math.min(tokens, OLLAMA_DEFAULT_INPUT);
  if (!info.exactTokenizer) tokens = Math.floor(tokens * APPROXIMATION_FACTOR);
  return Math.max(256, tokens);
}

export function messageShape(options: {
  subjectMaxLength?: number;
  conventional?: boolean;
  style?: CommitStyle;
  language?: string;
  body?: boolean;
  candidates?: number;
  task?: 'message' | 'split';
}): MessageShape {
  const style = options.style ?? (options.conventional ? 'conventional' : 'plain');
  const language = resolveLanguage(options.language);
  return {
    subjectMaxLength: options.subjectMaxLength ?? 72,
    conventional: style === 'conventional',
    style,
    body: options.body ?? false,
    candidates: Math.max(1, Math.min(5, Math.floor(options.candidates ?? 1))),
    task: options.task ?? 'message',
    ...(language ? { language } : {}),
  };
}

export interface PrepareRun {
  source: DiffSource;
  model: string;
  provider: AiConfig['provider'];
  maxInputTokens: number;
  concurrency: number;
  maxMapCalls: number;
  exclude: string[];
  include: string[];
  includeSecrets: string[];
  ignore?: IgnoreRules[];
  tokenize: 'always' | 'when-needed';
  /** A diff of at most this many characters that fits one request by its bytes is prepared on this thread. */
  inProcessMaxChars?: number;
  shape: MessageShape;
  pool: AiDiffPoolOptions;
  signal?: AbortSignal;
}

/** Below this many characters of diff, a second worker costs more than it saves. */
const HELPER_MIN_CHARS = 1 << 20;

function sourceChars(source: DiffSource): number {
  if (source.kind === 'text') return source.text.length;
  return source.files.reduce((sum, file) => sum + file.patch.length, 0);
}

/**
 * Runs the local stage in the worker pool. A big diff gets a helper task in a second worker
 * (when the pool has one) that counts tokens into a table shared with the planning task.
 */
export async function runPrepare(run: PrepareRun): Promise<PreparedDiff> {
  const info = modelInfo(run.model);
  const frames = Object.fromEntries(
    (['single', 'map', 'reduce'] as Stage[]).map((stage) => [stage, frameText(requestFrame(stage, run.shape))]),
  ) as Record<Stage, string>;
  const settings: PrepareSettings = {
    encoding: info.encoding,
    maxInputTokens: run.maxInputTokens,
    frames,
    concurrency: run.concurrency,
    maxMapCalls: run.maxMapCalls,
    exclude: run.exclude,
    include: run.include,
    includeSecrets: run.includeSecrets,
    tokenize: run.tokenize,
    task: run.shape.task ?? 'message',
    ignore: run.ignore ?? [],
  };
  if (run.tokenize === 'when-needed' && (run.inProcessMaxChars ?? 0) >= sourceChars(run.source)) {
    const prepared = await runInProcess<PreparedDiff | null>({ op: 'prepare-by-bytes', source: run.source, settings }, run.pool);
    if (prepared) return prepared;
  }
  const options = { ...run.pool, ...(run.signal ? { signal: run.signal } : {}) };
  getAiDiffPool(run.pool);
  if (poolThreads() < 2 || sourceChars(run.source) < HELPER_MIN_CHARS) {
    return runTask<PreparedDiff>({ op: 'prepare', source: run.source, settings }, options);
  }
  const control = createControl();
  const { port1, port2 } = new MessageChannel();
  const planned = runTask<PreparedDiff>({ op: 'prepare', source: run.source, settings, share: { control, port: port1 } }, { ...options, transferList: [port1] });
  // The helper only speeds the planner up: its failure (or a pool without room for it) changes nothing.
  runTask({ op: 'precount', source: run.source, settings, share: { control, port: port2 } }, { ...options, transferList: [port2] }).catch(() => undefined);
  try {
    return await planned;
  } finally {
    stopHelper(control);
  }
}

/**
 * The local stage alone (read, parse, omit, collapse, count, plan), without any model call:
 * what a benchmark measures apart from the network, or a preview of what would be sent. Files
 * that look like secrets are left out as in `generateCommitMessage`; counts are always
 * the tokenizer's.
 *
 * @example
 * const prepared = await prepareDiff({ repo: '.', model: 'gpt-4.1-mini', maxInputTokens: 4000 });
 * console.log(prepared.plan.mode, prepared.omitted, prepared.diffTokens);
 */
export async function prepareDiff(options: PrepareDiffOptions): Promise<PreparedDiff> {
  const model = options.model ?? 'gpt-4.1-mini';
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new AiDiffError('GITFLEET_AI_INVALID_OPTION', 'concurrency must be a positive integer');
  const source = await readSource(options, options.signal);
  const provider = options.provider ?? 'openai';
  const maxInputTokens = resolveMaxInputTokens(
    options.maxInputTokens === undefined ? { provider } : { provider, maxInputTokens: options.maxInputTokens },
    modelInfo(model),
  );
  const pool: AiDiffPoolOptions = {};
  if (options.workerUrl !== undefined) pool.workerUrl = options.workerUrl;
  if (options.maxThreads !== undefined) pool.maxThreads = options.maxThreads;
  return runPrepare({
    source,
    model,
    provider,
    maxInputTokens,
    concurrency,
    maxMapCalls: options.maxMapCalls ?? 24,
    exclude: options.exclude ?? [],
    include: options.include ?? [],
    includeSecrets: options.includeSecrets ?? [],
    ignore: options.ignore ?? [],
    tokenize: 'always',
    shape: messageShape(options),
    pool,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
