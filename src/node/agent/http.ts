import { createServer, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { parseListen, type ListenAddress } from '../../config/index.ts';
import { MvtepError, errorMessage } from '../../util/errors.ts';
import { METRICS_CONTENT_TYPE } from './metrics.ts';
import { tcpListener } from '../../util/tcpListener.ts';
import type { AgentHandle } from './agent.ts';
import { AGENT_PORT, KNOWN_NODE_PORTS } from './ports.ts';

export class ListenError extends MvtepError {}

const WILDCARDS = new Set(['0.0.0.0', '::', '0:0:0:0:0:0:0:0']);

/**
 * The agent's --listen: config's one grammar, plus a bare address (`HOST`,
 * `[V6]` or an IPv6 literal) meaning that address on AGENT_PORT, so a
 * manifest can pass `$(POD_IP)` whatever its family. One address, never a
 * wildcard: on the host network that would serve every NIC of the node.
 */
export function agentListen(text: string): ListenAddress {
  const bare = text.trim().replace(/^\[(.*)\]$/, '$1');
  const addr = isIP(bare) !== 0 || bare === 'localhost' ? { host: bare, port: AGENT_PORT } : parseListen(text);
  if (WILDCARDS.has(addr.host.toLowerCase())) {
    throw new ListenError('agent-bad-listen', `--listen '${text}': a wildcard address would serve /metrics on every interface of the node; give one address (127.0.0.1, or the node's IP, e.g. $(POD_IP))`, text);
  }
  return addr;
}

/** Why binding `listen` failed, naming who holds the port when it is taken. */
function listenFailure(listen: string, port: number, err: NodeJS.ErrnoException): ListenError {
  if (err.code === 'EADDRINUSE') {
    const holder = tcpListener(port);
    const known = KNOWN_NODE_PORTS.get(port);
    const who = [holder && `held by ${holder.command} (pid ${holder.pid})`, known && `${port} is the port of ${known}`].filter(Boolean).join('; ');
    const hint = port === AGENT_PORT ? 'choose another port with --listen' : `the agent's own default port is ${AGENT_PORT}; choose a free port with --listen`;
    return new ListenError('agent-port-in-use', `--listen ${listen}: port ${port} is already in use${who ? ` (${who})` : ''}: ${hint}`, listen);
  }
  if (err.code === 'EADDRNOTAVAIL') {
    return new ListenError('agent-listen-failed', `--listen ${listen}: the address is not one of this machine's`, listen);
  }
  return new ListenError('agent-listen-failed', `--listen ${listen}: cannot listen: ${err.message}`, listen);
}

const text = (res: ServerResponse, status: number, body: string): void => {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(body + '\n');
};

/**
 * Probes and metrics. /livez is 200 whenever the process can answer: an OVS
 * outage must not make the kubelet restart the agent (it reconnects by
 * itself). /readyz is 200 only when connected and synced, else 503 with the
 * reason; /healthz is kept as its alias for older manifests. /metrics is
 * Prometheus text (prom-client registries).
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
      agent.metrics().then(
        (body) => res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'cache-control': 'no-store' }).end(body),
        (err: unknown) => text(res, 500, `metrics failed: ${errorMessage(err)}`),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(listenFailure(listen, port, e)));
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
