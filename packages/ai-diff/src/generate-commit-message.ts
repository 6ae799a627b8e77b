import pLimit from 'p-limit';
import { EnvHttpProxyAgent } from 'undici';
import type { z } from 'zod';
import type { AiConfig } from './config/ai-config.js';
import { loadAiConfig } from './config/load-ai-config.js';
import { modelInfo } from './config/models.js';
import type { DiffSource, PreparedDiff } from './diff/prepare.js';
import type { PartAnalysis } from './diff/render-reduce.js';
import type { FileFact, OmitReason } from './diff/types.js';
import { AiDiffError, ProviderError, redact } from './errors.js';
import type { PipelineEvent } from './events.js';
import {
  checkStyleOptions,
  conventionsFor,
  finishMessage,
  loadTemplate,
  localMessage,
  planMessage,
  readIgnoreRules,
  resolveStyle,
  type MessagePlan,
  type MessageStyleOptions,
} from './message-context.js';
import { normalizeBody, normalizeSubject } from './output/normalize-message.js';
import { parseModelJson } from './output/parse-output.js';
import { analysisOutput, messageAnswer, type MessageOutput } from './output/schemas.js';
import { runTask, warmAiDiffPool, type AiDiffPoolOptions } from './pool.js';
import { resolveMaxInputTokens, runPrepare } from './prepare-diff.js';
import { requestFrame, type CommitStyle, type MessageShape, type Stage } from './prompts.js';
import { createProviderClient, type ProviderClient } from './providers/provider.js';
import { withRetry } from './providers/http.js';
import { checkSource, quickFacts, readSource, type SourceOptions } from './read-source.js';
import { localWords } from './style/local-words.js';

export interface GenerateOptions extends SourceOptions, AiDiffPoolOptions, MessageStyleOptions {
  /** Overrides on top of env + user config file. */
  config?: Partial<AiConfig>;
  /** Default `process.env` (GITFLEET_AI_* are read from it). */
  env?: NodeJS.ProcessEnv;
  /** User config file; default `<user config dir>/gitfleet/config.json`, `false` for none. */
  configFile?: string | false;
  /** Include a body. */
  body?: boolean;
  /** Ask for N candidates and keep the best (default 1, at most 5). */
  candidates?: number;
  /** Hard deadline for the whole call; past it the local message is returned. Default: config `deadlineMs` (60 s). */
  deadlineMs?: number;
  /**
   * Paths (as in the diff, relative to the repository root) whose content is sent even though
   * they look like secrets. Every other file that looks like one, by path or by content, is left
   * out of every request and listed in `omitted` with reason `secret`.
   */
  includeSecrets?: string[];
  /**
   * A diff of at most this many characters that fits one request by its bytes (no tokenizer
   * needed) is prepared on the calling thread, not in the worker pool; no worker is started ahead
   * of time then. Default 0: always the pool. For short-lived processes with nothing else on
   * their event loop (a CLI, a git hook): it saves starting a worker thread (30-100 ms), and the
   * calling thread is busy for a few ms (the secret scan's first run is the largest part).
   */
  inProcessMaxChars?: number;
  signal?: AbortSignal;
  onEvent?: (event: PipelineEvent) => void;
}

export interface CommitMessageResult {
  /** Subject, plus a blank line and the body when there is one. */
  message: string;
  subject: string;
  body?: string;
  /** Set when the message was built locally: no provider, provider down, deadline passed. */
  fallback: null | { reason: string };
  /** Files whose content was never sent (secret, lock, generated, vendored, minified, binary, excluded). */
  omitted: { path: string; reason: OmitReason; detail?: string }[];
  /** HTTP requests sent to the model API, retries included. */
  calls: number;
  /** How the message was made. */
  mode: 'single' | 'map-reduce' | 'local';
  /** All candidate subjects when more than one was asked for, best first. */
  candidates?: string[];
  /** The whole message of each candidate, in the order of `candidates`. */
  candidateMessages?: string[];
  /** The subject style used: the caller's, the history's, the config's or plain. */
  style: CommitStyle;
}

export interface RunState {
  calls: number;
  emit: (event: PipelineEvent) => void;
  secret: string | undefined;
}

/** Thrown inside the pipeline to leave for the fallback with a reason. */
export class FallbackSignal extends Error {}

