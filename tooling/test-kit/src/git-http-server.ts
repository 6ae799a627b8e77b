import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { gitEnv } from './git.js';

/** A fault the server injects into a repository's responses. */
export type GitHttpFault = 'drop-mid-pack' | 'status-500' | 'status-401' | 'slow-start';

/** Per-repository behaviour; see {@link GitHttpServer.configure}. */
export interface GitHttpRepoSettings {
  /** Delay before handling each request. */
  latencyMs?: number;
  /** Response bodies are paced to this rate. */
  bytesPerSecond?: number;
  /**
   * `drop-mid-pack`: the socket is destroyed after half of the first body chunk of a pack
   * response (an upload-pack POST with `want` lines). `status-500` / `status-401`: every request
   * gets that status. `slow-start`: responses wait `slowStartMs` before the first byte.
   */
  fault?: GitHttpFault;
  /** How many requests the fault hits before the repository behaves normally (default: all). */
  faultTimes?: number;
  /** Delay of `slow-start` (default 2000 ms). */
  slowStartMs?: number;
  /**
   * Answers every GET of the repository (ref discovery) with a 302 to this base URL plus the rest
   * of the path (`<redirectTo>/info/refs?...`), after the auth check: a redirect to another host.
   */
  redirectTo?: string;
}

/** One handled request. */
export interface GitHttpRequest {
  method: string;
  /** Path with query string, e.g. `/a.git/info/refs?service=git-upload-pack`. */
  path: string;
  /** Repository name taken from the path ('' if none). */
  repo: string;
  status: number;
  /** Whether the request carried the right credentials (always true without a token). */
  authorized: boolean;
  /** The `Authorization` header as received, when there was one (to check where credentials went). */
  authorization?: string;
  /** Set when a fault was applied to this request. */
  fault?: GitHttpFault;
  /** True for an upload-pack POST that asks for objects (`want` lines): a fetch that transfers a pack. */
  pack?: boolean;
}

export interface GitHttpServerOptions {
  /** Directory holding the repositories (usually bare, e.g. `<root>/a.git`). */
  root: string;
  /** When set, requests need HTTP Basic auth with this password. */
  token?: string;
  /** When set with `token`, the Basic-auth username must match too. */
  username?: string;
  /** Address to listen on (default `127.0.0.1`); the URLs use it too. */
  host?: string;
}

