// Client of the agent's attach socket (`mvtep attach --agent SOCKET`): one
// connection, one request, one answer. An error the agent answers is
// rebuilt as the class it was there, so the exit code and message are those
// of a direct attach.
import { createConnection } from 'node:net';
import type { AttachInput, AttachResult, DetachInput, DetachResult } from './attach.ts';
import { AgentSocketError, decodeError, MAX_LINE_BYTES, type AgentRequest, type AgentResponse } from './attachWire.ts';

/** How long past the request's own deadline the client waits for the agent's answer (it names the reason). */
const GRACE_MS = 1000;

function call(socket: string, req: AgentRequest, timeoutMs: number): Promise<AttachResult | DetachResult> {
  return new Promise((resolve, reject) => {
    const s = createConnection(socket);
    let buf = '';
    let done = false;
    const finish = (err: Error | undefined, value?: AttachResult | DetachResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(() => finish(new AgentSocketError('agent-timeout',
      `no answer from the agent at ${socket} within ${(timeoutMs + GRACE_MS) / 1000} s (${req.op} ${req.iface ?? req.ifaceId ?? ''})`,
      { socket, timeoutMs })), timeoutMs + GRACE_MS);
    s.setEncoding('utf8');
    s.once('connect', () => s.write(JSON.stringify(req) + '\n'));
    s.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) {
        if (buf.length > MAX_LINE_BYTES) finish(new AgentSocketError('agent-protocol', `answer from the agent at ${socket} exceeds ${MAX_LINE_BYTES} bytes`, socket));
        return;
      }
      let r: AgentResponse;
      try {
        r = JSON.parse(buf.slice(0, nl)) as AgentResponse;
      } catch {
        finish(new AgentSocketError('agent-protocol', `the agent at ${socket} answered something that is not JSON`, buf.slice(0, 200)));
        return;
      }
      if (r.id !== req.id) finish(new AgentSocketError('agent-protocol', `the agent at ${socket} answered request ${String(r.id)}, not ${String(req.id)}`, r));
      else if (r.ok) finish(undefined, r.result);
      else finish(decodeError(r.error));
    });
    s.on('error', (e: NodeJS.ErrnoException) => finish(new AgentSocketError('agent-unreachable',
      `cannot reach the agent at ${socket}: ${e.code ?? e.message}${e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? ' (is mvtep agent running with --attach-socket?)' : ''}`,
      { socket, error: e.code ?? e.message })));
    s.on('close', () => finish(new AgentSocketError('agent-closed', `the agent at ${socket} closed the connection without answering`, socket)));
  });
}

export function attachViaAgent(socket: string, input: AttachInput, timeoutMs: number): Promise<AttachResult> {
  return call(socket, { id: 1, op: 'attach', ...input, timeoutMs }, timeoutMs) as Promise<AttachResult>;
}

export function detachViaAgent(socket: string, input: DetachInput, timeoutMs: number): Promise<DetachResult> {
  return call(socket, { id: 1, op: 'detach', ...input, timeoutMs }, timeoutMs) as Promise<DetachResult>;
}