function safeEmitter(onEvent: GenerateOptions['onEvent'], secret: string | undefined): (event: PipelineEvent) => void {
  return (event) => {
    if (!onEvent) return;
    try {
      // Defence in depth: no string in an event may carry the key.
      onEvent(secret ? (JSON.parse(redact(JSON.stringify(event), secret)) as PipelineEvent) : event);
    } catch {
      // A listener's failure must not break message generation.
    }
  };
}

function checkOptions(options: GenerateOptions): void {
  checkSource(options);
  checkStyleOptions(options);
  const { candidates, deadlineMs } = options;
  if (candidates !== undefined && (!Number.isInteger(candidates) || candidates < 1 || candidates > 5)) {
    throw new AiDiffError('GITFLEET_AI_INVALID_OPTION', 'candidates must be an integer from 1 to 5');
  }
  if (deadlineMs !== undefined && (!Number.isFinite(deadlineMs) || deadlineMs <= 0)) {
    throw new AiDiffError('GITFLEET_AI_INVALID_OPTION', 'deadlineMs must be a positive number');
  }
  const { inProcessMaxChars } = options;
  if (inProcessMaxChars !== undefined && (!Number.isInteger(inProcessMaxChars) || inProcessMaxChars < 0)) {
    throw new AiDiffError('GITFLEET_AI_INVALID_OPTION', 'inProcessMaxChars must be a non-negative integer');
  }
  checkIncludeSecrets(options.includeSecrets);
}

