import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createProxy } from 'proxy';

/** One request the proxy received: a CONNECT tunnel or a plain forwarded request. */
export interface ProxyRequest {
  method: string;
  /** `host:port` for CONNECT, the absolute URL for a forwarded request. */
  target: string;
  /** The headers the proxy saw (a tunnel's own traffic is opaque to it). */
  headers: IncomingHttpHeaders;
}

export interface HttpProxy {
  /** `http://127.0.0.1:PORT`, for HTTP_PROXY / HTTPS_PROXY. */
  url: string;
  port: number;
  /** Every request so far, in arrival order. */
  requests: ProxyRequest[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts an HTTP proxy on 127.0.0.1 (the `proxy` package: CONNECT tunnels and plain forwarding)
 * that records what it is asked for, to test clients that honour HTTPS_PROXY / HTTP_PROXY.
 *
 * @example
 * await using proxy = await startHttpProxy();
 * process.env.HTTP_PROXY = proxy.url;
 * // ... requests ...
 * proxy.requests; // [{ method: 'CONNECT', target: '127.0.0.1:4321', headers: { host: ... } }]
 */
export async function startHttpProxy(): Promise<HttpProxy> {
  const requests: ProxyRequest[] = [];
  const server = createProxy(createServer());
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.prependListener('request', (req) => requests.push({ method: req.method ?? 'GET', target: req.url ?? '', headers: { ...req.headers } }));
  server.prependListener('connect', (req) => requests.push({ method: 'CONNECT', target: req.url ?? '', headers: { ...req.headers } }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const close = async (): Promise<void> => {
    if (!server.listening) return;
    const closed = once(server, 'close');
    server.close();
    for (const socket of sockets) socket.destroy(); // tunnels are detached from the HTTP server
    await closed;
  };
  return { url: `http://127.0.0.1:${String(port)}`, port, requests, close, [Symbol.asyncDispose]: close };
}
