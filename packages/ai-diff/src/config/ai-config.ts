/** Which wire protocol to speak; `none` means: build the message locally. */
export type ProviderName = 'openai' | 'anthropic' | 'ollama' | 'none';

/** How OpenAI-compatible servers are asked for JSON: `response_format` json_schema or a forced tool call. */
export type StructuredOutput = 'json_schema' | 'tool';

/** Where the API key came from; a vendor fallback key is only sent to that vendor's host. */
export type ApiKeySource = 'GITFLEET_AI_API_KEY' | 'OPENAI_API_KEY' | 'ANTHROPIC_API_KEY' | 'options';

export interface AiConfig {
  provider: ProviderName;
  /** OpenAI: up to `/v1` (we add `/chat/completions`); Anthropic: the host (we add `/v1/messages`); Ollama: the host (we add `/api/chat`). */
  baseUrl?: string;
  model: string;
  apiKey?: string;
  apiKeySource?: ApiKeySource;
  /** Input tokens per request (prompt + diff). Default: from the model's context window. */
  maxInputTokens?: number;
  /** Per request. */
  timeoutMs: number;
  /** Parallel model requests at most. */
  concurrency: number;
  subjectMaxLength: number;
  /** Whole call; past it the local fallback message is returned. Default 60 s. */
  deadlineMs?: number;
  /** Retries per request after the first attempt (429, 5xx, network, timeout, bad output once). Default 2. */
  retries?: number;
  /** Water-filling caps the map stage at about this many full-size requests. Default 24. */
  maxMapCalls?: number;
  /** Extra globs of files whose content is never sent. */
  exclude?: string[];
  /** Globs that are never omitted by name or content rules (binaries still are). */
  include?: string[];
  /** OpenAI-compatible servers only. Default `json_schema`. */
  structuredOutput?: StructuredOutput;
  /** Message language (BCP 47: `fr`, `pt-BR`); default English. */
  language?: string;
  /** Subject style when neither the caller nor the repository's history decides: `plain`, `conventional` or `gitmoji`. */
  style?: 'plain' | 'conventional' | 'gitmoji';
  /** A custom prompt for the message-writing stages (see prompt-template.ts for its variables). */
  promptFile?: string;
}

export const DEFAULTS = {
  timeoutMs: 30_000,
  concurrency: 4,
  subjectMaxLength: 72,
  deadlineMs: 60_000,
  retries: 2,
  maxMapCalls: 24,
} satisfies Partial<AiConfig>;

export const DEFAULT_MODELS: Record<Exclude<ProviderName, 'none'>, string> = {
  openai: 'gpt-4.1-mini',
  anthropic: 'claude-haiku-4-5',
  ollama: 'llama3.2',
};

export const DEFAULT_BASE_URLS: Record<Exclude<ProviderName, 'none'>, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  ollama: 'http://127.0.0.1:11434',
};