/** `includeSecrets` is a list of paths, or an AiDiffError. */
function checkIncludeSecrets(paths: unknown): void {
  if (paths !== undefined && (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string' && p !== ''))) {
    throw new AiDiffError('GITFLEET_AI_INVALID_OPTION', 'includeSecrets must be a list of paths');
  }
}

async function resolveConfig(options: Pick<GenerateOptions, 'env' | 'configFile' | 'config'>, warnings: string[]): Promise<AiConfig> {
  const loaded = await loadAiConfig({
    env: options.env ?? process.env,
    ...(options.configFile === undefined ? {} : { configFile: options.configFile }),
    ...(options.config === undefined ? {} : { overrides: options.config }),
  });
  if (loaded.errors.length > 0) {
    throw new AiDiffError('GITFLEET_AI_INVALID_CONFIG', `invalid AI configuration: ${loaded.errors.join('; ')}`, { data: { errors: loaded.errors } });
  }
  warnings.push(...loaded.warnings);
  const { config } = loaded;
  for (const key of ['timeoutMs', 'concurrency', 'subjectMaxLength'] as const) {
    if (!Number.isInteger(config[key]) || config[key] <= 0) throw new AiDiffError('GITFLEET_AI_INVALID_CONFIG', `${key} must be a positive integer`);
  }
  if (config.baseUrl !== undefined && !/^https?:\/\/[^\s]+$/i.test(config.baseUrl)) {
    throw new AiDiffError('GITFLEET_AI_INVALID_CONFIG', 'baseUrl: not an http(s) URL');
  }
  return config;
}

/** What the pipeline needs to know about its caller, for both tasks. */
type PipelineOptions = GenerateOptions & { task: 'message' | 'split' };

/** How a run ended: the model's answers, or a reason to build the message(s) locally. */
type Outcome<T> =
  | { kind: 'model'; answers: T; prepared: PreparedDiff; mode: 'single' | 'map-reduce' }
  | { kind: 'local'; prepared: PreparedDiff | null; reason: string };

/** A run of the pipeline up to the model's answers (or the reason there are none). */
export interface PipelineRun<T> {
  outcome: Outcome<T>;
  plan: MessagePlan;
  /** Every file of the change (the fallback's facts); empty when the diff was never read. */
  facts: FileFact[];
  read: boolean;
  state: RunState;
  started: number;
  /** Sends the final request again with `note` added to its user message (the split's one retry). */
  again: (note: string) => Promise<T>;
}

/**
 * The shared pipeline: config, template, conventions, reading, the local stage, then one request
 * (`single`) or map requests and a final one. The final request's answer is parsed with `schema`.
 */
export async function runPipeline<T>(options: PipelineOptions, schema: z.ZodType<T>): Promise<PipelineRun<T>> {
  const started = Date.now();
  checkOptions(options);
  const warnings: string[] = [];
  const config = await resolveConfig(options, warnings);
  const language = checkStyleOptions({ ...options, ...(options.language === undefined && config.language !== undefined ? { language: config.language } : {}) });
  const template = await loadTemplate(options, config, options.signal);
  const state: RunState = { calls: 0, emit: safeEmitter(options.onEvent, config.apiKey), secret: config.apiKey };
  for (const message of warnings) state.emit({ type: 'warning', message });

  const deadlineMs = options.deadlineMs ?? config.deadlineMs ?? 60_000;
  // The deadline runs from the start of the call: reading the diff and starting workers count too.
  const deadline = AbortSignal.timeout(Math.max(0, started + deadlineMs - Date.now()));
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const throwIfCallerAborted = (cause?: unknown): void => {
    if (options.signal?.aborted) throw new AiDiffError('GITFLEET_AI_ABORTED', 'aborted by the caller', { cause });
  };

  const info = modelInfo(config.model);
  const maxInputTokens = resolveMaxInputTokens(config, info);
  state.emit({ type: 'config', provider: config.provider, model: config.model, encoding: info.encoding, exactTokenizer: info.exactTokenizer, maxInputTokens });

  const pool: AiDiffPoolOptions = {};
  if (options.workerUrl !== undefined) pool.workerUrl = options.workerUrl;
  if (options.maxThreads !== undefined) pool.maxThreads = options.maxThreads;
  const inProcessMaxChars = options.inProcessMaxChars ?? 0;
  // With the in-process path a small diff needs no worker: start one only when it may be needed.
  const warmed = inProcessMaxChars > 0 ? Promise.resolve() : warmAiDiffPool(pool);

  // The history is read beside the diff; it may take a quarter of the deadline (a cached analysis takes ms).
  const learning = conventionsFor(options, Math.min(5_000, deadlineMs / 4), signal, (message) => state.emit({ type: 'warning', message }));
  let source: DiffSource | null = null;
  let conventions: Awaited<typeof learning> = null;
  try {
    const learnedAt = Date.now();
    [source, conventions] = await untilAborted(Promise.all([readSource(options, signal), learning]), signal);
    if (conventions && 'cached' in conventions) {
      state.emit({ type: 'conventions', style: conventions.style, commits: conventions.commits, cached: conventions.cached, ticket: conventions.branchTicket, ms: Date.now() - learnedAt });
    }
  } catch (error) {
    throwIfCallerAborted(error);
    if (!deadline.aborted) throw error;
  }
  const facts = source ? quickFacts(source) : [];
  const style = resolveStyle(options, config, conventions);
  const plan = planMessage({
    base: { subjectMaxLength: config.subjectMaxLength, body: options.body ?? false, candidates: options.task === 'split' ? 1 : (options.candidates ?? 1), task: options.task },
    style,
    language,
    conventions,
    template,
    facts,
  });
  const shape = plan.shape;
  const run = (outcome: Outcome<T>, prepared?: PreparedDiff | null): PipelineRun<T> => ({
    outcome,
    plan,
    facts: prepared?.facts ?? facts,
    read: source !== null,
    state,
    started,
    again: () => Promise.reject(new FallbackSignal('no request to repeat')),
  });
  const local = (prepared: PreparedDiff | null, reason: string): PipelineRun<T> => run({ kind: 'local', prepared, reason: redact(reason, state.secret) }, prepared);

  if (!source) return local(null, `deadline of ${String(deadlineMs)} ms passed while reading the staged diff`);
  const ignore = options.ignoreFiles === false ? [] : await readIgnoreRules(source.kind === 'files' ? (source.root ?? null) : null, options.configFile, options.env ?? process.env);
  let prepared: PreparedDiff;
  try {
    // The worker that is starting takes the task, rather than a second one starting beside it.
    await untilAborted(warmed, signal);
    prepared = await runPrepare({
      source,
      model: config.model || 'gpt-4.1-mini',
      provider: config.provider,
      maxInputTokens,
      concurrency: config.concurrency,
      maxMapCalls: config.maxMapCalls ?? 24,
      exclude: [...(config.exclude ?? []), ...(options.exclude ?? [])],
      include: config.include ?? [],
      includeSecrets: options.includeSecrets ?? [],
      ignore,
      // A small change goes out without loading the tokenizer (0.1-0.8 s) when its bytes fit.
      tokenize: 'when-needed',
      inProcessMaxChars,
      shape,
      pool,
      signal,
    });
  } catch (error) {
    throwIfCallerAborted(error);
    if (deadline.aborted) return local(null, `deadline of ${String(deadlineMs)} ms passed while preparing the diff`);
    throw error;
  }
  for (const file of prepared.omitted) state.emit({ type: 'omitted', path: file.path, reason: file.reason, ...(file.detail === undefined ? {} : { detail: file.detail }) });
  for (const file of prepared.collapsed) state.emit({ type: 'collapsed', path: file.path, description: file.description });
  const diffPlan = prepared.plan;
  state.emit({
    type: 'plan',
    mode: diffPlan.mode === 'single' ? 'single' : diffPlan.mode === 'map' ? 'map-reduce' : 'none',
    parts: diffPlan.mode === 'map' ? diffPlan.parts.length : diffPlan.mode === 'single' ? 1 : 0,
    diffTokens: prepared.diffTokens,
    diffTokensExact: prepared.diffTokensExact,
    truncated: diffPlan.mode === 'map' ? diffPlan.truncated : [],
  });

  if (diffPlan.mode === 'empty') return local(prepared, 'no changes staged');
  if (config.provider === 'none') return local(prepared, 'no provider configured (set GITFLEET_AI_PROVIDER)');
  if (diffPlan.mode === 'too-small') {
    return local(prepared, `input budget of ${String(diffPlan.budget)} tokens is too small for the prompts (needs about ${String(diffPlan.needed)})`);
  }

  // A timed-out or refused request shows the provider is down: the breaker stops every other request.
  const breaker = new AbortController();
  let down: ProviderError | null = null;
  const tripBreaker = (error: ProviderError): void => {
    down ??= error;
    breaker.abort(error);
  };
  const requestSignal = AbortSignal.any([signal, breaker.signal]);
  /** A caller over its own HTTP agent (honours HTTPS_PROXY / HTTP_PROXY / NO_PROXY); `close` destroys the agent. */
  const connect = (): { call: ReturnType<typeof createCaller>; close: () => Promise<void> } => {
    const agent = new EnvHttpProxyAgent({ connections: config.concurrency + 1 });
    const client = createProviderClient(config, agent);
    return {
      call: createCaller({ client, config, shape, signal: requestSignal, state, maxInputTokens, prepared, deadlineAt: started + deadlineMs, tripBreaker }),
      close: () => agent.destroy().catch(() => undefined),
    };
  };
  const { call, close } = connect();
  const recover = (error: unknown): PipelineRun<T> => {
    throwIfCallerAborted(error);
    if (deadline.aborted) return local(prepared, `deadline of ${String(deadlineMs)} ms passed`);
    if (down) return local(prepared, reasonOf(down));
    if (error instanceof FallbackSignal || error instanceof ProviderError) return local(prepared, reasonOf(error));
    if (error instanceof AiDiffError && error.code === 'GITFLEET_AI_WORKER_FAILED') return local(prepared, error.message);
    throw error;
  };
  let final: { stage: 'single' | 'reduce'; user: string; tokens: number } | undefined;
  try {
    if (diffPlan.mode === 'single') {
      final = { stage: 'single', user: diffPlan.message.user, tokens: diffPlan.message.tokens };
    } else {
      const limit = pLimit(config.concurrency);
      const settled = await Promise.allSettled(
        diffPlan.parts.map((part, i) =>
          limit(() => {
            if (down) throw down; // queued behind the requests that found the provider down: never sent
            return call('map', part.user, part.tokens, analysisOutput, i + 1);
          }),
        ),
      );
      throwIfCallerAborted();
      if (deadline.aborted) throw new FallbackSignal(`deadline of ${String(deadlineMs)} ms passed`);
      if (down) throw down;
      const analyses: (PartAnalysis | null)[] = settled.map((outcome, i) => {
        if (outcome.status === 'fulfilled') return outcome.value;
        state.emit({ type: 'part-failed', part: i + 1, reason: reasonOf(outcome.reason) });
        return null;
      });
      if (diffPlan.parts.length > 0 && analyses.every((a) => a === null)) {
        throw new FallbackSignal(`every analysis request failed: ${reasonOf((settled[0] as PromiseRejectedResult).reason)}`);
      }
      const reduce = await runTask<{ user: string; tokens: number }>(
        {
          op: 'reduce',
          input: {
            stats: prepared.stats,
            parts: analyses,
            partPaths: diffPlan.parts.map((p) => p.paths),
            facts: prepared.facts,
            omitted: prepared.omitted,
            collapsed: prepared.collapsed,
            budget: prepared.budgets.reduce,
            encoding: prepared.encoding,
            task: options.task,
          },
        },
        { ...pool, signal },
      );
      final = { stage: 'reduce', ...reduce };
    }
    const answers = await call(final.stage, final.user, final.tokens, schema);
    const done = run({ kind: 'model', answers, prepared, mode: final.stage === 'single' ? 'single' : 'map-reduce' }, prepared);
    const last = final;
    done.again = async (note) => {
      const retry = connect();
      try {
        // The note is short (a few paths); its tokens are estimated as one per two characters.
        return await retry.call(last.stage, `${last.user}\n\n${note}`, last.tokens + Math.ceil(note.length / 2), schema);
      } finally {
        await retry.close();
      }
    };
    return done;
  } catch (error) {
    return recover(error);
  } finally {
    await close();
  }
}

/**
 * Writes one commit message for a staged change of any size: a single model call when the diff
 * fits the input budget, otherwise parallel per-part analyses reduced into one message. Never
 * throws for provider trouble: without a provider, on errors or past the deadline it returns a
 * message built from the diff itself with `fallback.reason` set.
 *
 * @example
 * const result = await generateCommitMessage({ repo: '.', conventional: true, onEvent: (e) => console.error(e.type) });
 * console.log(result.message, result.fallback?.reason ?? '');
 */
export async function generateCommitMessage(options: GenerateOptions): Promise<CommitMessageResult> {
  const run = await runPipeline({ ...options, task: 'message' }, messageAnswer);
  const { plan, state, outcome } = run;
  const maxLength = run.plan.shape.subjectMaxLength + (run.plan.ticket && run.plan.placement ? run.plan.ticket.length + 3 : 0);
  const finish = (result: Omit<CommitMessageResult, 'calls' | 'style'>): CommitMessageResult => {
    if (result.fallback) state.emit({ type: 'fallback', reason: result.fallback.reason });
    state.emit({ type: 'done', calls: state.calls, ms: Date.now() - run.started, fallback: result.fallback !== null });
    return { ...result, calls: state.calls, style: plan.shape.style };
  };
  if (outcome.kind === 'local') {
    const omitted = outcome.prepared?.omitted ?? [];
    const message = run.read ? localMessage(plan, run.facts, omitted, maxLength) : unreadMessage(plan.shape);
    const withBody = options.body !== false && message.body !== '';
    return finish({
      message: withBody ? `${message.subject}\n\n${message.body}` : message.subject,
      subject: message.subject,
      ...(withBody ? { body: message.body } : {}),
      fallback: { reason: outcome.reason },
      omitted,
      mode: 'local',
    });
  }
  return finish({ ...assemble(outcome.answers, plan, options.body === true, maxLength), fallback: null, omitted: outcome.prepared.omitted, mode: outcome.mode });
}

/** The local message when the diff could not even be read before the deadline. */
function unreadMessage(shape: MessageShape): { subject: string; body: string } {
  const words = localWords(shape.language?.code);
  if (shape.style === 'conventional') return { subject: `chore: ${words.updateFiles[0]!.toLowerCase()}${words.updateFiles.slice(1)}`, body: '' };
  if (shape.style === 'gitmoji') return { subject: `🔧 ${words.updateFiles}`, body: '' };
  return { subject: words.updateFiles, body: '' };
}

/**
 * `promise`, or a rejection with the signal's reason as soon as `signal` aborts. The work itself
 * is left to end on its own (a read blocked in the file system cannot be interrupted).
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

function reasonOf(error: unknown): string {
  if (error instanceof ProviderError) return `provider failed: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

interface CallerContext {
  client: ProviderClient;
  config: AiConfig;
  shape: MessageShape;
  signal: AbortSignal;
  state: RunState;
  maxInputTokens: number;
  prepared: PreparedDiff;
  deadlineAt: number;
  /** Called with a failure that shows the provider is down (see {@link ProviderError.providerDown}). */
  tripBreaker: (error: ProviderError) => void;
}

