import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import envPaths from 'env-paths';
import { z } from 'zod';
import { redact } from '../errors.js';
import { DEFAULTS, DEFAULT_BASE_URLS, DEFAULT_MODELS, type AiConfig, type ProviderName } from './ai-config.js';

/** The keys read from the environment and, under the same names, from the user config file. */
export const CONFIG_KEYS = [
  'GITFLEET_AI_PROVIDER',
  'GITFLEET_AI_BASE_URL',
  'GITFLEET_AI_MODEL',
  'GITFLEET_AI_API_KEY',
  'GITFLEET_AI_MAX_INPUT_TOKENS',
  'GITFLEET_AI_TIMEOUT_MS',
  'GITFLEET_AI_CONCURRENCY',
  'GITFLEET_AI_SUBJECT_MAX_LENGTH',
  'GITFLEET_AI_DEADLINE_MS',
  'GITFLEET_AI_RETRIES',
  'GITFLEET_AI_MAX_MAP_CALLS',
  'GITFLEET_AI_EXCLUDE',
  'GITFLEET_AI_INCLUDE',
  'GITFLEET_AI_STRUCTURED_OUTPUT',
  'GITFLEET_AI_LANGUAGE',
  'GITFLEET_AI_STYLE',
  'GITFLEET_AI_PROMPT_FILE',
] as const;

type ConfigKey = (typeof CONFIG_KEYS)[number];

export interface LoadAiConfigOptions {
  /** Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Default `<user config dir>/gitfleet/config.json` (XDG on Linux); `false` reads no file. */
  configFile?: string | false;
  /** Values that win over env and file (e.g. from command-line flags); an `apiKey` here is explicit. */
  overrides?: Partial<AiConfig>;
}

export interface LoadedAiConfig {
  config: AiConfig;
  errors: string[];
  warnings: string[];
}

/** `~/.config/gitfleet/config.json` on Linux (honours XDG_CONFIG_HOME), the platform's config dir elsewhere. */
export function defaultConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  // env-paths reads process.env; honour XDG_CONFIG_HOME from the given env too.
  const xdg = env['XDG_CONFIG_HOME'];
  if (process.platform === 'linux' && xdg) return join(xdg, 'gitfleet', 'config.json');
  return join(envPaths('gitfleet', { suffix: '' }).config, 'config.json');
}

const VENDOR_HOSTS = { OPENAI_API_KEY: 'api.openai.com', ANTHROPIC_API_KEY: 'api.anthropic.com' } as const;

const positiveInt = z.coerce.number().int().positive();
const list = z.union([z.array(z.string()), z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))]);
const httpUrl = z.string().refine((value) => {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}, 'not an http(s) URL');

const FIELDS = {
  GITFLEET_AI_PROVIDER: ['provider', z.enum(['openai', 'anthropic', 'ollama', 'none'])],
  GITFLEET_AI_BASE_URL: ['baseUrl', httpUrl],
  GITFLEET_AI_MODEL: ['model', z.string().trim().min(1)],
  GITFLEET_AI_API_KEY: ['apiKey', z.string().trim().min(1).regex(/^\S+$/, 'must not contain spaces')],
  GITFLEET_AI_MAX_INPUT_TOKENS: ['maxInputTokens', positiveInt.min(256)],
  GITFLEET_AI_TIMEOUT_MS: ['timeoutMs', positiveInt],
  GITFLEET_AI_CONCURRENCY: ['concurrency', positiveInt.max(64)],
  GITFLEET_AI_SUBJECT_MAX_LENGTH: ['subjectMaxLength', positiveInt.min(20).max(200)],
  GITFLEET_AI_DEADLINE_MS: ['deadlineMs', positiveInt],
  GITFLEET_AI_RETRIES: ['retries', z.coerce.number().int().min(0).max(10)],
  GITFLEET_AI_MAX_MAP_CALLS: ['maxMapCalls', positiveInt.max(1000)],
  GITFLEET_AI_EXCLUDE: ['exclude', list],
  GITFLEET_AI_INCLUDE: ['include', list],
  GITFLEET_AI_STRUCTURED_OUTPUT: ['structuredOutput', z.enum(['json_schema', 'tool'])],
  GITFLEET_AI_LANGUAGE: ['language', z.string().trim().regex(/^[a-z]{2,3}([-_][a-z0-9]{2,8})*$/i, 'expected a language code such as fr, de, pt-BR')],
  GITFLEET_AI_STYLE: ['style', z.enum(['plain', 'conventional', 'gitmoji'])],
  GITFLEET_AI_PROMPT_FILE: ['promptFile', z.string().trim().min(1)],
} satisfies Record<ConfigKey, [keyof AiConfig, z.ZodType]>;

/** Key values never appear in messages: only which key and what is wrong. */
function issueText(key: ConfigKey, error: z.ZodError): string {
  const issue = error.issues[0];
  const detail = key === 'GITFLEET_AI_API_KEY' ? (issue?.message ?? 'invalid') : (issue?.message ?? 'invalid value');
  return `${key}: ${detail}`;
}

async function readConfigFile(path: string, errors: string[]): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') errors.push(`config file ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return {};
  }
  try {
    const data: unknown = JSON.parse(text);
    if (data && typeof data === 'object' && !Array.isArray(data)) return data as Record<string, unknown>;
    errors.push(`config file ${path}: expected a JSON object`);
  } catch {
    errors.push(`config file ${path}: invalid JSON`);
  }
  return {};
}

/**
 * Reads the AI settings: defaults, then the user config file, then the environment (env wins).
 * Never reads anything from a repository (no `.env`), so a repository cannot redirect the key.
 * A key taken from `OPENAI_API_KEY` / `ANTHROPIC_API_KEY` is dropped (with a warning) when the
 * base URL points at another host; `GITFLEET_AI_API_KEY` is sent wherever the base URL points.
 *
 * @example
 * const { config, errors, warnings } = await loadAiConfig({ env: { GITFLEET_AI_PROVIDER: 'ollama' } });
 * // config.model === 'llama3.2', errors = [], warnings = []
 */
