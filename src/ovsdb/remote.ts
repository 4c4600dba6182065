import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { readFileSync } from 'node:fs';
import { OvsdbConnectionError, OvsdbError } from './errors.ts';

export type Remote =
  | { readonly kind: 'unix'; readonly path: string; readonly text: string }
  | { readonly kind: 'tcp' | 'ssl'; readonly host: string; readonly port: number; readonly text: string };

export interface TlsOptions {
  /** PEM private key file (ssl: remotes). */
  readonly privateKeyFile?: string;
  /** PEM certificate file. */
  readonly certificateFile?: string;
  /** PEM CA certificate file the server's certificate must chain to. */
  readonly caCertFile?: string;
}

export class OvsdbRemoteError extends OvsdbError {
  constructor(message: string, input: string) {
    super('ovsdb-remote', message, input);
  }
}

function parseHostPort(rest: string, text: string): { host: string; port: number } {
  let host: string;
  let portText: string;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(rest);
  if (v6) {
    host = v6[1]!;
    portText = v6[2]!;
  } else {
    const i = rest.lastIndexOf(':');
    if (i <= 0) throw new OvsdbRemoteError(`remote '${text}': expected HOST:PORT`, text);
    host = rest.slice(0, i);
    portText = rest.slice(i + 1);
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    throw new OvsdbRemoteError(`remote '${text}': bad port '${portText}'`, text);
  }
  return { host, port };
}

/** Parses one remote (`unix:PATH`, `tcp:HOST:PORT`, `ssl:HOST:PORT`, IPv6 as `[ADDR]:PORT`). */
export function parseRemote(text: string): Remote {
  const t = text.trim();
  if (t.startsWith('unix:')) {
    const path = t.slice(5);
    if (!path) throw new OvsdbRemoteError(`remote '${text}': empty socket path`, text);
    return { kind: 'unix', path, text: t };
  }
  if (t.startsWith('tcp:') || t.startsWith('ssl:')) {
    return { kind: t.startsWith('tcp:') ? 'tcp' : 'ssl', ...parseHostPort(t.slice(4), t), text: t };
  }
  throw new OvsdbRemoteError(`remote '${text}': expected unix:PATH, tcp:HOST:PORT or ssl:HOST:PORT`, text);
}

/** Parses a comma-separated list of remotes (a clustered database). */
export function parseRemotes(text: string): Remote[] {
  const parts = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (parts.length === 0) throw new OvsdbRemoteError('empty remote', text);
  return parts.map(parseRemote);
}

/** Opens the stream for one remote; rejects after `timeoutMs`. */
export function openSocket(remote: Remote, timeoutMs: number, tls: TlsOptions = {}): Promise<Socket> {
  return new Promise((resolve, reject) => {
    let socket: Socket;
    try {
      if (remote.kind === 'unix') {
        socket = netConnect({ path: remote.path });
      } else if (remote.kind === 'tcp') {
        socket = netConnect({ host: remote.host, port: remote.port });
      } else {
        const read = (file: string | undefined) => (file ? readFileSync(file) : undefined);
        socket = tlsConnect({
          host: remote.host,
          port: remote.port,
          key: read(tls.privateKeyFile),
          cert: read(tls.certificateFile),
          ca: read(tls.caCertFile),
          // OVS PKI certificates name the entity (e.g. a chassis), not the host: verify the chain only.
          checkServerIdentity: () => undefined,
          rejectUnauthorized: tls.caCertFile !== undefined,
        });
      }
    } catch (err) {
      reject(new OvsdbConnectionError(`cannot connect to ${remote.text}: ${(err as Error).message}`, remote.text, { cause: err }));
      return;
    }
    const readyEvent = remote.kind === 'ssl' ? 'secureConnect' : 'connect';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new OvsdbConnectionError(`cannot connect to ${remote.text}: no connection within ${timeoutMs} ms`, remote.text));
    }, timeoutMs);
    const onError = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new OvsdbConnectionError(`cannot connect to ${remote.text}: ${err.message}`, remote.text, { cause: err }));
    };
    socket.once('error', onError);
    socket.once(readyEvent, () => {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.setNoDelay?.(true);
      resolve(socket);
    });
  });
}
