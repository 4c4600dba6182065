import { createServer, type Server } from 'node:http';
import { isLoopback, parseListen, type ListenAddress } from '../../config/index.ts';
import { MvtepError } from '../../util/errors.ts';
import type { AgentHandle } from './agent.ts';

export class ListenError extends MvtepError {}

/** The agent's --listen: config's one grammar, and loopback only (metrics and health are not for the network). */
export function agentListen(text: string): ListenAddress {
  const addr = parseListen(text);
  if (!isLoopback(addr.host)) throw new ListenError('agent-bad-listen', `--listen '${text}': only loopback addresses are allowed`, text);
  return addr;
}

/** /healthz (200 when connected and synced, else 503) and /metrics (Prometheus text). */
export async function serveAgentHttp(agent: AgentHandle, listen: string): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const { host, port } = agentListen(listen);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/healthz') {
      const ok = agent.healthy();
      const s = agent.stats;
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ok, connected: s.connected, synced: s.synced, managed: s.managed, problems: s.problems.length }) + '\n');
    } else if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(agent.metrics());
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new ListenError('agent-listen-failed', `cannot listen on ${listen}: ${e.message}`, listen)));
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : port;
  return {
    server, port: bound,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