/** One model request with retries (HTTP and, once, unparseable output) and output validation. */
function createCaller(ctx: CallerContext) {
  return async <T>(stage: Stage, user: string, userTokens: number, schema: z.ZodType<T>, part?: number): Promise<T> => {
    const frame = requestFrame(stage, ctx.shape);
    const inputTokens = userTokens + ctx.maxInputTokens - ctx.prepared.budgets[stage];
    const where = part === undefined ? {} : { part };
    let badOutputs = 0;
    return withRetry(
      async (attempt) => {
        ctx.state.calls++;
        ctx.state.emit({ type: 'request', stage, ...where, attempt, inputTokens });
        const sent = Date.now();
        let completion;
        try {
          completion = await ctx.client.complete({ ...frame, user }, ctx.signal);
        } catch (error) {
          // Tripped before withRetry looks at the signal: a down provider gets no retry.
          if (error instanceof ProviderError && error.providerDown) ctx.tripBreaker(error);
          throw error;
        }
        ctx.state.emit({ type: 'response', stage, ...where, ms: Date.now() - sent });
        const parsed = parseModelJson(completion.output, schema);
        if (parsed.ok) {
          if (parsed.repaired) ctx.state.emit({ type: 'repaired', stage, ...where });
          return parsed.value;
        }
        badOutputs++;
        throw new ProviderError('GITFLEET_AI_PROVIDER_BAD_OUTPUT', `unusable ${stage} answer: ${parsed.error}`, { retryable: badOutputs <= 1 });
      },
      {
        retries: ctx.config.retries ?? 2,
        signal: ctx.signal,
        deadline: ctx.deadlineAt,
        onRetry: (attempt, delayMs, error) => ctx.state.emit({ type: 'retry', stage, ...where, attempt, delayMs, reason: redact(error.message, ctx.state.secret) }),
      },
    );
  };
}

