/** The three wire protocols the server speaks. */
export type LlmProtocol = 'openai' | 'anthropic' | 'ollama';

/**
 * How the client asked for structured output: OpenAI `response_format` json_schema / json_object,
 * a tool call (OpenAI `tools` or Anthropic `tools`), Ollama `format`, or plain text.
 */
export type LlmOutputMode = 'json_schema' | 'json_object' | 'tool' | 'format' | 'text';

/** One chat request, normalised across protocols. */
export interface LlmRequest {
  /** 1-based, in order of arrival. */
  id: number;
  protocol: LlmProtocol;
  /** Path with query string, e.g. `/v1/chat/completions`. */
  path: string;
  model: string;
  /** System prompt(s), joined by a newline. */
  system: string;
  /** Non-system messages with their text content. */
  messages: { role: string; content: string }[];
  /** The last user message (where the diff usually is). */
  user: string;
  mode: LlmOutputMode;
  /** `response_format.json_schema.name`, the tool name, or the Ollama `format` schema's `title`. */
  schemaName?: string;
  /** The JSON schema of the structured output, if any. */
  schema?: unknown;
  /** The parsed request body, as sent. */
  body: Record<string, unknown>;
  /** Request headers without secrets (`authorization`, `x-api-key`, `api-key`, `cookie`, ...). */
  headers: Record<string, string>;
  /** Which credential came with the request, as a SHA-256 of its value (never the value). */
  credential: { header: 'authorization' | 'x-api-key' | 'api-key'; sha256: string } | null;
  /** Rough token count (characters / 4) of system + messages + schema; count exactly in tests. */
  estimatedTokens: number;
}

/** How a request was answered. */
export type LlmOutcome = 'ok' | 'error' | 'hang' | 'client-closed';

/** A logged request with its timeline (ms since the server started). */
export interface LlmRecord extends LlmRequest {
  startedAt: number;
  /** When the response ended or the connection closed; undefined while open. */
  endedAt?: number;
  status?: number;
  outcome?: LlmOutcome;
}

/** Ways to corrupt a JSON answer: a fenced block, a trailing comma, prose around it, or no JSON at all. */
export type Malformation = 'fence' | 'trailing-comma' | 'prose' | 'garbage';

export interface ReplyTiming {
  /** Delay before answering (overrides the server's `latencyMs`). */
  delayMs?: number;
}

/**
 * What the handler returns:
 * - `{ json }`: a structured answer, encoded as the request asked (tool call, tool_use block,
 *   JSON content); `malformed` corrupts it, `think` prepends a `<think>` block.
 * - `{ text }`: plain assistant text.
 * - `{ status }`: an error response in the protocol's error shape, with optional headers
 *   (e.g. `{ 'retry-after': '1' }`).
 * - `{ hang: true }`: never answer; the connection stays open until the client gives up or the server closes.
 */
export type LlmReply =
  | (ReplyTiming & { json: unknown; malformed?: Malformation; think?: string; usage?: { input: number; output: number } })
  | (ReplyTiming & { text: string })
  | (ReplyTiming & { status: number; message?: string; headers?: Record<string, string> })
  | { hang: true };

export type LlmHandler = (request: LlmRequest) => LlmReply | Promise<LlmReply>;

export interface LlmServerOptions {
  /** Delay before every answer (default 0). */
  latencyMs?: number;
  /** Default: a schema-shaped answer from {@link fakeFromSchema}. */
  handler?: LlmHandler;
}

export interface LlmServer {
  port: number;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Base URLs as each protocol's clients expect them (OpenAI's includes `/v1`). */
  baseUrls: Record<LlmProtocol, string>;
  /** Every request so far, in order of arrival, with its timeline. */
  requests: LlmRecord[];
  /** Requests currently open. */
  readonly inFlight: number;
  /** The most requests open at the same time so far. */
  readonly maxInFlight: number;
  setHandler(handler: LlmHandler): void;
  setLatency(ms: number): void;
  /** Closes the server and every open connection (ends hanging requests). */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
