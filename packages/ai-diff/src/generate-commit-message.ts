import pLimit from 'p-limit';
import { EnvHttpProxyAgent } from 'undici';
import type { z } from 'zod';
import type { AiConfig } from './config/ai-config.js';
import { loadAiConfig } from './config/load-ai-config.js';
import { modelInfo } from './config/models.js';
import type { DiffSource, PreparedDiff } from './diff/prepare.js';
import type { PartAnalysis } from './diff/render-reduce.js';
import type { OmitReason } from './diff/types.js';
import { AiDiffError, ProviderError, redact } from './errors.js';
import type { PipelineEvent } from './events.js';
import { buildLocalMessage } from './fallback-message.js';
import { normalizeBody, normalizeSubject } from './output/normalize-message.js';
import { parseModelJson } from './output/parse-output.js';
import { analysisOutput, messageAnswer, type MessageOutput } from './output/schemas.js';
import { runTask, warmAiDiffPool, type AiDiffPoolOptions } from './pool.js';
import { messageShape, resolveMaxInputTokens, runPrepare } from './prepare-diff.js';
import { requestFrame, type MessageShape, type Stage } from './prompts.js';
import { createProviderClient, type ProviderClient } from './providers/provider.js';
import { withRetry } from './providers/http.js';
import { checkSource, quickFacts, readSource, type SourceOptions } from './read-source.js';

export interface GenerateOptions extends SourceOptions, AiDiffPoolOptions {
  /** Overrides on top of env + user config file. */
  config?: Partial<AiConfig>;
  /** Default `process.env` (GITFLEET_AI_* are read from it). */
  env?: NodeJS.ProcessEnv;
  /** User config file; default `<user config dir>/gitfleet/config.json`, `false` for none. */
  configFile?: string | false;
  /** Conventional Commits `type(scope): subject`. */
  conventional?: boolean;
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
}

interface RunState {
  calls: number;
  emit: (event: PipelineEvent) => void;
  secret: string | undefined;
}

/** Thrown inside the pipeline to leave for the fallback with a reason. */
class FallbackSignal extends Error {}

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