export interface GitHttpServer {
  port: number;
  /** `http://<host>:PORT/<repoName>` (host `127.0.0.1` unless the `host` option says otherwise) */
  url(repoName: string): string;
  /** Replaces the settings of one repository (by the name used in {@link url}). */
  configure(repoName: string, settings: GitHttpRepoSettings): void;
  /** Every request so far, in order of response. */
  requests: GitHttpRequest[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const GIT_PATH = /^\/(.+?)\/(info\/refs|git-upload-pack|git-receive-pack|HEAD|objects\/.+)$/;

/**
 * Starts a smart-HTTP git server on 127.0.0.1 (or `host`; random port): `git http-backend` as a CGI
 * behind `node:http`, with optional Basic auth and per-repository latency, bandwidth and faults.
 *
 * @example
 * await using server = await startGitHttpServer({ root, token: 's3cret' });
 * server.configure('a.git', { fault: 'drop-mid-pack', faultTimes: 1 });
 * // git -c http.extraHeader="Authorization: Basic ..." clone server.url('a.git')
 */
export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const settings = new Map<string, GitHttpRepoSettings & { faultsLeft: number }>();
  const requests: GitHttpRequest[] = [];
  const children = new Set<ChildProcess>();

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const [pathname = '/', query = ''] = (req.url ?? '/').split('?', 2) as [string?, string?];
    const repo = GIT_PATH.exec(decodeURIComponent(pathname))?.[1] ?? '';
    const authorized = checkAuth(req.headers.authorization, options);
    const record: GitHttpRequest = { method: req.method ?? 'GET', path: req.url ?? '/', repo, status: 0, authorized };
    if (req.headers.authorization !== undefined) record.authorization = req.headers.authorization;
    res.once('close', () => requests.push(record));
    const reply = (status: number, headers: Record<string, string> = {}): void => {
      record.status = status;
      res.writeHead(status, { 'Content-Type': 'text/plain', ...headers }).end(`${String(status)}\n`);
    };

    const body = await readBody(req);
    const repoSettings = settings.get(repo);
    if (repoSettings?.latencyMs) await sleep(repoSettings.latencyMs);
    const isPack = pathname.endsWith('/git-upload-pack') && wantsPack(body, req.headers['content-encoding']);
    if (isPack) record.pack = true;
    const fault = takeFault(repoSettings, isPack);
    if (fault) record.fault = fault;
    if (fault === 'slow-start') await sleep(repoSettings?.slowStartMs ?? 2000);
    if (fault === 'status-500') return reply(500);
    if (!authorized || fault === 'status-401') return reply(401, { 'WWW-Authenticate': 'Basic realm="git"' });
    if (repoSettings?.redirectTo && req.method === 'GET') {
      const rest = (req.url ?? '/').slice(`/${repo}`.length);
      return reply(302, { Location: `${repoSettings.redirectTo.replace(/\/+$/, '')}${rest}` });
    }

    const child = spawn('git', ['http-backend'], {
      env: cgiEnv(req, options.root, pathname, query, body.length, authorized),
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    children.add(child);
    child.once('close', () => children.delete(child));
    child.stdin.on('error', () => undefined);
    child.stdin.end(body);
    res.once('close', () => child.kill('SIGKILL'));

    let head = Buffer.alloc(0);
    let headersSent = false;
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let data = chunk;
      if (!headersSent) {
        head = Buffer.concat([head, chunk]);
        const split = parseCgiHead(head);
        if (!split) continue;
        record.status = split.status;
        res.writeHead(split.status, split.headers);
        headersSent = true;
        data = split.rest;
        if (data.length === 0) continue;
      }
      if (fault === 'drop-mid-pack') {
        res.write(data.subarray(0, Math.max(1, data.length >> 1)));
        await sleep(50); // let the partial body reach the client, then cut the connection
        res.socket?.destroy();
        return;
      }
      await writePaced(res, data, repoSettings?.bytesPerSecond);
    }
    if (!headersSent) return reply(502);
    res.end();
  }

  function takeFault(repoSettings: (GitHttpRepoSettings & { faultsLeft: number }) | undefined, isPack: boolean) {
    if (!repoSettings?.fault || repoSettings.faultsLeft <= 0) return undefined;
    if (repoSettings.fault === 'drop-mid-pack' && !isPack) return undefined;
    repoSettings.faultsLeft--;
    return repoSettings.fault;
  }

  const host = options.host ?? '127.0.0.1';
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${String(port)}`;

  const close = async (): Promise<void> => {
    for (const child of children) child.kill('SIGKILL');
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    port,
    url: (repoName) => `${origin}/${repoName}`,
    configure: (repoName, repoSettings) => {
      settings.set(repoName, { ...repoSettings, faultsLeft: repoSettings.faultTimes ?? Infinity });
    },
    requests,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function checkAuth(header: string | undefined, options: GitHttpServerOptions): boolean {
  if (options.token === undefined) return true;
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return false;
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const user = decoded.slice(0, colon);
  return decoded.slice(colon + 1) === options.token && (options.username === undefined || user === options.username);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** An upload-pack request that asks for objects (v0 or v2 `fetch`), as opposed to `ls-refs`. */
function wantsPack(body: Buffer, encoding: string | undefined): boolean {
  try {
    const plain = encoding === 'gzip' ? gunzipSync(body) : body;
    return plain.includes('want ');
  } catch {
    return false;
  }
}

function cgiEnv(
  req: IncomingMessage,
  root: string,
  pathname: string,
  query: string,
  contentLength: number,
  authorized: boolean,
): Record<string, string> {
  const env: Record<string, string> = {
    ...gitEnv(),
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(pathname),
    QUERY_STRING: query,
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    CONTENT_LENGTH: String(contentLength),
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
  };
  const encoding = req.headers['content-encoding'];
  if (encoding) env['HTTP_CONTENT_ENCODING'] = encoding;
  const protocol = req.headers['git-protocol'];
  if (typeof protocol === 'string') env['GIT_PROTOCOL'] = protocol;
  if (authorized) env['REMOTE_USER'] = 'git';
  return env;
}

/** Splits CGI output into status, headers and the start of the body; undefined until complete. */
function parseCgiHead(
  head: Buffer,
): { status: number; headers: Record<string, string>; rest: Buffer } | undefined {
  const crlf = head.indexOf('\r\n\r\n');
  const lf = head.indexOf('\n\n');
  const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf;
  if (end < 0) return undefined;
  const sep = end === crlf ? 4 : 2;
  const headers: Record<string, string> = {};
  let status = 200;
  for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers, rest: head.subarray(end + sep) };
}

/** Writes `data`, in 50 ms slices of `bytesPerSecond` when set, honouring backpressure. */
async function writePaced(res: ServerResponse, data: Buffer, bytesPerSecond: number | undefined): Promise<void> {
  const slice = bytesPerSecond ? Math.max(1, Math.floor(bytesPerSecond / 20)) : data.length;
  for (let at = 0; at < data.length; at += slice) {
    const part = data.subarray(at, at + slice);
    if (!res.write(part) && !res.destroyed) await drainOrClose(res);
    if (bytesPerSecond) await sleep((part.length / bytesPerSecond) * 1000);
    if (res.destroyed) return;
  }
}

function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}