export async function loadAiConfig(options: LoadAiConfigOptions = {}): Promise<LoadedAiConfig> {
  const env = options.env ?? process.env;
  const errors: string[] = [];
  const warnings: string[] = [];
  const filePath = options.configFile === false ? null : (options.configFile ?? defaultConfigFile(env));
  const file = filePath === null ? {} : await readConfigFile(filePath, errors);
  for (const key of Object.keys(file)) {
    if (key.startsWith('GITFLEET_AI_') && !(CONFIG_KEYS as readonly string[]).includes(key)) warnings.push(`config file: unknown key ${key}`);
  }
  const partial: Partial<Record<keyof AiConfig, unknown>> = {};
  let keyFrom: 'env' | 'file' | undefined;
  for (const key of CONFIG_KEYS) {
    const envValue = env[key];
    const fromEnv = envValue !== undefined && envValue !== '';
    const raw = fromEnv ? envValue : file[key];
    if (raw === undefined || raw === null || raw === '') continue;
    const [field, schema] = FIELDS[key];
    const parsed = schema.safeParse(typeof raw === 'number' || Array.isArray(raw) ? raw : String(raw));
    if (!parsed.success) {
      errors.push(issueText(key, parsed.error));
      continue;
    }
    // A relative prompt file in the config file is relative to that file; from the environment, to the current directory.
    partial[field] = key === 'GITFLEET_AI_PROMPT_FILE' && !isAbsolute(parsed.data as string) ? resolve(fromEnv || filePath === null ? '.' : dirname(filePath), parsed.data as string) : parsed.data;
    if (key === 'GITFLEET_AI_API_KEY') keyFrom = fromEnv ? 'env' : 'file';
  }
  let explicit = keyFrom !== undefined;
  for (const [field, value] of Object.entries(options.overrides ?? {})) {
    if (value === undefined || field === 'apiKeySource') continue;
    partial[field as keyof AiConfig] = value;
    if (field === 'apiKey') explicit = true;
  }
  const config = resolveConfig(partial as Partial<AiConfig>, env, warnings, explicit);
  if (options.overrides?.apiKey !== undefined && config.apiKey === options.overrides.apiKey) config.apiKeySource = 'options';
  return { config, errors: errors.map((e) => redact(e, config.apiKey)), warnings: warnings.map((w) => redact(w, config.apiKey)) };
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return '';
  }
}

/** Defaults, the vendor key fallback and the key-host rule, applied to validated values. */
export function resolveConfig(partial: Partial<AiConfig>, env: NodeJS.ProcessEnv, warnings: string[], explicitKey: boolean): AiConfig {
  const provider: ProviderName = partial.provider ?? 'none';
  const config: AiConfig = {
    provider,
    model: partial.model ?? (provider === 'none' ? '' : DEFAULT_MODELS[provider]),
    timeoutMs: partial.timeoutMs ?? DEFAULTS.timeoutMs,
    concurrency: partial.concurrency ?? DEFAULTS.concurrency,
    subjectMaxLength: partial.subjectMaxLength ?? DEFAULTS.subjectMaxLength,
    deadlineMs: partial.deadlineMs ?? DEFAULTS.deadlineMs,
    retries: partial.retries ?? DEFAULTS.retries,
    maxMapCalls: partial.maxMapCalls ?? DEFAULTS.maxMapCalls,
  };
  for (const field of ['baseUrl', 'maxInputTokens', 'exclude', 'include', 'structuredOutput', 'language', 'style', 'promptFile'] as const) {
    if (partial[field] !== undefined) Object.assign(config, { [field]: partial[field] });
  }
  if (provider === 'none') {
    if (partial.provider === undefined && (env['OPENAI_API_KEY'] || env['ANTHROPIC_API_KEY'])) {
      warnings.push('GITFLEET_AI_PROVIDER is not set: diffs are not sent anywhere (set it to openai, anthropic or ollama to use a model)');
    }
    return config;
  }
  if (explicitKey && partial.apiKey) {
    config.apiKey = partial.apiKey;
    config.apiKeySource = 'GITFLEET_AI_API_KEY';
    return config;
  }
  const vendorKey = provider === 'openai' ? 'OPENAI_API_KEY' : provider === 'anthropic' ? 'ANTHROPIC_API_KEY' : undefined;
  const value = vendorKey ? env[vendorKey]?.trim() : undefined;
  if (!vendorKey || !value) return config;
  config.apiKey = value;
  config.apiKeySource = vendorKey;
  return enforceKeyHost(config, warnings);
}

/**
 * The key-host rule: a key that came from `OPENAI_API_KEY` / `ANTHROPIC_API_KEY` is only sent to
 * api.openai.com / api.anthropic.com. With any other base URL it is dropped and a warning says so.
 */
export function enforceKeyHost(config: AiConfig, warnings: string[]): AiConfig {
  const source = config.apiKeySource;
  if (config.provider === 'none' || (source !== 'OPENAI_API_KEY' && source !== 'ANTHROPIC_API_KEY')) return config;
  const target = hostOf(config.baseUrl ?? DEFAULT_BASE_URLS[config.provider]);
  if (target === VENDOR_HOSTS[source]) return config;
  warnings.push(`${source} is only sent to ${VENDOR_HOSTS[source]}, not to ${target || 'the configured base URL'}; set GITFLEET_AI_API_KEY for this endpoint`);
  const { apiKey: _dropped, apiKeySource: _source, ...rest } = config;
  return rest;
}
