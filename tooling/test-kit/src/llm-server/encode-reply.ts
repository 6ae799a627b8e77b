import { randomUUID } from 'node:crypto';
import type { LlmRequest, Malformation } from './types.js';

/** The answer as text: serialised, corrupted on demand, with an optional reasoning block. */
export function answerText(json: unknown, malformed: Malformation | undefined, think: string | undefined): string {
  let text = JSON.stringify(json, null, 1);
  if (malformed === 'fence') text = `\`\`\`json\n${text}\n\`\`\``;
  if (malformed === 'trailing-comma') text = text.replace(/\n?}\s*$/, ',\n}');
  if (malformed === 'prose') text = `Sure! Here is the JSON you asked for:\n${text}\nLet me know if you need anything else.`;
  if (malformed === 'garbage') text = 'I am sorry, I cannot produce that right now.';
  return think === undefined ? text : `<think>${think}</think>\n${text}`;
}

export interface Usage {
  input: number;
  output: number;
}

/** A successful response body in the request's protocol. */
export function successBody(request: LlmRequest, content: { text: string; json?: unknown; structured: boolean }, usage: Usage): unknown {
  const id = randomUUID().replace(/-/g, '').slice(0, 24);
  const useTool = request.mode === 'tool' && content.structured && request.schemaName !== undefined;
  if (request.protocol === 'openai') {
    const message = useTool
      ? { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: `call_${id}`, type: 'function', function: { name: request.schemaName, arguments: content.text } }] }
      : { role: 'assistant', content: content.text, refusal: null };
    return {
      id: `chatcmpl-${id}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: useTool ? 'tool_calls' : 'stop' }],
      usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
    };
  }
  if (request.protocol === 'anthropic') {
    // A corrupted answer cannot be a tool_use input (always an object): it comes back as text, like a model ignoring the tool.
    const block = useTool && content.json !== undefined
      ? { type: 'tool_use', id: `toolu_${id}`, name: request.schemaName, input: content.json }
      : { type: 'text', text: content.text };
    return {
      id: `msg_${id}`,
      type: 'message',
      role: 'assistant',
      model: request.model,
      content: [block],
      stop_reason: block.type === 'tool_use' ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: usage.input, output_tokens: usage.output },
    };
  }
  return {
    model: request.model,
    created_at: new Date().toISOString(),
    message: { role: 'assistant', content: content.text },
    done: true,
    done_reason: 'stop',
    total_duration: 1_000_000,
    prompt_eval_count: usage.input,
    eval_count: usage.output,
  };
}

/** An error body in the protocol's shape. */
export function errorBody(request: Pick<LlmRequest, 'protocol'>, status: number, message: string): unknown {
  if (request.protocol === 'anthropic') {
    const type = status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : status >= 500 ? 'api_error' : status === 401 ? 'authentication_error' : 'invalid_request_error';
    return { type: 'error', error: { type, message } };
  }
  if (request.protocol === 'ollama') return { error: message };
  const type = status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message, type, param: null, code: status === 429 ? 'rate_limit_exceeded' : null } };
}

/** A value of the shape `schema` describes (first enum value, empty arrays, 'text' strings). */
export function fakeFromSchema(schema: unknown): unknown {
  if (!schema || typeof schema !== 'object') return null;
  const s = schema as { type?: string; enum?: unknown[]; properties?: Record<string, unknown>; items?: unknown; minItems?: number };
  if (s.enum?.length) return s.enum[0];
  switch (s.type) {
    case 'object':
      return Object.fromEntries(Object.entries(s.properties ?? {}).map(([key, value]) => [key, fakeFromSchema(value)]));
    case 'array':
      return Array.from({ length: s.minItems ?? 1 }, () => fakeFromSchema(s.items));
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    default:
      return 'Update code';
  }
}