async function resolveConfig(options: GenerateOptions, warnings: string[]): Promise<AiConfig> {
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
  const started = Date.now();
  checkOptions(options);
  const warnings: string[] = [];
  const config = await resolveConfig(options, warnings);
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
  const shape = messageShape({ ...options, subjectMaxLength: config.subjectMaxLength });
  state.emit({ type: 'config', provider: config.provider, model: config.model, encoding: info.encoding, exactTokenizer: info.exactTokenizer, maxInputTokens });

  const pool: AiDiffPoolOptions = {};
  if (options.workerUrl !== undefined) pool.workerUrl = options.workerUrl;
  if (options.maxThreads !== undefined) pool.maxThreads = options.maxThreads;
  const inProcessMaxChars = options.inProcessMaxChars ?? 0;
  // With the in-process path a small diff needs no worker: start one only when it may be needed.
  const warmed = inProcessMaxChars > 0 ? Promise.resolve() : warmAiDiffPool(pool);

  let source: DiffSource | null = null;
  try {
    source = await untilAborted(readSource(options, signal), signal);
  } catch (error) {
    throwIfCallerAborted(error);
    if (!deadline.aborted) throw error;
  }

  const finish = (result: Omit<CommitMessageResult, 'calls'>): CommitMessageResult => {
    if (result.fallback) state.emit({ type: 'fallback', reason: result.fallback.reason });
    state.emit({ type: 'done', calls: state.calls, ms: Date.now() - started, fallback: result.fallback !== null });
    return { ...result, calls: state.calls };
  };
  const local = (prepared: PreparedDiff | null, reason: string): CommitMessageResult => {
    const omitted = prepared?.omitted ?? [];
    const message = source
      ? buildLocalMessage(prepared?.facts ?? quickFacts(source), { maxLength: shape.subjectMaxLength, conventional: shape.conventional, omitted })
      : unreadMessage(shape);
    const withBody = options.body !== false && message.body !== '';
    return finish({
      message: withBody ? `${message.subject}\n\n${message.body}` : message.subject,
      subject: message.subject,
      ...(withBody ? { body: message.body } : {}),
      fallback: { reason: redact(reason, state.secret) },
      omitted,
      mode: 'local',
    });
  };

  if (!source) return local(null, `deadline of ${String(deadlineMs)} ms passed while reading the staged diff`);
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
      exclude: config.exclude ?? [],
      include: config.include ?? [],
      includeSecrets: options.includeSecrets ?? [],
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
  const { plan } = prepared;
  state.emit({
    type: 'plan',
    mode: plan.mode === 'single' ? 'single' : plan.mode === 'map' ? 'map-reduce' : 'none',
    parts: plan.mode === 'map' ? plan.parts.length : plan.mode === 'single' ? 1 : 0,
    diffTokens: prepared.diffTokens,
    diffTokensExact: prepared.diffTokensExact,
    truncated: plan.mode === 'map' ? plan.truncated : [],
  });

  if (plan.mode === 'empty') return local(prepared, 'no changes staged');
  if (config.provider === 'none') return local(prepared, 'no provider configured (set GITFLEET_AI_PROVIDER)');
  if (plan.mode === 'too-small') {
    return local(prepared, `input budget of ${String(plan.budget)} tokens is too small for the prompts (needs about ${String(plan.needed)})`);
  }

  const agent = new EnvHttpProxyAgent({ connections: config.concurrency + 1 }); // honours HTTPS_PROXY / HTTP_PROXY / NO_PROXY
  const client = createProviderClient(config, agent);
  // A timed-out or refused request shows the provider is down: the breaker stops every other request.
  const breaker = new AbortController();
  let down: ProviderError | null = null;
  const tripBreaker = (error: ProviderError): void => {
    down ??= error;
    breaker.abort(error);
  };
  const requestSignal = AbortSignal.any([signal, breaker.signal]);
  const call = createCaller({ client, config, shape, signal: requestSignal, state, maxInputTokens, prepared, deadlineAt: started + deadlineMs, tripBreaker });
  try {
    if (plan.mode === 'single') {
      const answers = await call('single', plan.message.user, plan.message.tokens, messageAnswer);
      return finish({ ...assemble(answers, shape, options.body === true), fallback: null, omitted: prepared.omitted, mode: 'single' });
    }
    const limit = pLimit(config.concurrency);
    const settled = await Promise.allSettled(
      plan.parts.map((part, i) =>
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
    if (plan.parts.length > 0 && analyses.every((a) => a === null)) {
      throw new FallbackSignal(`every analysis request failed: ${reasonOf((settled[0] as PromiseRejectedResult).reason)}`);
    }
    const reduce = await runTask<{ user: string; tokens: number }>(
      {
        op: 'reduce',
        input: {
          stats: prepared.stats,
          parts: analyses,
          partPaths: plan.parts.map((p) => p.paths),
          facts: prepared.facts,
          omitted: prepared.omitted,
          collapsed: prepared.collapsed,
          budget: prepared.budgets.reduce,
          encoding: prepared.encoding,
        },
      },
      { ...pool, signal },
    );
    const answers = await call('reduce', reduce.user, reduce.tokens, messageAnswer);
    return finish({ ...assemble(answers, shape, options.body === true), fallback: null, omitted: prepared.omitted, mode: 'map-reduce' });
  } catch (error) {
    throwIfCallerAborted(error);
    if (deadline.aborted) return local(prepared, `deadline of ${String(deadlineMs)} ms passed`);
    if (down) return local(prepared, reasonOf(down));
    if (error instanceof FallbackSignal || error instanceof ProviderError) return local(prepared, reasonOf(error));
    if (error instanceof AiDiffError && error.code === 'GITFLEET_AI_WORKER_FAILED') return local(prepared, error.message);
    throw error;
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}

/** The local message when the diff could not even be read before the deadline. */
function unreadMessage(shape: MessageShape): { subject: string; body: string } {
  return { subject: shape.conventional ? 'chore: update files' : 'Update files', body: '' };
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
  if (bare.length + (shape.conventional ? 12 : 0) <= shape.subjectMaxLength) points += 2;
  if (!/^(\w+(\(.*\))?: )?(update|change|modify|fix) (files?|code|stuff|things)$/i.test(subject)) points += 2;
  if (subject.length >= 15) points += 1;
  return points;
}

function assemble(answers: MessageOutput[], shape: MessageShape, wantBody: boolean): Pick<CommitMessageResult, 'message' | 'subject' | 'body' | 'candidates'> {
  const normalized = answers.map((answer) => ({
    answer,
    subject: normalizeSubject(answer.subject, {
      maxLength: shape.subjectMaxLength,
      conventional: shape.conventional,
      type: answer.type,
      scope: answer.scope,
    }),
  }));
  const ranked = normalized
    .map((n, index) => ({ ...n, points: score(n.answer, n.subject, shape), index }))
    .sort((a, b) => b.points - a.points || a.index - b.index);
  const best = ranked[0]!;
  const body = wantBody ? normalizeBody(best.answer.body) : '';
  return {
    message: body ? `${best.subject}\n\n${body}` : best.subject,
    subject: best.subject,
    ...(body ? { body } : {}),
    ...(answers.length > 1 ? { candidates: ranked.map((r) => r.subject) } : {}),
  };
}
