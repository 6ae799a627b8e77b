import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { answerText, errorBody, fakeFromSchema, successBody } from './encode-reply.js';
import type { LlmHandler, LlmProtocol, LlmRecord, LlmReply, LlmRequest, LlmServer, LlmServerOptions } from './types.js';

const SECRET_HEADERS = ['authorization', 'x-api-key', 'api-key', 'proxy-authorization', 'cookie'] as const;

function protocolOf(pathname: string): LlmProtocol | null {
  if (pathname.endsWith('/chat/completions')) return 'openai';
  if (pathname.endsWith('/messages')) return 'anthropic';
  if (pathname === '/api/chat') return 'ollama';
  return null;
}

/** Text of a message's `content`: a string, or OpenAI/Anthropic content parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part: { text?: unknown }) => (typeof part.text === 'string' ? part.text : '')).join('');
  }
  return '';
}

type Body = Record<string, unknown>;

/** Structured-output mode, schema and its name, per protocol. */
function outputOf(protocol: LlmProtocol, body: Body): Pick<LlmRequest, 'mode' | 'schemaName' | 'schema'> {
  if (protocol === 'ollama') {
    const format = body['format'];
    if (format && typeof format === 'object') {
      const title = (format as { title?: unknown }).title;
      return { mode: 'format', schema: format, ...(typeof title === 'string' ? { schemaName: title } : {}) };
    }
    return { mode: format === 'json' ? 'json_object' : 'text' };
  }
  const tools = body['tools'] as { name?: string; input_schema?: unknown; function?: { name?: string; parameters?: unknown } }[] | undefined;
  if (Array.isArray(tools) && tools.length > 0) {
    const choice = body['tool_choice'] as { name?: string; function?: { name?: string } } | undefined;
    const wanted = choice?.name ?? choice?.function?.name;
    const tool = tools.find((t) => (t.name ?? t.function?.name) === wanted) ?? tools[0]!;
    const name = tool.name ?? tool.function?.name;
    return { mode: 'tool', schema: tool.input_schema ?? tool.function?.parameters, ...(name ? { schemaName: name } : {}) };
  }
  const format = body['response_format'] as { type?: string; json_schema?: { name?: string; schema?: unknown } } | undefined;
  if (format?.type === 'json_schema') {
    return { mode: 'json_schema', schema: format.json_schema?.schema, ...(format.json_schema?.name ? { schemaName: format.json_schema.name } : {}) };
  }
  return { mode: format?.type === 'json_object' ? 'json_object' : 'text' };
}

