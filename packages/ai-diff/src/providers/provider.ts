import type { Dispatcher } from 'undici';
import { DEFAULT_BASE_URLS, type AiConfig } from '../config/ai-config.js';
import { modelInfo } from '../config/models.js';
import { ProviderError } from '../errors.js';
import type { PromptRequest } from '../prompts.js';
import { postJson } from './http.js';

/** A model's answer: text to parse as JSON, or already-parsed tool input. */
export interface Completion {
  output: string | Record<string, unknown>;
  usage?: { inputTokens?: number | undefined; outputTokens?: number | undefined };
}

/** One protocol: turns a prompt into a request and the response into a {@link Completion}. */
export interface ProviderClient {
  readonly name: AiConfig['provider'];
  complete(request: PromptRequest, signal: AbortSignal): Promise<Completion>;
}

interface ClientContext {
  config: AiConfig;
  dispatcher: Dispatcher;
}

function endpoint(base: string, path: string): string {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  return url.toString();
}

function badOutput(message: string): ProviderError {
  return new ProviderError('GITFLEET_AI_PROVIDER_BAD_OUTPUT', message, { retryable: true });
}

const AZURE_HOST = /\.(openai\.azure\.com|cognitiveservices\.azure\.com|services\.ai\.azure\.com)$/i;

/** OpenAI Chat Completions and compatible servers (Azure, Ollama /v1, LM Studio, vLLM, OpenRouter). */
function openaiClient({ config, dispatcher }: ClientContext): ProviderClient {
  const base = config.baseUrl ?? DEFAULT_BASE_URLS.openai;
  const url = endpoint(base, '/chat/completions');
  const host = new URL(base).hostname;
  const official = host === 'api.openai.com' || AZURE_HOST.test(host);
  const info = modelInfo(config.model);
  const headers: Record<string, string> = {};
  if (config.apiKey) {
    if (AZURE_HOST.test(host)) headers['api-key'] = config.apiKey;
    else headers['authorization'] = `Bearer ${config.apiKey}`;
  }
  return {
    name: 'openai',
    async complete(request, signal) {
      const body: Record<string, unknown> = {
        model: config.model,
        messages: [
          { role: 'system', content: request.system },
          { role: 'user', content: request.user },
        ],
        // Reasoning models think within the completion budget: give them room.
        [official ? 'max_completion_tokens' : 'max_tokens']: info.reasoning ? request.maxOutputTokens * 4 : request.maxOutputTokens,
      };
      if (!info.reasoning) body['temperature'] = 0.2;
      if (config.structuredOutput === 'tool') {
        body['tools'] = [
          { type: 'function', function: { name: request.schemaName, description: request.schemaDescription, parameters: request.schema, strict: true } },
        ];
        body['tool_choice'] = { type: 'function', function: { name: request.schemaName } };
      } else {
        body['response_format'] = { type: 'json_schema', json_schema: { name: request.schemaName, strict: true, schema: request.schema } };
      }
      const data = (await postJson(url, headers, body, { signal, timeoutMs: config.timeoutMs, dispatcher, secret: config.apiKey })) as {
        choices?: { message?: { content?: string | null; tool_calls?: { function?: { arguments?: string } }[]; refusal?: string | null } }[];
        usage?: { prompt_tokens?: number; completion_tokens?: number };
      };
      const message = data.choices?.[0]?.message;
      const output = message?.tool_calls?.[0]?.function?.arguments ?? message?.content;
      if (typeof output !== 'string' || output.trim() === '') throw badOutput(message?.refusal ? `refused: ${message.refusal.slice(0, 200)}` : 'empty answer');
      return { output, usage: { inputTokens: data.usage?.prompt_tokens, outputTokens: data.usage?.completion_tokens } };
    },
  };
}

/** Anthropic Messages with a forced tool call. */
function anthropicClient({ config, dispatcher }: ClientContext): ProviderClient {
  const url = endpoint(config.baseUrl ?? DEFAULT_BASE_URLS.anthropic, '/v1/messages');
  const headers: Record<string, string> = { 'anthropic-version': '2023-06-01' };
  if (config.apiKey) headers['x-api-key'] = config.apiKey;
  return {
    name: 'anthropic',
    async complete(request, signal) {
      const body = {
        model: config.model,
        max_tokens: request.maxOutputTokens,
        temperature: 0.2,
        system: request.system,
        messages: [{ role: 'user', content: request.user }],
        tools: [{ name: request.schemaName, description: request.schemaDescription, input_schema: request.schema }],
        tool_choice: { type: 'tool', name: request.schemaName },
      };
      const data = (await postJson(url, headers, body, { signal, timeoutMs: config.timeoutMs, dispatcher, secret: config.apiKey })) as {
        content?: ({ type: 'tool_use'; input?: unknown } | { type: 'text'; text?: string })[];
        usage?: { input_tokens?: number; output_tokens?: number };
      };
      const blocks = data.content ?? [];
      const tool = blocks.find((b) => b.type === 'tool_use');
      const usage = { inputTokens: data.usage?.input_tokens, outputTokens: data.usage?.output_tokens };
      if (tool && 'input' in tool && tool.input && typeof tool.input === 'object') return { output: tool.input as Record<string, unknown>, usage };
      const text = blocks.map((b) => (b.type === 'text' ? (b.text ?? '') : '')).join('');
      if (text.trim() === '') throw badOutput('empty answer');
      return { output: text, usage };
    },
  };
}

/** Ollama's native /api/chat with `format` set to the JSON schema. */
function ollamaClient({ config, dispatcher }: ClientContext): ProviderClient {
  const url = endpoint(config.baseUrl ?? DEFAULT_BASE_URLS.ollama, '/api/chat');
  const headers: Record<string, string> = {};
  if (config.apiKey) headers['authorization'] = `Bearer ${config.apiKey}`;
  return {
    name: 'ollama',
    async complete(request, signal) {
      const body = {
        model: config.model,
        stream: false,
        format: { title: request.schemaName, ...request.schema },
        messages: [
          { role: 'system', content: request.system },
          { role: 'user', content: request.user },
        ],
        // Ollama silently cuts prompts longer than num_ctx (default 2048-4096): size it to the request.
        options: { temperature: 0.2, num_ctx: (config.maxInputTokens ?? 8192) + request.maxOutputTokens, num_predict: request.maxOutputTokens },
      };
      const data = (await postJson(url, headers, body, { signal, timeoutMs: config.timeoutMs, dispatcher, secret: config.apiKey })) as {
        message?: { content?: string };
        prompt_eval_count?: number;
        eval_count?: number;
      };
      const output = data.message?.content;
      if (typeof output !== 'string' || output.trim() === '') throw badOutput('empty answer');
      return { output, usage: { inputTokens: data.prompt_eval_count, outputTokens: data.eval_count } };
    },
  };
}

/** The client for `config.provider` (not for `none`). */
export function createProviderClient(config: AiConfig, dispatcher: Dispatcher): ProviderClient {
  switch (config.provider) {
    case 'anthropic':
      return anthropicClient({ config, dispatcher });
    case 'ollama':
      return ollamaClient({ config, dispatcher });
    default:
      return openaiClient({ config, dispatcher });
  }
}
