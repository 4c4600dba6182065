import { createServer, type Server, type ServerResponse } from 'node:http';
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

const text = (res: ServerResponse, status: number, body: string): void => {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(body + '\n');
};

/**
 * Probes and metrics. /livez is 200 whenever the process can answer: an OVS
 * outage must not make the kubelet restart the agent (it reconnects by
 * itself). /readyz is 200 only when connected and synced, else 503 with the
 * reason; /healthz is kept as its alias for older manifests. /metrics is
 * Prometheus text.
 */
export async function serveAgentHttp(agent: Pick<AgentHandle, 'notReady' | 'metrics'>, listen: string): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const { host, port } = agentListen(listen);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/livez') {
      text(res, 200, 'ok');
    } else if (path === '/readyz' || path === '/healthz') {
      const reason = agent.notReady();
      if (reason === undefined) text(res, 200, 'ok');
      else text(res, 503, `not ready: ${reason}`);
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
