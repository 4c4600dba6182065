import { access, readFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { JsonStreamParser } from './framing.ts';
import { MvtepError } from '../util/errors.ts';

export class UnixctlError extends MvtepError {}

/**
 * One OVS unixctl command (what `ovs-appctl -t SOCKET cmd args...` does):
 * JSON-RPC over the daemon's control socket, without spawning a process.
 */
export function unixctl(socketPath: string, command: string, args: readonly string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(socketPath);
    const parser = new JsonStreamParser();
    let done = false;
    const finish = (err: Error | undefined, value?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(value ?? '');
    };
    const timer = setTimeout(() => finish(new UnixctlError('unixctl-timeout', `${command} on ${socketPath}: no reply in ${timeoutMs} ms`, socketPath)), timeoutMs);
    sock.on('error', (e) => finish(new UnixctlError('unixctl-connect', `cannot reach ${socketPath}: ${e.message}`, socketPath)));
    sock.on('close', () => finish(new UnixctlError('unixctl-closed', `${socketPath} closed before replying to ${command}`, socketPath)));
    sock.on('connect', () => sock.write(JSON.stringify({ id: 0, method: command, params: args })));
    sock.on('data', (chunk: Buffer) => {
      const messages: unknown[] = [];
      try {
        parser.push(chunk, (m) => messages.push(m));
      } catch (e) {
        finish(new UnixctlError('unixctl-protocol', `${socketPath}: ${(e as Error).message}`, socketPath));
        return;
      }
      for (const m of messages) {
        const msg = m as { id?: unknown; result?: unknown; error?: unknown };
        if (msg.id !== 0) continue;
        if (msg.error !== null && msg.error !== undefined) {
          finish(new UnixctlError('unixctl-error', `${command}: ${String(msg.error).trim()}`, { socketPath, command, args }));
        } else {
          finish(undefined, typeof msg.result === 'string' ? msg.result : JSON.stringify(msg.result));
        }
      }
    });
  });
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(() => true, () => false);
}

/** The vswitchd control socket next to a unix: OVSDB remote (OVS_RUNDIR layout). */
export async function deriveAppctlTarget(ovsdbRemote: string): Promise<string | undefined> {
  if (!ovsdbRemote.startsWith('unix:')) return undefined;
  const dir = dirname(ovsdbRemote.slice('unix:'.length));
  const plain = join(dir, 'ovs-vswitchd.ctl');
  if (await exists(plain)) return plain;
  const pid = (await readFile(join(dir, 'ovs-vswitchd.pid'), 'utf8').catch(() => '')).trim();
  if (/^\d+$/.test(pid) && await exists(join(dir, `ovs-vswitchd.${pid}.ctl`))) return join(dir, `ovs-vswitchd.${pid}.ctl`);
  return undefined;
}
