import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isLoopback, type ListenAddress } from '../config/index.ts';
import { checkBind, DEFAULT_LISTEN } from './listen.ts';
import type { ViewHub } from './hub.ts';
import type { DashboardView } from './view.ts';

export interface DashboardServerOptions {
  readonly hub: ViewHub;
  readonly listen?: ListenAddress;
  /** Only an explicit `--listen` may bind a non-loopback address. */
  readonly allowNonLoopback?: boolean;
  /** SSE keep-alive comment interval. */
  readonly heartbeatMs?: number;
}

export interface DashboardServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

interface Page {
  readonly html: string;
  readonly csp: string;
}

/** The page is one static file; its inline script and style are pinned by hash in the CSP. */
async function loadPage(): Promise<Page> {
  const html = await readFile(new URL('./page.html', import.meta.url), 'utf8');
  const hashes = (tag: string) => [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))]
    .map((m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`).join(' ');
  const csp = [
    "default-src 'none'",
    `script-src ${hashes('script')}`,
    `style-src ${hashes('style')}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, csp };
}

/** Three bars in the class colours: the page's mark, served so the browser never asks for /favicon.ico. */
const FAVICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0b0f17"/>'
  + '<rect x="7" y="7" width="4" height="18" rx="2" fill="#4f9cf9"/><rect x="14" y="7" width="4" height="18" rx="2" fill="#e85d9b"/>'
  + '<rect x="21" y="7" width="4" height="18" rx="2" fill="#f5a524"/></svg>';

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function hostnameOf(req: IncomingMessage): string {
  const host = req.headers.host ?? '';
  const v6 = /^\[([^\]]+)\]/.exec(host);
  if (v6) return v6[1]!;
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

function sseFrame(view: DashboardView): string {
  return `event: view\ndata: ${JSON.stringify(view)}\n\n`;
}

/**
 * Serves the dashboard: `/` (the page), `/api/view` (the current
 * DashboardView as JSON), `/api/events` (Server-Sent Events, one `view`
 * event per change) and `/healthz`. Read-only: every other method is 405.
 */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const listen = options.listen ?? DEFAULT_LISTEN;
  checkBind(listen, options.allowNonLoopback ?? false);
  const page = await loadPage();
  const { hub } = options;
  const loopbackOnly = isLoopback(listen.host);
  const streams = new Set<ServerResponse>();
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    // Bound to loopback, a foreign Host header means DNS rebinding: refuse it.
    if (loopbackOnly && !isLoopback(hostnameOf(req))) {
      send(res, 403, 'text/plain; charset=utf-8', 'forbidden host\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'read-only\n', { allow: 'GET, HEAD' });
      return;
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/' || path === '/index.html') {
      send(res, 200, 'text/html; charset=utf-8', page.html, { 'content-security-policy': page.csp });
    } else if (path === '/api/view') {
      const view = hub.current();
      if (view) send(res, 200, 'application/json; charset=utf-8', JSON.stringify(view));
      else send(res, 503, 'application/json; charset=utf-8', JSON.stringify({ error: 'no view yet' }), { 'retry-after': '1' });
    } else if (path === '/api/events') {
      res.writeHead(200, { ...COMMON_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      res.write('retry: 2000\n\n');
      const current = hub.current();
      if (current) res.write(sseFrame(current));
      const unsubscribe = hub.subscribe((view) => res.write(sseFrame(view)));
      streams.add(res);
      req.on('close', () => {
        unsubscribe();
        streams.delete(res);
      });
    } else if (path === '/favicon.svg' || path === '/favicon.ico') {
      send(res, 200, 'image/svg+xml', FAVICON);
    } else if (path === '/healthz') {
      send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
    } else {
      send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const heartbeat = setInterval(() => {
    for (const res of streams) res.write(': ping\n\n');
  }, options.heartbeatMs ?? 15_000);
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const hostForUrl = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${hostForUrl}:${addr.port}/`,
    host: addr.address,
    port: addr.port,
    async close() {
      clearInterval(heartbeat);
      for (const res of streams) res.end();
      streams.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}