function parseRequest(id: number, protocol: LlmProtocol, path: string, req: IncomingMessage, body: Body): LlmRequest {
  const messages = (Array.isArray(body['messages']) ? body['messages'] : []) as { role?: string; content?: unknown }[];
  const systemParts = messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => contentText(m.content));
  if (body['system'] !== undefined) systemParts.unshift(contentText(body['system']));
  const chat = messages.filter((m) => m.role !== 'system' && m.role !== 'developer').map((m) => ({ role: m.role ?? 'user', content: contentText(m.content) }));
  const output = outputOf(protocol, body);
  const headers: Record<string, string> = {};
  let credential: LlmRequest['credential'] = null;
  for (const [key, value] of Object.entries(req.headers)) {
    const text = Array.isArray(value) ? value.join(', ') : (value ?? '');
    if ((SECRET_HEADERS as readonly string[]).includes(key)) {
      if (key === 'authorization' || key === 'x-api-key' || key === 'api-key') {
        const secret = key === 'authorization' ? text.replace(/^Bearer\s+/i, '') : text;
        credential = { header: key, sha256: createHash('sha256').update(secret).digest('hex') };
      }
      continue;
    }
    headers[key] = text;
  }
  const system = systemParts.join('\n');
  const chars = system.length + chat.reduce((sum, m) => sum + m.content.length, 0) + (output.schema ? JSON.stringify(output.schema).length : 0);
  return {
    id,
    protocol,
    path,
    model: typeof body['model'] === 'string' ? body['model'] : '',
    system,
    messages: chat,
    user: [...chat].reverse().find((m) => m.role === 'user')?.content ?? '',
    ...output,
    body,
    headers,
    credential,
    estimatedTokens: Math.ceil(chars / 4),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The default handler: a schema-shaped answer, or short text. */
const defaultHandler: LlmHandler = (request) => (request.schema ? { json: fakeFromSchema(request.schema) } : { text: 'Update code' });

/**
 * Starts a fake LLM API on 127.0.0.1 (random port) speaking OpenAI Chat Completions
 * (`POST …/chat/completions`: tools/tool_calls, response_format json_schema, usage), Anthropic
 * Messages (`POST /v1/messages`: tool_use blocks) and Ollama (`POST /api/chat`: `format`).
 * A handler decides each answer (see {@link LlmReply}): JSON, text, malformed JSON, an error status
 * with headers (429 + Retry-After, 5xx) or a hang. Every request is logged with its timeline.
 *
 * @example
 * await using server = await startLlmServer({ latencyMs: 50, handler: (req) =>
 *   req.schemaName === 'file_analysis' ? { json: { theme: 't', files: [] } } : { json: { subject: 'Add x' } } });
 * // point an OpenAI client at server.baseUrls.openai, then inspect server.requests / server.maxInFlight
 */
export async function startLlmServer(options: LlmServerOptions = {}): Promise<LlmServer> {
  let handler = options.handler ?? defaultHandler;
  let latencyMs = options.latencyMs ?? 0;
  const requests: LlmRecord[] = [];
  const origin = performance.now();
  const now = (): number => performance.now() - origin;
  let inFlight = 0;
  let maxInFlight = 0;
  const open = new Set<LlmRecord>();

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    const pathname = path.split('?')[0] ?? '/';
    const protocol = protocolOf(pathname);
    const text = await readBody(req);
    if (req.method !== 'POST' || protocol === null) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `no route for ${req.method ?? ''} ${pathname}` }));
      return;
    }
    let body: Body;
    try {
      body = JSON.parse(text) as Body;
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(errorBody({ protocol }, 400, 'request body is not JSON')));
      return;
    }
    const request = parseRequest(requests.length + 1, protocol, path, req, body);
    const record: LlmRecord = { ...request, startedAt: now() };
    requests.push(record);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    open.add(record);
    res.once('close', () => {
      if (!open.delete(record)) return;
      inFlight--;
      record.endedAt = now();
      record.outcome ??= 'client-closed';
    });

    let reply: LlmReply;
    try {
      reply = await handler(request);
    } catch (error) {
      reply = { status: 500, message: `handler failed: ${error instanceof Error ? error.message : String(error)}` };
    }
    if ('hang' in reply) {
      record.outcome = 'hang';
      return; // the response stays open until the client or close() ends the connection
    }
    const delay = reply.delayMs ?? latencyMs;
    if (delay > 0) await sleep(delay);
    if (!open.has(record)) return;
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      record.outcome = status < 400 ? 'ok' : 'error';
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(payload));
    };
    if ('status' in reply) {
      send(reply.status, errorBody(request, reply.status, reply.message ?? `fake error ${String(reply.status)}`), reply.headers ?? {});
      return;
    }
    const usage = { input: request.estimatedTokens, output: 0 };
    if ('text' in reply) {
      usage.output = Math.ceil(reply.text.length / 4);
      send(200, successBody(request, { text: reply.text, structured: false }, usage));
      return;
    }
    const answer = answerText(reply.json, reply.malformed, reply.think);
    usage.output = Math.ceil(answer.length / 4);
    const clean = reply.malformed === undefined && reply.think === undefined;
    send(200, successBody(request, { text: answer, ...(clean ? { json: reply.json } : {}), structured: true }, reply.usage ?? usage));
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${String(port)}`;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      // Open (e.g. hanging) requests end now, as their connections are cut.
      for (const record of open) {
        record.endedAt = now();
        record.outcome ??= 'client-closed';
        inFlight--;
      }
      open.clear();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closed;
  };
  return {
    port,
    url,
    baseUrls: { openai: `${url}/v1`, anthropic: url, ollama: url },
    requests,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    setHandler(next) {
      handler = next;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