/** Scores a normalized candidate: fits without cutting, starts with a verb, not generic. */
function score(raw: MessageOutput, subject: string, shape: MessageShape): number {
  let points = 0;
  const bare = raw.subject.trim().replace(/\.$/, '');
  if (bare.length + (shape.style === 'plain' ? 0 : 12) <= shape.subjectMaxLength) points += 2;
  if (!/^(\w+(\(.*\))?: )?(update|change|modify|fix) (files?|code|stuff|things)$/i.test(subject)) points += 2;
  if (subject.length >= 15) points += 1;
  return points;
}

/** A model's message made to follow the rules: subject (style, case, length), body, ticket. */
export function normalizeAnswer(answer: MessageOutput, plan: MessagePlan, wantBody: boolean, maxLength: number): { subject: string; body: string } {
  const { shape, normalize } = plan;
  const subject = normalizeSubject(answer.subject, {
    maxLength: shape.subjectMaxLength,
    conventional: shape.style === 'conventional',
    style: shape.style,
    type: answer.type,
    scope: answer.scope,
    gitmoji: answer.gitmoji,
    ...normalize,
  });
  return finishMessage(plan, { subject, body: wantBody ? normalizeBody(answer.body) : '' }, maxLength);
}

function assemble(
  answers: MessageOutput[],
  plan: MessagePlan,
  wantBody: boolean,
  maxLength: number,
): Pick<CommitMessageResult, 'message' | 'subject' | 'body' | 'candidates' | 'candidateMessages'> {
  const ranked = answers
    .map((answer, index) => {
      const message = normalizeAnswer(answer, plan, wantBody, maxLength);
      return { ...message, points: score(answer, message.subject, plan.shape), index };
    })
    .sort((a, b) => b.points - a.points || a.index - b.index);
  const best = ranked[0]!;
  const text = (m: { subject: string; body: string }): string => (m.body ? `${m.subject}\n\n${m.body}` : m.subject);
  return {
    message: text(best),
    subject: best.subject,
    ...(best.body ? { body: best.body } : {}),
    ...(answers.length > 1 ? { candidates: ranked.map((r) => r.subject), candidateMessages: ranked.map(text) } : {}),
  };
}
