/** The BPE encodings we count with (gpt-tokenizer). */
export type TokenEncoding = 'o200k_base' | 'cl100k_base';

export interface ModelInfo {
  /** Context window in tokens (input + output). */
  contextWindow: number;
  encoding: TokenEncoding;
  /** True when `encoding` is the model's own tokenizer; false for the cl100k approximation. */
  exactTokenizer: boolean;
  /** Reasoning models reject `temperature` and spend output tokens on thinking. */
  reasoning: boolean;
}

/** Context windows of common models, matched by prefix in order (first match wins). */
const WINDOWS: readonly [RegExp, number][] = [
  [/^gpt-4\.1/, 1_047_576],
  [/^gpt-5/, 400_000],
  [/^(gpt-4o|chatgpt-4o|gpt-4-turbo|gpt-4\.5)/, 128_000],
  [/^o[134](-|$)/, 200_000],
  [/^gpt-oss/, 131_072],
  [/^gpt-4-32k/, 32_768],
  [/^gpt-4(-|$)/, 8_192],
  [/^gpt-3\.5-turbo/, 16_385],
  [/^claude-/, 200_000],
  [/^(llama3\.[123]|llama-3\.[123]|meta-llama\/llama-3\.[123])/, 131_072],
  [/^(llama3|llama-3)/, 8_192],
  [/^(qwen3|qwen2\.5|qwen\/qwen)/, 32_768],
  [/^(mistral|mixtral|codestral|ministral)/, 32_768],
  [/^(deepseek)/, 65_536],
  [/^gemma3/, 131_072],
  [/^gemma/, 8_192],
  [/^phi[34]/, 16_384],
  [/^gemini-/, 1_048_576],
];

/** Unknown models: small enough to be safe on any current model. */
export const DEFAULT_CONTEXT_WINDOW = 8_192;

/**
 * What we know about `model`: OpenAI's o200k models (gpt-4o, gpt-4.1, gpt-4.5, gpt-5, o-series,
 * gpt-oss) count exactly with o200k_base; gpt-4 / gpt-3.5 with cl100k_base; every other model
 * (Claude, Llama, Qwen, ...) is approximated with cl100k_base.
 *
 * @example
 * modelInfo('gpt-4.1-mini'); // { contextWindow: 1047576, encoding: 'o200k_base', exactTokenizer: true, reasoning: false }
 */
export function modelInfo(model: string): ModelInfo {
  const name = model.trim().toLowerCase().replace(/^(openai|anthropic)\//, '');
  const contextWindow = WINDOWS.find(([re]) => re.test(name))?.[1] ?? DEFAULT_CONTEXT_WINDOW;
  const o200k = /^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o[134](-|$))/.test(name);
  const cl100k = /^(gpt-4|gpt-3\.5)/.test(name) && !o200k;
  const reasoning = /^(o[134](-|$)|gpt-5(?!-chat))/.test(name);
  return {
    contextWindow,
    encoding: o200k ? 'o200k_base' : 'cl100k_base',
    exactTokenizer: o200k || cl100k,
    reasoning,
  };
}
